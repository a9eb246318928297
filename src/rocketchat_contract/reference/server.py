"""ReferenceServer: the app on a Werkzeug threaded server in a daemon thread, bound to 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from rocketchat_contract.reference.app import ReferenceApp
from rocketchat_contract.reference.model import Account, Knobs, LoggedRequest
from rocketchat_contract.reference.profiles import default_profile

POLL_SECONDS = 30.0
"""How often an idle server's loop wakes up on its own. Werkzeug's default, half a second, made a thousand servers in
one process (benchmarks/fleet_large.py) wake 2,000 times a second, each wake-up taking Python's lock from the
threads that serve: the servers then cost a target's run 40 % more. ``stop`` wakes the loop itself."""
WAKE_TRIES = 200
"""Connections ``stop`` makes at most, 10 ms apart, until the loop has seen its shutdown request (nearly always one)."""


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the self-tests and the contract suite make hundreds of requests."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


class ReferenceServer:
    """A local stand-in for one Rocket.Chat release, for the suite's self-tests and demos."""

    def __init__(
        self, profile: str = default_profile(), knobs: Knobs | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.app = ReferenceApp(profile, knobs or Knobs())
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ReferenceServer:
        if self._server is not None:
            return self
        server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler)
        self._server = server
        self.port = server.server_port
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, name="reference-rocketchat"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        stopping = threading.Thread(target=self._server.shutdown, name="reference-rocketchat-stop", daemon=True)
        stopping.start()
        for _ in range(WAKE_TRIES):  # a connection wakes the loop, which then sees the shutdown request
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=1):
                pass
            stopping.join(timeout=0.01)
            if not stopping.is_alive():
                break
        stopping.join(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server.server_close()
        self._server, self._thread = None, None

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def profile(self) -> str:
        return self.app.profile.name

    @property
    def version(self) -> str:
        return self.app.knobs.version or self.app.profile.version

    @property
    def knobs(self) -> Knobs:
        return self.app.knobs

    def reset(self, profile: str | None = None, knobs: Knobs | None = None) -> None:
        """Fresh users, tokens, operations, limiter and request log; keep the profile/knobs not given."""
        self.app.configure(profile or self.app.profile.name, knobs if knobs is not None else self.app.knobs)

    @property
    def accounts(self) -> dict[str, Account]:
        return dict(self.app.state.accounts)

    def user_ids(self) -> set[str]:
        with self.app.lock:
            return set(self.app.state.users)

    def secrets(self) -> set[str]:
        """Every password and token this server life handed out, deleted users' and revoked ones included."""
        with self.app.lock:
            return set(self.app.state.secrets)

    @property
    def wsgi_app(self) -> ReferenceApp:
        """The WSGI application, to serve it another way (behind TLS, say)."""
        return self.app

    @property
    def requests(self) -> list[LoggedRequest]:
        with self.app.lock:
            return list(self.app.requests)


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 right now (for a target that must refuse connections)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
