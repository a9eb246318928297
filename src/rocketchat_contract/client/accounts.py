"""Set-up checks on the accounts a run was given: an account in the wrong role is the user's mistake, not the server's.

The privileged account's check lives with the run (it is refused before any probe); this module checks the
under-privileged one once the endpoint has answered it (mirroring that check: refused-but-admin there,
let-through-and-admin here).
"""

from __future__ import annotations

from rocketchat_contract.client.credentials import Credential, Session
from rocketchat_contract.client.http import Exchange, TargetError
from rocketchat_contract.contract.schemas import store

RUN_IMPORT_ANSWERS = ("observed/operation-not-found.schema.json", "observed/importer-not-defined.schema.json")
"""400 bodies that only an account past the run-import check gets (the server simply has no usable operation)."""
DEFAULT_ROLES = frozenset({"user", "guest", "bot", "app", "anonymous"})
"""Rocket.Chat's built-in roles that do not grant run-import."""


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
    return f"roles: {', '.join(session.roles)}" if session.roles else "roles unknown"
