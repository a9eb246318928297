"""Everything the suite asks of a server besides the endpoint itself: version, sessions, users, seeding."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from rocketchat_contract.client.accounts import PERMISSIONS, permission_holders
from rocketchat_contract.client.credentials import Credential, Session
from rocketchat_contract.client.defaults import DEFAULT_RATE_LIMIT_WAIT
from rocketchat_contract.client.frontend import unavailable
from rocketchat_contract.client.http import Client, Exchange, TargetError
from rocketchat_contract.client.printable import printable
from rocketchat_contract.client.redact import Redactor, Secret, display_url, url_secrets, without_userinfo
from rocketchat_contract.client.tls import NOT_TLS, speaks_tls

REDIRECTS = frozenset({301, 302, 303, 307, 308})
TWO_FACTOR_METHODS = {
    "totp": (
        "a code from the account's authenticator app (two-factor method totp)",
        "or turn off two-factor authentication by authenticator app (TOTP) for that account",
    ),
    "email": (
        "a code sent to the account's e-mail address (two-factor method email)",
        "or turn off two-factor authentication by e-mail for that account",
    ),
    "password": (
        "the account's password once more as a second factor (two-factor method password)",
        "or turn off the two-factor password fallback (Administration > Settings > Accounts > Two Factor "
        "Authentication)",
    ),
}
"""What a login's totp-required asks for, by ``details.method`` (Rocket.Chat's two-factor check names), and the
way around it besides a token pair."""


@dataclass
class ProvisionedUser:
    user_id: str
    username: str
    password: str

    def __repr__(self) -> str:
        return f"ProvisionedUser(user_id={self.user_id!r}, username={self.username!r})"


class Target:
    """A Rocket.Chat server reached through one client; every secret it meets goes to the redactor."""

    def __init__(
        self,
        client: Client,
        redactor: Redactor,
        *,
        rate_limit_wait: float = DEFAULT_RATE_LIMIT_WAIT,
        notes: list[str] | None = None,
    ) -> None:
        self.client = client
        self.redactor = redactor
        self.rate_limit_wait = rate_limit_wait
        """How long a rate-limited request waits for its window (--rate-limit-wait) before giving up."""
        self.notes = notes if notes is not None else []
        """Where the target says what it did on the run's behalf (waiting for a rate limit)."""
        self.setup_exchanges: list[Exchange] = []
        redactor.add(*url_secrets(client.base_url))
        for proxy in client.proxies.values():
            redactor.add(*url_secrets(proxy))

    def _send(self, method: str, path: str, **kwargs: Any) -> Exchange:
        """Send a request of the run's own (not a probe): rate limits waited out, anything unusable raised."""
        exchange = self.client.send(method, path, **kwargs)
        wait = exchange.rate_limit_reset_in()
        if wait is not None and wait <= self.rate_limit_wait:
            self.notes.append(
                f"{method} {exchange.path} was rate limited (429); waited {wait:.0f} s for the window "
                "(X-RateLimit-Reset, within --rate-limit-wait)"
            )
            time.sleep(wait + 0.5)
            exchange = self.client.send(method, path, **kwargs)
        self.setup_exchanges.append(exchange)
        if exchange.larger_than is not None:
            raise TargetError(
                f"{method} {exchange.url} answered {exchange.status} with a body larger than {exchange.larger_than} "
                "bytes, the most the suite reads of an answer (--rc-max-body); it stopped reading there"
            )
        if exchange.status in REDIRECTS:
            raise TargetError(self._redirected(exchange, path))
        if (basic := self._basic_authentication(exchange)) is not None:
            raise TargetError(basic)
        if (down := unavailable(exchange)) is not None:
            raise TargetError((down if exchange.error else f"server unavailable: {down}") + self._scheme_hint(exchange))
        return exchange

    def _basic_authentication(self, exchange: Exchange) -> str | None:
        """A front end's demand for HTTP Basic authentication (Rocket.Chat never sends one), and how to meet it."""
        challenge = exchange.header("WWW-Authenticate") or ""
        if exchange.status != 401 or not challenge.lower().startswith("basic"):
            return None
        shown = printable(self.redactor.text(challenge))
        asked = f"{exchange.method} {exchange.path} answered 401 with WWW-Authenticate: {shown}"
        if without_userinfo(self.client.base_url) != self.client.base_url:
            return f"a front end refused the user name and password in the base URL ({asked}); check them"
        scheme, _, rest = self.client.base_url.rstrip("/").partition("://")
        return (
            f"a front end asks for HTTP Basic authentication ({asked}): give its user name and password in the "
            f"base URL, --base-url {scheme}://USER:PASSWORD@{rest} (the password is masked in every output; "
            "PYTEST_BASE_URL keeps it off the command line)"
        )

    def _scheme_hint(self, exchange: Exchange) -> str:
        """When the answer shows the base URL's scheme is the wrong one for its port, the URL with the other."""
        base = self.client.base_url.rstrip("/")
        parts = urlsplit(base)
        if parts.scheme == "https" and exchange.error and NOT_TLS in exchange.error:
            return f"; if it serves plain HTTP there, pass --base-url {display_url('http' + base[5:])}"
        odd = exchange.error is not None or (exchange.status == 400 and not exchange.is_json)
        if (
            parts.scheme == "http"
            and odd
            and parts.hostname
            and speaks_tls(parts.hostname, parts.port or 80, min(self.client.timeout, 5.0))
        ):
            return f"; that port speaks TLS: pass --base-url {display_url('https' + base[4:])}"
        return ""

    def _redirected(self, exchange: Exchange, path: str) -> str:
        """Name where a redirect points and the base URL it suggests; the suite never follows one."""
        location = exchange.header("Location")
        asked = f"{exchange.method} {exchange.url} was redirected ({exchange.status})"
        if not location:
            return f"{asked} without a Location. Check --base-url."
        target = urljoin(self.client.url(path), location)
        relative = path.lstrip("/")
        suggested = target[: -len(relative)].rstrip("/") if target.endswith(relative) else None
        shown = printable(display_url(target))
        if suggested is None:
            return (
                f"{asked} to {shown}. The suite follows no redirect (it would carry the credentials along); "
                "pass the server's own address as --base-url."
            )
        return (
            f"{asked} to {shown}. The suite follows no redirect (it would carry the credentials along); "
            f"if that is the server, pass --base-url {printable(display_url(suggested))}"
        )

    def server_version(self) -> str:
        """Read the version from ``GET /api/info``; anything but Rocket.Chat's JSON is a bad target."""
        exchange = self._send("GET", "/api/info")
        body = exchange.json()
        version = body.get("version") if isinstance(body, dict) else None
        if version is None and isinstance(body, dict) and isinstance(body.get("info"), dict):
            version = body["info"].get("version")
        if exchange.status != 200 or not isinstance(version, str):
            shown = exchange.summary(self.redactor, 160)
            raise TargetError(
                f"{self.client.display_url} does not look like a Rocket.Chat server: GET /api/info should answer "
                f"200 with a JSON version, got {shown}. Check --base-url (the server's root URL, without /api)"
                f"{self._scheme_hint(exchange)}."
            )
        return version

    def login(self, role: str, username: str, password: str) -> Session:
        """Log in with a JSON body (7.6+ refuses form-encoded logins)."""
        self.redactor.add(password)
        exchange = self._send("POST", "/api/v1/login", json_body={"user": username, "password": password})
        body = exchange.json()
        data = body.get("data") if isinstance(body, dict) else None
        if exchange.status == 200 and isinstance(data, dict) and data.get("authToken") and data.get("userId"):
            token = Secret(data["authToken"])
            self.redactor.add(token)
            me = data.get("me")
            me = me if isinstance(me, dict) else {}
            return Session(role, data["userId"], token, username, list(me.get("roles") or []), True)
        error = body.get("error") if isinstance(body, dict) else None
        if error == "totp-required" or (isinstance(error, str) and "totp" in error.lower()):
            raise TargetError(self._two_factor_blocked(role, username, body))
        raise TargetError(
            f"the {role} account {username!r} could not log in: POST /api/v1/login answered "
            f"{exchange.answer(self.redactor, 160)}. Check the username and password variables."
        )

    def _two_factor_blocked(self, role: str, username: str, body: dict[str, Any]) -> str:
        """Say which second factor the login asked for (``details.method``) and how to get past it."""
        details = body.get("details")
        method = details.get("method") if isinstance(details, dict) else None
        asked, remedy = TWO_FACTOR_METHODS.get(method, (None, None)) if isinstance(method, str) else (None, None)
        if asked is None:
            named = f"method {self.redactor.text(method)[:40]!r}" if isinstance(method, str) else "no method named"
            asked, remedy = f"a second factor ({named})", "or turn off two-factor authentication for that account"
        return (
            f"the {role} account {username!r} cannot log in: the server asks for {asked} (totp-required). Use a "
            f"token pair instead (RC_ADMIN_USER_ID/RC_ADMIN_TOKEN or RC_USER_ID/RC_USER_TOKEN), {remedy}."
        )

    def roles(self, session: Session) -> list[str] | None:
        """The account's roles now, by ``GET /api/v1/me``; None when the server does not say."""
        body = self._send("GET", "/api/v1/me", headers=session.headers()).json()
        roles = body.get("roles") if isinstance(body, dict) else None
        return roles if isinstance(roles, list) and all(isinstance(r, str) for r in roles) else None

    def permission_holders(self, session: Session, permission: str) -> list[str] | None:
        """The roles that hold ``permission`` by the server's own list; None when the server does not say."""
        exchange = self._send("GET", PERMISSIONS, headers=session.headers())
        return permission_holders(exchange.json(), permission) if exchange.status == 200 else None

    def resume(self, credential: Credential) -> Session:
        """Use a given token pair as is (never logged out: a resume login would return this same token)."""
        assert credential.user_id and credential.token
        self.redactor.add(credential.token)
        session = Session(credential.role, credential.user_id, credential.token)
        exchange = self._send("GET", "/api/v1/me", headers=session.headers())
        body = exchange.json()
        if exchange.status != 200 or not isinstance(body, dict):
            raise TargetError(
                f"the {credential.role} credentials ({credential.source}) were rejected: GET /api/v1/me answered "
                f"{exchange.answer(self.redactor, 160)}."
            )
        session.username = body.get("username")
        session.roles = list(body.get("roles") or [])
        return session

    def open(self, credential: Credential) -> Session:
        if credential.user_id and credential.token:
            return self.resume(credential)
        assert credential.username and credential.password
        return self.login(credential.role, credential.username, credential.password)

    def logout(self, session: Session) -> Exchange:
        return self._send("POST", "/api/v1/logout", headers=session.headers())

    @staticmethod
    def new_user() -> ProvisionedUser:
        """Name a throwaway account; the random name is what lets cleanup find it even if creation was cut short."""
        return ProvisionedUser("", f"rc-contract-{secrets.token_hex(4)}", Secret(secrets.token_urlsafe(24)))

    def create_user(self, admin: Session, user: ProvisionedUser) -> ProvisionedUser:
        """Create the account without permissions; its email stays unverified so email 2FA cannot block it."""
        suffix = user.username.rsplit("-", 1)[-1]
        self.redactor.add(user.password)
        payload = {
            "name": f"rocketchat-contract probe {suffix}",
            "email": f"{user.username}@example.invalid",
            "password": user.password,
            "username": user.username,
            "verified": False,
            "roles": ["user"],
            "joinDefaultChannels": False,
            "sendWelcomeEmail": False,
            "requirePasswordChange": False,
        }
        exchange = self._send("POST", "/api/v1/users.create", headers=admin.headers(), json_body=payload)
        body = exchange.json()
        created = body.get("user") if isinstance(body, dict) else None
        if exchange.status != 200 or not isinstance(created, dict) or not created.get("_id"):
            raise TargetError(
                "--provision-user could not create a user with the privileged account: POST /api/v1/users.create "
                f"answered {exchange.answer(self.redactor, 160)}. The account needs the create-user permission."
            )
        user.user_id = created["_id"]
        return user

    def delete_user(self, admin: Session, user: ProvisionedUser) -> Exchange:
        """Delete by id, or by the suite's own random username when creation was interrupted before the id came back."""
        body = {"userId": user.user_id} if user.user_id else {"username": user.username}
        return self._send("POST", "/api/v1/users.delete", headers=admin.headers(), json_body=body)

    def seed_operation(self, admin: Session) -> Exchange:
        return self._send("POST", "/api/v1/downloadPendingAvatars", headers=admin.headers())
