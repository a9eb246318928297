"""Set-up checks on the accounts a run was given: an account in the wrong role is the user's mistake, not the server's.

A privileged account the endpoint refused is a set-up mistake when none of its roles holds run-import by the
server's own permission list (``privileged_refusal_problem``), and a violation when one does. The
under-privileged account is checked once the endpoint has answered it (let-through-and-admin is the mistake).
"""

from __future__ import annotations

from rocketchat_contract.client.credentials import Credential, Session
from rocketchat_contract.client.http import Exchange, TargetError
from rocketchat_contract.contract.schemas import store

RUN_IMPORT_ANSWERS = ("observed/operation-not-found.schema.json", "observed/importer-not-defined.schema.json")
"""400 bodies that only an account past the run-import check gets (the server simply has no usable operation)."""
DEFAULT_ROLES = frozenset({"user", "guest", "bot", "app", "anonymous"})
"""Rocket.Chat's built-in roles that do not grant run-import."""
RUN_IMPORT = "run-import"
PERMISSIONS = "/api/v1/permissions.listAll"
"""Every permission with the roles that hold it (any logged-in account may read it, since 0.73.0)."""
SHOWN_ROLES = 8
"""Role names a message lists at most (they come from the server)."""


def permission_holders(body: object, permission: str) -> list[str] | None:
    """The roles that hold ``permission`` by a permissions.listAll body; None when the body does not say."""
    listed = body.get("update") if isinstance(body, dict) else None
    if not isinstance(listed, list):
        return None
    entry = next((e for e in listed if isinstance(e, dict) and e.get("_id") == permission), None)
    roles = entry.get("roles") if entry is not None else None
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        return None
    return roles


def privileged_refusal_problem(
    session: Session, status: int | None, roles: list[str] | None, holders: list[str] | None
) -> str | None:
    """Say why a privileged account the endpoint refused cannot be used, or None when the refusal is the server's
    fault (a violation).

    ``roles`` are the account's (GET /api/v1/me), ``holders`` the roles that hold run-import (permissions.listAll);
    either is None when the server did not say. Then only an admin is taken to hold run-import.
    """
    name = session.username or session.user_id
    asked = f"GET /api/v1/getImportProgress answered {status}"
    if roles is None or holders is None:
        if "admin" in session.roles:
            return None
        return (
            f"the privileged account ({name}) lacks the run-import permission: {asked}. Use an admin account or one "
            "whose role holds run-import."
        )
    if set(roles) & set(holders):
        return None
    given = f"held by {_names(holders)}" if holders else "held by no role"
    return (
        f"the privileged account ({name}) lacks the run-import permission: {asked}, and none of its roles "
        f"({_names(roles) or 'none'}) holds it on this server (GET {PERMISSIONS}: run-import is {given}). Grant "
        "run-import to one of its roles in Administration > Permissions (or give the account a role that holds "
        "it), or use an account that has it."
    )


def refused_holder_note(status: int | None, roles: list[str], holders: list[str]) -> str:
    """The note on a privileged account whose role holds run-import and that the endpoint still refused."""
    holding = [role for role in roles if role in holders]
    return (
        f"the privileged account's role {_names(holding)} holds run-import (GET {PERMISSIONS}), yet "
        f"GET /api/v1/getImportProgress refused it ({status}): the server's permission check is at fault"
    )


def _names(names: list[str]) -> str:
    """Role names as a message may show them: control characters escaped, each and their number bounded."""
    shown = ["".join(c if c.isprintable() else repr(c)[1:-1] for c in name[:40]) for name in names[:SHOWN_ROLES]]
    more = len(names) - SHOWN_ROLES
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def holds_run_import(answer: Exchange) -> bool:
    """Whether the endpoint's answer shows that the caller passed the run-import check."""
    if answer.status == 200:
        return True
    body = answer.json()
    return answer.status == 400 and any(store().is_valid(schema, body) for schema in RUN_IMPORT_ANSWERS)


def check_under_privileged(
    under: Session | None, privileged: Session | None, answer: object, credential: Credential | None
) -> list[str]:
    """Raise TargetError when the under-privileged account is certainly in the wrong role; return notes otherwise."""
    if problem := under_privileged_problem(under, privileged, answer, credential):
        raise TargetError(problem)
    note = under_privileged_note(under, answer)
    return [note] if note else []


def under_privileged_problem(
    under: Session | None, privileged: Session | None, answer: object, credential: Credential | None
) -> str | None:
    """Say why the given under-privileged account cannot stand for a user without run-import, or None.

    Only a certain set-up mistake counts: the endpoint let the account through *and* it is the privileged
    account itself or an admin. A plain account let through is the server's fault (a violation), which is
    what a server that skips its permission check looks like. ``answer`` is the under-privileged probe's
    observation; ``credential`` what the user gave (None when the suite provisioned the account).
    """
    if under is None or credential is None or not isinstance(answer, Exchange) or not holds_run_import(answer):
        return None
    same = privileged is not None and privileged.user_id == under.user_id
    if not same and "admin" not in under.roles:
        return None
    what = "is the privileged account itself" if same else "is an admin"
    return (
        f"the under-privileged account {under.username or under.user_id!r} ({credential.source}) {what}: "
        f"GET /api/v1/getImportProgress answered it {answer.status} ({_roles(under)}). Set RC_USER_ID/RC_USER_TOKEN "
        "or RC_USER_USERNAME/RC_USER_PASSWORD to an account without run-import, or unset them and pass "
        "--provision-user."
    )


def under_privileged_note(under: Session | None, answer: object) -> str | None:
    """When a non-admin account was let through and holds roles besides ``user``, say that a role may grant it."""
    if under is None or not isinstance(answer, Exchange) or not holds_run_import(answer):
        return None
    extra = [role for role in under.roles if role not in DEFAULT_ROLES]
    if not extra:
        return None
    return (
        f"the under-privileged account got {answer.status} ({_roles(under)}); if one of {', '.join(extra)} grants "
        "run-import, the permission.run-import violation is a set-up mistake: use an account without it"
    )


def _roles(session: Session) -> str:
    return f"roles: {_names(session.roles)}" if session.roles else "roles unknown"
