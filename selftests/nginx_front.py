"""A real nginx in front of the reference server, as Rocket.Chat's documentation configures one.

The session fixture ``nginx_front`` writes an nginx.conf into a temporary directory and runs nginx in
the foreground on free loopback ports. Its proxy block is the one Rocket.Chat's documentation recommends
(HTTP/1.1 to the upstream, Upgrade/Connection, Host, X-Real-IP, X-Forwarded-For/-Proto, X-Nginx-Proxy),
with what real deployments add: gzip (JSON included), nginx's default header buffers (a header line over
8 KB gets its 400 page), TLS with a throwaway CA, and these locations:

- ``/``         the server at the root;
- ``/chat/``    the server under a sub-path (``ROOT_URL=https://example.com/chat``);
- ``/waf/``     a stand-in web application firewall: 403 + HTML for injection-like credential headers;
- ``/flaky/``   an upstream that drops the connections it is told to (nginx answers its 502 page), the
                odd failure while a Rocket.Chat pod restarts;
- ``/private/`` HTTP Basic authentication in front (user ``PROXY_USER``, password ``PROXY_PASSWORD``);
- ``/maintenance/`` nginx's own 503 page for everything.

A second plain-HTTP server answers everything with a 301 to the TLS server, like ``http://`` redirected to
``https://``. Without nginx on the machine the tests that use it skip, saying so.

nginx never outlives the run that started it: it runs in its own process group (the finalizer stops the
master and its workers together), and the kernel sends the master SIGTERM when the process that started
it dies (``PR_SET_PDEATHSIG``), so a run killed by a timeout, SIGTERM or SIGKILL stops it too.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from rocketchat_contract.reference import ReferenceServer, free_port

__all__ = ["PROXY_PASSWORD", "PROXY_USER", "NginxFront", "nginx", "nginx_front"]

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
NO_NGINX = (
    "nginx is not installed, and these self-tests run the suite through a real nginx; install it "
    "(apt-get install nginx-light, as .ci/run does) to run them"
)
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
PR_SET_PDEATHSIG = 1
"""prctl option (linux/prctl.h): the signal a process gets when the thread that started it dies."""
PROXY_USER, PROXY_PASSWORD = "gatekeeper", "proxy-pass-5e3b9c"

CONFIG = """\
daemon off;
master_process on;
worker_processes 1;
{user}
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    default_type application/octet-stream;

    gzip on;
    gzip_proxied any;
    gzip_min_length 16;
    gzip_types application/json text/plain text/css application/javascript;

    upstream rocketchat {{ server 127.0.0.1:{upstream}; }}
    # max_fails=0: a dropped connection fails that one request, not the next ten seconds of them.
    upstream restarting {{ server 127.0.0.1:{gate} max_fails=0; }}

    server {{
        listen 127.0.0.1:{http};
        listen 127.0.0.1:{https} ssl;
        ssl_certificate {root}/server.pem;
        ssl_certificate_key {root}/server.key;

        # What Rocket.Chat's documentation puts in the location block.
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Nginx-Proxy true;
        proxy_redirect off;

        location / {{ proxy_pass http://rocketchat; }}
        location /chat/ {{ proxy_pass http://rocketchat/; }}
        location /waf/ {{
            if ($http_x_user_id ~ "\\$ne|\\$gt|'|\\.\\./") {{ return 403; }}
            if ($http_x_auth_token ~ "\\$ne|\\$gt|'|\\.\\./") {{ return 403; }}
            proxy_pass http://rocketchat/;
        }}
        location /flaky/ {{ proxy_pass http://restarting/; }}
        location /private/ {{
            auth_basic "chat";
            auth_basic_user_file {root}/htpasswd;
            proxy_pass http://rocketchat/;
        }}
        location /maintenance/ {{ return 503; }}
    }}

    server {{
        listen 127.0.0.1:{redirect};
        return 301 https://127.0.0.1:{https}$request_uri;
    }}
}}
"""



class Gate:
    """Decides which requests the restarting upstream drops: the next N, or the next N that start alike."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left = 0
        self._start: str | None = None
        self.dropped = 0

    def drop(self, count: int, start: str | None = None) -> None:
        """Drop the next ``count`` requests (those whose request line begins with ``start``, if given)."""
        with self._lock:
            self._left, self._start, self.dropped = count, start, 0

    def should_drop(self, request_line: str) -> bool:
        with self._lock:
            if self._left <= 0 or (self._start is not None and not request_line.startswith(self._start)):
                return False
            self._left -= 1
            self.dropped += 1
            return True


def _dropping_handler(gate: Gate) -> type[WSGIRequestHandler]:
    class Dropping(WSGIRequestHandler):
        """Closes the connection without a word when the gate says so; otherwise serves as usual."""

        def handle_one_request(self) -> None:
            try:
                peeked = self.connection.recv(1024, socket.MSG_PEEK)
            except OSError:
                self.close_connection = True
                return
            line = peeked.split(b"\r\n", 1)[0].decode("latin-1")
            if peeked and gate.should_drop(line):
                self.close_connection = True
                self.connection.close()
                return
            super().handle_one_request()

        def log(self, type: str, message: str, *args: Any) -> None:
            return None

    return Dropping


@dataclass
class RestartingUpstream:
    """The reference server's application on a second port, behind a gate that can drop requests."""

    gate: Gate
    server: BaseWSGIServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"


def start_restarting(reference: ReferenceServer) -> RestartingUpstream:
    gate = Gate()
    server = make_server(
        "127.0.0.1", 0, reference.wsgi_app, threaded=True, request_handler=_dropping_handler(gate)
    )
    threading.Thread(target=server.serve_forever, name="restarting-upstream", daemon=True).start()
    return RestartingUpstream(gate, server)


@dataclass
class NginxFront:
    """Where the nginx in front of the reference server answers."""

    http_port: int
    https_port: int
    redirect_port: int
    ca_bundle: Path
    root: Path
    restarting: RestartingUpstream

    def url(self, location: str = "", *, tls: bool = False) -> str:
        """The base URL of a location (``""``, ``"chat"``, ``"waf"``, ``"flaky"``), over TLS if asked."""
        origin = f"https://127.0.0.1:{self.https_port}" if tls else f"http://127.0.0.1:{self.http_port}"
        return f"{origin}/{location}" if location else origin

    @property
    def redirecting(self) -> str:
        return f"http://127.0.0.1:{self.redirect_port}"

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _user_line() -> str:
    """As root, nginx's workers would run as nobody and could not use the temporary directory."""
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name};"


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} within {START_TIMEOUT:g} s")


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec_fn that asks the kernel to SIGTERM nginx when this process dies (None off Linux).

    libc's prctl is looked up here, before the fork: the child only calls it. A parent that died before
    the call was made is caught by comparing the child's parent with the one it was forked from.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return die_with_parent


def start_nginx(root: Path, upstream: ReferenceServer) -> tuple[subprocess.Popen[bytes], NginxFront]:
    """Write the config into ``root`` and start nginx on free ports; the caller stops the process."""
    assert NGINX is not None, NO_NGINX
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_pem.write_to_path(str(root / "server.key"))
    cert.cert_chain_pems[0].write_to_path(str(root / "server.pem"))
    (root / "htpasswd").write_text(f"{PROXY_USER}:{{PLAIN}}{PROXY_PASSWORD}\n")
    bundle = root / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    restarting = start_restarting(upstream)
    front = NginxFront(free_port(), free_port(), free_port(), bundle, root, restarting)
    conf = root / "nginx.conf"
    conf.write_text(
        CONFIG.format(
            root=root,
            user=_user_line(),
            upstream=upstream.port,
            gate=restarting.server.server_port,
            http=front.http_port,
            https=front.https_port,
            redirect=front.redirect_port,
        )
    )
    log = root / "startup.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [NGINX, "-p", str(root), "-e", str(root / "error.log"), "-c", str(conf)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_parent_death_signal(),
        )
    try:
        for port in (front.http_port, front.https_port, front.redirect_port):
            _wait_for(port, process, root / "error.log")
    except RuntimeError:
        stop_nginx(process)
        raise
    return process, front


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def stop_nginx(process: subprocess.Popen[bytes]) -> None:
    """Stop the master and its workers (the process group nginx leads), forcefully after STOP_TIMEOUT."""
    group = process.pid
    _signal_group(group, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    _signal_group(group, signal.SIGKILL)


@pytest.fixture(scope="session")
def nginx_front(
    make_reference_server: ReferenceServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NginxFront]:
    """nginx in front of the session's reference server (skips, saying why, where nginx is absent)."""
    if NGINX is None:
        pytest.skip(NO_NGINX)
    root = tmp_path_factory.mktemp("nginx")
    process, front = start_nginx(root, make_reference_server)
    try:
        yield front
    finally:
        stop_nginx(process)
        front.restarting.server.shutdown()
        front.restarting.server.server_close()


@pytest.fixture
def nginx(nginx_front: NginxFront) -> NginxFront:
    """The session's nginx with the restarting upstream's gate closed (nothing dropped)."""
    nginx_front.restarting.gate.drop(0)
    return nginx_front

