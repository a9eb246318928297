"""The WSGI application: routes, and the per-era pipeline.

Up to early 8.x: auth → rate limit → params → permission → action (the last three inside the action).
From mid-8.x (``permission_first``): auth → permission → rate limit → params → action.
With a typed query schema (``typed_query``, 9.0): auth → permission → query → rate limit → action.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from rocketchat_contract.reference import bodies, hostile
from rocketchat_contract.reference.faults import Fault, apply, load_faults, matches
from rocketchat_contract.reference.hostile import add_hostile_headers, hostile_version
from rocketchat_contract.reference.model import Knobs, LoggedRequest, Operation, User
from rocketchat_contract.reference.profiles import Profile, profile, unknown_route, variations
from rocketchat_contract.reference.reply import JSON, Reply, render
from rocketchat_contract.reference.state import State

PROGRESS = "/api/v1/getImportProgress"

# Route path -> (endpoint, methods it answers, whether it needs a logged-in user).
ROUTES: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "/api/info": ("info", ("GET",), False),
    "/api/v1/login": ("login", ("POST",), False),
    "/api/v1/logout": ("logout", ("GET", "POST"), True),
    "/api/v1/me": ("me", ("GET",), True),
    "/api/v1/permissions.listAll": ("permissions_list_all", ("GET",), True),
    "/api/v1/users.create": ("users_create", ("POST",), True),
    "/api/v1/users.delete": ("users_delete", ("POST",), True),
    "/api/v1/getLatestImportOperations": ("latest_operations", ("GET",), True),
    "/api/v1/downloadPendingAvatars": ("download_pending_avatars", ("POST",), True),
    PROGRESS: ("progress", ("GET",), True),
}
URL_MAP = Map([Rule(path, endpoint=path) for path in ROUTES], strict_slashes=False)
ROUTE_PERMISSION = {"progress": "run-import"}
"""The permission a route declares (permissionsRequired), checked first on ``permission_first`` profiles."""
TYPED_QUERY = {"progress": frozenset(), "permissions_list_all": frozenset({"updatedSince"})}
"""The query parameters a route's typed query schema admits (``typed_query`` profiles refuse any other)."""
REFUSALS = frozenset({"unauthenticated", "forbidden", "query-refused"})
"""Answers of the Hono-era middlewares and the typed query check, which skip the router's cache headers."""


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_date(text: str) -> float | None:
    """``Date.parse`` of an ISO 8601 date-time, as a timestamp; None for anything else (a subset of what
    JavaScript accepts: the form Rocket.Chat's clients send)."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _unknown_route(framework: str, case: str) -> Reply:
    """The framework's answer to a route it does not know (profiles.yaml ``unknown_route``)."""
    entry = unknown_route(framework)
    return Reply(entry["status"], raw=bodies.data(entry["body"]), content_type=entry["content_type"], case=case)


class ReferenceApp:
    """One Rocket.Chat release's REST front end over a resettable in-memory state."""

    def __init__(self, profile_name: str, knobs: Knobs) -> None:
        self.lock = threading.RLock()
        self.random = random.Random()
        """Its own generator: the module-level one is shared with whatever else runs in the process."""
        self.requests: list[LoggedRequest] = []
        self.configure(profile_name, knobs)

    def configure(self, profile_name: str, knobs: Knobs) -> None:
        """Swap in a profile and knobs with a fresh state (users, tokens, operations, limiter)."""
        chosen = profile(profile_name)
        faults = load_faults()
        unknown = sorted(set(knobs.faults) - set(faults))
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(unknown)}")
        bad = sorted(set(knobs.variations) - set(variations()))
        if bad:
            raise ValueError(f"unknown variations: {', '.join(bad)}")
        if knobs.hostile_drip_part not in hostile.DRIP_PARTS:
            raise ValueError(f"hostile_drip_part {knobs.hostile_drip_part!r}: expected one of {hostile.DRIP_PARTS}")
        methods = bodies.data("two-factor-details")
        if knobs.two_factor_method not in methods:
            raise ValueError(f"unknown two-factor method {knobs.two_factor_method!r}; known: {', '.join(methods)}")
        state = State(chosen, knobs)  # before anything is swapped: a bad knob leaves the server as it was
        with self.lock:
            self.profile: Profile = chosen
            self.knobs = knobs
            self.faults: list[Fault] = [faults[name] for name in sorted(knobs.faults)]
            self.switches = frozenset(f.switch for f in self.faults if f.switch)
            self.state = state
            self.requests.clear()

    # -- WSGI -------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        started = time.time()
        with self.lock:
            reply, user = self.dispatch(request)
            knobs, chosen, faults, switches = self.knobs, self.profile, self.faults, self.switches
        if reply.delayed and knobs.delay_scale > 0:
            time.sleep(self.random.uniform(0.5, 1.0) * knobs.delay_scale)
        settings = variations()
        response = render(
            reply,
            indent=settings["pretty"]["indent"] if "pretty" in knobs.variations else None,
            json_type=settings["charset"]["content_type"] if "charset" in knobs.variations else JSON,
            cache_headers=not chosen.restivus and (chosen.refusal_cache_headers or reply.case not in REFUSALS),
        )
        add_hostile_headers(response, faults)
        with self.lock:
            self.requests.append(
                LoggedRequest(
                    request.method,
                    request.path,
                    user.user_id if user else None,
                    reply.status,
                    started,
                    request.query_string.decode("latin-1"),
                )
            )
        if hostile.OVERSIZED in switches and reply.case == "success":
            response = hostile.oversized(response, knobs.hostile_body_size)
        if hostile.DEEP in switches and reply.case == "success":
            response = hostile.deep(response)
        if knobs.hostile_drip and request.path.rstrip("/") == PROGRESS:
            return hostile.dripped(response, environ, knobs.hostile_drip, knobs.hostile_drip_part)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def dispatch(self, request: Request) -> tuple[Reply, User | None]:
        try:
            path, _ = URL_MAP.bind_to_environ(request.environ).match()
        except NotFound:
            return self.unknown(request.path), None
        endpoint, methods, needs_user = ROUTES[path]
        if path == PROGRESS and not self.profile.endpoint:
            return self.unknown(request.path), None
        user: User | None = None
        if request.method == "OPTIONS":
            reply = self.options()
        elif request.method not in methods and not (request.method == "HEAD" and "GET" in methods):
            reply = self.unsupported(methods)
        else:
            reply, user = self.guarded(request, path, endpoint, needs_user)
        if path == PROGRESS:
            reply = self.rewrite(request, reply)
        return reply, user

    # -- framework answers ------------------------------------------------------------------------

    def unknown(self, path: str) -> Reply:
        """What the era sends outside its routes (profiles.yaml ``unknown_route``)."""
        framework = self.profile.framework if path.startswith("/api/") else "restivus"
        return _unknown_route(framework, "unknown-route")

    def options(self) -> Reply:
        if self.profile.restivus:
            return Reply(404, raw="", content_type="text/plain", case="options")
        if self.profile.framework == "express":
            return Reply(
                200, raw="", content_type="", headers={"Allow": bodies.data("meteor-webapp-allow")}, case="options"
            )
        return Reply(
            200,
            raw=bodies.data("hono-options-body"),
            content_type="text/plain; charset=UTF-8",
            case="options",
        )

    def unsupported(self, methods: tuple[str, ...]) -> Reply:
        """Restivus: 405 JSON with Allow. Express: Meteor webapp's empty 405. Hono: its text 404. No auth, no delay."""
        if self.profile.restivus:
            return Reply(
                405,
                bodies.method_not_allowed(),
                headers={"Allow": ", ".join((*methods, "OPTIONS"))},
                case="unsupported-method",
            )
        if self.profile.framework == "express":
            return Reply(
                405,
                raw="",
                content_type="",
                headers={"Allow": bodies.data("meteor-webapp-allow")},
                case="unsupported-method",
            )
        return _unknown_route("hono", "unsupported-method")

    def unauthenticated(self) -> Reply:
        return Reply(401, bodies.unauthenticated(self.profile), case="unauthenticated", delayed=self.profile.restivus)

    def forbidden(self) -> Reply:
        body = bodies.forbidden()
        if "forbidden-error-type" in self.knobs.variations:
            body.update(variations()["forbidden-error-type"])
        return Reply(403, body, case="forbidden", delayed=self.profile.restivus)

    def body_of(self, case: str) -> Any:
        return (self.unauthenticated() if case == "unauthenticated" else self.forbidden()).body

    def rewrite(self, request: Request, reply: Reply) -> Reply:
        headers = {name: value for name, value in request.headers.items()}
        for fault in self.faults:
            rule = fault.rewrite
            if rule and matches(
                rule["when"],
                case=reply.case,
                method=request.method,
                profile=self.profile.name,
                headers=headers,
            ):
                reply = apply(rule["then"], reply, self.body_of)
        return reply

    # -- pipeline ---------------------------------------------------------------------------------

    def authenticate(self, request: Request) -> User | None:
        """Both headers, matched by id and token; the auth switches loosen exactly one rule each."""
        user_id = request.headers.get("X-User-Id")
        token = request.headers.get("X-Auth-Token")
        users = self.state.users
        user = users.get(user_id) if user_id else None
        if user_id and token:
            if user and token in user.tokens:
                return user
            if user and "token-not-bound" in self.switches and self.state.find_by_token(token):
                return user
        if user and token is not None and not token.strip() and "accept-empty-token" in self.switches:
            return user
        if user and token is None and "one-header-enough" in self.switches:
            return user
        if user_id is None and token is None and "accept-no-credentials" in self.switches:
            return self.state.admin()
        return None

    def guarded(self, request: Request, path: str, endpoint: str, needs_user: bool) -> tuple[Reply, User | None]:
        """Authenticate and rate-limit where the route needs a user, then run it; limiter headers stay on."""
        handler: Callable[[Request, User | None], Reply] = getattr(self, f"route_{endpoint}")
        if not needs_user:
            return handler(request, None), None
        user = self.authenticate(request)
        if user is None:
            return self.unauthenticated(), None
        needed = ROUTE_PERMISSION.get(endpoint)
        first = self.profile.permission_first and "limiter-before-permission" not in self.switches
        if first and needed and not self.may(user, needed):
            return self.forbidden(), user
        admitted = TYPED_QUERY.get(endpoint)
        if self.profile.typed_query and admitted is not None and set(request.args) - admitted:
            return Reply(400, bodies.invalid_params(self.profile), case="query-refused"), user
        headers: dict[str, str] = {}
        if self.knobs.rate_limit and not self.state.has(user, "api-bypass-rate-limit"):
            verdict = self.state.limiter.check(request.remote_addr or "", path, request.method)
            headers = verdict.headers()
            if not verdict.allowed:
                return Reply(
                    429, bodies.too_many_requests(verdict.wait_seconds), headers=headers, case="rate-limited"
                ), user
        reply = handler(request, user)
        reply.headers = {**headers, **reply.headers}
        return reply, user

    def may(self, user: User, permission: str) -> bool:
        if permission == "run-import" and "refuse-run-import" in self.switches:
            return False
        if "skip-permission-check" in self.switches:
            return True
        subject = self.state.admin() if "permission-of-admin" in self.switches else user
        return self.state.has(subject, permission)

    # -- routes -----------------------------------------------------------------------------------

    def route_progress(self, request: Request, user: User | None) -> Reply:
        assert user is not None
        chosen = self.profile
        if chosen.validate_params and request.args:
            return Reply(400, bodies.invalid_params(chosen), case="invalid-params")
        if not self.may(user, "run-import"):
            if chosen.permission == "route":
                return self.forbidden()
            return Reply(400, bodies.action_not_allowed(), case="forbidden")
        latest = self.state.latest_operation()
        if latest is None:
            return Reply(400, bodies.operation_not_found(chosen), case="operation-not-found")
        operation = latest.operation
        if operation.key not in chosen.importers:
            return Reply(400, bodies.importer_not_defined(chosen, operation.key), case="importer-not-defined")
        return Reply(200, bodies.progress(chosen, operation, self.knobs.variations), case="success")

    def route_info(self, request: Request, user: User | None) -> Reply:
        version = hostile_version(self.faults) or self.profile.info_for(self.knobs.version or self.profile.version)
        return Reply(200, {"version": version, "success": True}, case="info")

    def _login_fields(self, request: Request) -> dict[str, Any] | None:
        if request.is_json:
            body = request.get_json(silent=True)
            return body if isinstance(body, dict) else None
        if request.mimetype == "application/x-www-form-urlencoded" and self.profile.form_login:
            return request.form.to_dict()
        return None

    def _login_failed(self, name: str = "login-failed") -> Reply:
        body = bodies.data(name)
        if not self.profile.restivus:
            body = bodies.data("login-failed-hono") if name == "login-failed" else {"success": False, **body}
        return Reply(401, body, case="login-failed")

    def _two_factor_required(self, method: str) -> Reply:
        """The login's 401 totp-required, naming the user's second factor in ``details.method``."""
        reply = self._login_failed("totp-required")
        reply.body["details"] = bodies.data("two-factor-details")[method]
        return reply

    def route_login(self, request: Request, user: User | None) -> Reply:
        fields = self._login_fields(request)
        if not fields:
            return self._login_failed()
        if isinstance(fields.get("resume"), str):
            found = self.state.find_by_token(fields["resume"])
            if found is None:
                return self._login_failed()
            return self._logged_in(request, found, fields["resume"])
        login = fields.get("user") or fields.get("username") or fields.get("email")
        found = self.state.find_by_login(login) if isinstance(login, str) else None
        if found is None or fields.get("password") != found.password:
            return self._login_failed()
        if found.two_factor:
            return self._two_factor_required(found.two_factor)
        return self._logged_in(request, found, self.state.issue_token(found))

    def _logged_in(self, request: Request, user: User, token: str) -> Reply:
        body: dict[str, Any] = {
            "status": "success",
            "data": {
                "userId": user.user_id,
                "authToken": token,
                "me": bodies.user_object(user, request.host_url),
            },
        }
        if not self.profile.restivus:
            body["success"] = True
        return Reply(200, body, case="logged-in")

    def route_logout(self, request: Request, user: User | None) -> Reply:
        assert user is not None
        token = request.headers.get("X-Auth-Token", "")
        if "keep-revoked-tokens" not in self.switches and token in user.tokens:
            user.tokens.remove(token)
        return Reply(200, bodies.data("logout"), case="logged-out")

    def route_me(self, request: Request, user: User | None) -> Reply:
        assert user is not None
        return Reply(200, {**bodies.user_object(user, request.host_url), "success": True}, case="me")

    def route_permissions_list_all(self, request: Request, user: User | None) -> Reply:
        """Every permission with the roles that hold it (authRequired only, since 0.73.0): ``{update, remove,
        success}``; with ``updatedSince``, only those changed after it (nothing is ever removed here)."""
        assert user is not None
        since: float | None = None
        if "updatedSince" in request.args:
            since = _parse_date(request.args["updatedSince"])
            if since is None:
                return Reply(400, bodies.data("updated-since-invalid"), case="invalid-params")
        updated_at = self.state.permissions_updated_at
        listed = [
            {"_id": permission, "roles": roles, "_updatedAt": _iso(updated_at)}
            for permission, roles in self.state.permission_roles().items()
            if since is None or updated_at > since
        ]
        return Reply(200, {"update": listed, "remove": [], "success": True}, case="permissions")

    def route_users_create(self, request: Request, user: User | None) -> Reply:
        assert user is not None
        if not self.state.has(user, "create-user"):
            return self.forbidden()
        fields = request.get_json(silent=True) or {}
        for name in ("name", "email", "password", "username"):
            if not isinstance(fields.get(name), str) or not fields[name]:
                return Reply(400, bodies.data("missing-param", field=name), case="invalid-params")
        if self.state.find_by_username(fields["username"]):
            return Reply(400, bodies.data("username-taken", username=fields["username"]), case="username-taken")
        roles = fields.get("roles") or ["user"]
        created = self.state.create_user(
            fields["username"],
            fields["name"],
            fields["email"],
            fields["password"],
            [str(r) for r in roles],
            verified=bool(fields.get("verified", False)),
        )
        return Reply(200, {"user": bodies.created_user(created), "success": True}, case="user-created")

    def route_users_delete(self, request: Request, user: User | None) -> Reply:
        assert user is not None
        if not self.state.has(user, "delete-user"):
            return self.forbidden()
        fields = request.get_json(silent=True) or {}
        if fields.get("userId"):
            target = self.state.users.get(str(fields["userId"]))
        elif fields.get("username"):
            target = self.state.find_by_username(str(fields["username"]))
        else:
            return Reply(400, bodies.data("user-param-not-provided"), case="invalid-params")
        if target is None:
            return Reply(400, bodies.data("invalid-user"), case="invalid-user")
        del self.state.users[target.user_id]
        return Reply(200, {"success": True}, case="user-deleted")

    def route_latest_operations(self, request: Request, user: User | None) -> Reply:
        assert user is not None
        if not self.state.has(user, "view-import-operations"):
            return self.forbidden()
        newest = sorted(self.state.operations, key=lambda s: s.ts, reverse=True)[:20]
        listed = [
            {
                "_id": s.op_id,
                "type": s.operation.key,
                "importerKey": s.operation.key,
                "ts": _iso(s.ts),
                "status": s.operation.step,
                "valid": s.valid,
                "user": s.user_id,
                "_updatedAt": _iso(s.ts),
                "count": {
                    "total": s.operation.total,
                    "completed": s.operation.completed,
                    "error": s.operation.error,
                },
            }
            for s in newest
        ]
        return Reply(200, listed, case="operations")

    def route_download_pending_avatars(self, request: Request, user: User | None) -> Reply:
        """PendingAvatarImporter with nothing pending: a pending-avatars operation at importer_done, 0/0."""
        assert user is not None
        if not self.state.has(user, "run-import"):
            return self.forbidden()
        if self.profile.clears_operations:
            self.state.clear_operations()
        self.state.add_operation(Operation("pending-avatars", "importer_done"), user.user_id)
        return Reply(200, {"count": 0, "success": True}, case="pending-avatars")
