"""A fleet of reference servers on 127.0.0.1, for the self-tests and the benchmarks (not part of the package:
the package ships one reference server, the embedded target; a fleet of them is test scaffolding).

Each member is a ReferenceServer of its own (own port, own accounts); ``environment()`` gives the variables
the fleet file points at (a prefix per member), and ``fleet_file()`` writes the fleet file itself.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rocketchat_contract.reference import Knobs, ReferenceServer, free_port


@dataclass(frozen=True)
class Member:
    """One target of the fleet: its name and the reference server's set-up (or none: nothing listens)."""

    name: str
    profile: str | None = None
    knobs: Knobs = field(default_factory=Knobs)
    settings: dict[str, Any] = field(default_factory=dict)
    """Fleet-file settings of this target (provision_user, rc_version, …)."""
    accounts: tuple[str, ...] = ("admin", "user")
    """Whose credentials the fleet environment carries (by password)."""
    userinfo: str | None = None
    """``user:password`` put in the base URL, as for a proxy that wants basic authentication."""

    @property
    def prefix(self) -> str:
        return "RC_" + "".join(c if c.isalnum() else "_" for c in self.name.upper()) + "_"


class ReferenceFleet:
    """Start every member's server; stop them all on exit."""

    def __init__(self, members: list[Member]) -> None:
        self.members = members
        self.servers: dict[str, ReferenceServer] = {}
        self.urls: dict[str, str] = {}

    def __enter__(self) -> ReferenceFleet:
        try:
            for member in self.members:
                if member.profile is None:
                    self.urls[member.name] = f"http://127.0.0.1:{free_port()}"
                    continue
                server = ReferenceServer(member.profile, member.knobs).start()
                self.servers[member.name] = server
                where = f"{member.userinfo}@{server.host}" if member.userinfo else server.host
                self.urls[member.name] = f"http://{where}:{server.port}"
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop every server, many at once: each takes up to its serving loop's half-second poll to notice."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
            list(pool.map(lambda server: server.stop(), self.servers.values()))

    def environment(self) -> dict[str, str]:
        """The credential variables of every member, under its own prefix (``RC_<NAME>_ADMIN_USERNAME`` …)."""
        env: dict[str, str] = {}
        for member in self.members:
            server = self.servers.get(member.name)
            if server is None:
                continue
            for role, part in (("admin", "ADMIN"), ("user", "USER")):
                if role in member.accounts:
                    account = server.accounts[role]
                    env[f"{member.prefix}{part}_USERNAME"] = account.username
                    env[f"{member.prefix}{part}_PASSWORD"] = account.password
        return env

    def secrets(self) -> set[str]:
        """Every password and token the servers handed out so far (none may appear in any output)."""
        return {secret for server in self.servers.values() for secret in server.secrets()}

    def entries(self) -> list[dict[str, Any]]:
        return [
            {"name": m.name, "base_url": self.urls[m.name], "env_prefix": m.prefix, **m.settings} for m in self.members
        ]

    def fleet_file(self, path: Path) -> Path:
        """Write a fleet file of all members."""
        path.write_text(yaml.safe_dump({"targets": self.entries()}, sort_keys=False), encoding="utf-8")
        return path
