"""Everything the suite asks of a server besides the endpoint itself: version, sessions, users, seeding."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from .credentials import Credential
from .http import Client, Exchange, TargetError
from .redact import Redactor, Secret


@dataclass
class Session:
    """An authenticated identity the suite can send as X-User-Id / X-Auth-Token."""

    role: str
    user_id: str
    token: str
    username: str | None = None
    roles: list[str] = field(default_factory=list)
    opened_by_suite: bool = False

    def headers(self) -> dict[str, str | bytes]:
        return {"X-User-Id": self.user_id, "X-Auth-Token": self.token}

    def __repr__(self) -> str:
        return f"Session(role={self.role!r}, user_id={self.user_id!r}, opened_by_suite={self.opened_by_suite})"


@dataclass
class ProvisionedUser:
    user_id: str
    username: str
    password: str

    def __repr__(self) -> str:
        return f"ProvisionedUser(user_id={self.user_id!r}, username={self.username!r})"


class Target:
    """A Rocket.Chat server reached through one client; every secret it meets goes to the redactor."""

    def __init__(self, client: Client, redactor: Redactor) -> None:
        self.client = client
        self.redactor = redactor
        self.setup_exchanges: list[Exchange] = []

    def _send(self, method: str, path: str, **kwargs: Any) -> Exchange:
        exchange = self.client.send(method, path, **kwargs)
        self.setup_exchanges.append(exchange)
        if exchange.error:
            raise TargetError(f"{method} {self.client.base_url}{path.lstrip('/')} failed: {exchange.error}.")
        return exchange

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
                f"{self.client.base_url} does not look like a Rocket.Chat server: GET /api/info should answer "
                f"200 with a JSON version, got {shown}. Check --base-url (the server's root URL, without /api)."
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
            raise TargetError(
                f"the {role} account {username!r} cannot log in: the server asks for a two-factor code "
                "(totp-required). Use a token pair instead (RC_ADMIN_USER_ID/RC_ADMIN_TOKEN or "
                "RC_USER_ID/RC_USER_TOKEN), or turn off two-factor authentication by email for that account."
            )
        raise TargetError(
            f"the {role} account {username!r} could not log in: POST /api/v1/login answered "
            f"{exchange.answer(self.redactor, 160)}. Check the username and password variables."
        )

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
