"""One contract run: place the server, open sessions, send every probe and generated request in one concurrent
wave, judge every clause once, clean up; the result is a RunRecord."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial

from rocketchat_contract.client import interrupt
from rocketchat_contract.client.accounts import (
    RUN_IMPORT,
    check_under_privileged,
    privileged_refusal_problem,
    refused_holder_note,
)
from rocketchat_contract.client.credentials import Credential, Session
from rocketchat_contract.client.frontend import server_unavailable
from rocketchat_contract.client.fuzz.config import HOSTILE, SCHEMATHESIS
from rocketchat_contract.client.fuzz.wave import MAX_PARALLEL as GENERATED_PARALLEL
from rocketchat_contract.client.fuzz.wave import Drawn, draw_all, submit_cases, submit_hostile
from rocketchat_contract.client.http import Client, Exchange, TargetError
from rocketchat_contract.client.probes import BY_NAME, ENDPOINT, PROBES, ProbeContext
from rocketchat_contract.client.redact import Redactor, display_url
from rocketchat_contract.client.setup import ProvisionedUser, Target
from rocketchat_contract.contract.catalogue import judging
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.contract.versions import Placement, VersionError, eras, place_server
from rocketchat_contract.judge.judge import GENERATED, Judge, Observation, Unavailable
from rocketchat_contract.judge.verdicts import Judgement, Verdict
from rocketchat_contract.results.record import JudgementRecord, RunRecord, shown
from rocketchat_contract.run.settings import Settings

MAX_PARALLEL = 16
"""The clauses judged on generated requests rather than on the probes."""
UNDER_PRIVILEGED_RETRIES = 1
"""Retries of a transient failure for the under-privileged probe, which counts against a 10/min rate limit."""


@dataclass
class ContractRun:
    """The state of one run against one target; ``start`` does the network work, ``close`` undoes it."""

    settings: Settings
    redactor: Redactor = field(default_factory=Redactor)
    notes: list[str] = field(default_factory=list)
    observations: dict[str, Observation] = field(default_factory=dict)
    placement: Placement | None = None
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    judge: Judge | None = None
    generated: dict[str, dict[str, Observation]] = field(default_factory=dict)
    """The generated requests' exchanges, by the clause that judges them."""
    judgements: list[Judgement] = field(default_factory=list)

    def __post_init__(self) -> None:
        settings = self.settings
        self.client = Client(
            settings.base_url,
            timeout=settings.timeout,
            deadline=settings.deadline,
            max_body=settings.max_body,
            verify=settings.verify,
            verify_source=settings.verify_source,
        )
        self.target = Target(
            self.client, self.redactor, rate_limit_wait=self.settings.rate_limit_wait, notes=self.notes
        )
        self.context = ProbeContext()
        self._opened: list[Session] = []
        self._provisioned: ProvisionedUser | None = None
        self.closed = False
        self.undone: list[str] = []
        """What ``close`` undid (sessions logged out, the provisioned user deleted), for the interrupt message."""
        self.undo_problems: list[str] = []
        """What ``close`` could not undo."""
        for credential in (self.settings.privileged, self.settings.under):
            if credential:
                self.redactor.add(credential.token, credential.password)

    # -- setup ------------------------------------------------------------------------------------

    def execute(self) -> RunRecord:
        """Do the whole run and clean up after it; a target that can't be tested ends in ``RunRecord.error``."""
        error = None
        try:
            self.start()
        except TargetError as exc:
            error = f"cannot test {self.settings.base_url}: {exc}"
        finally:
            problems = self.close()
        record = self.record(problems)
        record.error = shown(error, self.redactor) if error else None
        return record

    def start(self) -> None:
        """Place the server, observe the endpoint and judge every clause; raises TargetError when the target
        can't be tested."""
        self._observe()
        interrupt.check()  # an interrupt lost during the wave is still an interrupt
        assert self.placement is not None
        self.judge = Judge(*judging(self.settings.extra_drift), eras(), self.placement, self.redactor)
        if (down := server_unavailable(self.observations.values())) is not None:
            raise TargetError(down)
        ctx, answer = self.context, self.observations.get("under-privileged")
        self.notes += check_under_privileged(ctx.under, ctx.privileged, answer, self.settings.under)
        self.judgements = self.judge_all()

    def judge_all(self) -> list[Judgement]:
        """Judge every clause of the catalogue once: generated clauses on their requests, the others on the probes."""
        assert self.judge is not None
        return self.judge.judge_all(self.observations, self.generated)

    def record(self, cleanup_problems: list[str] | None = None) -> RunRecord:
        """The run as plain, redacted data."""
        replay = self.settings.fuzz.replay()
        records = []
        for judgement in self.judgements:
            record = JudgementRecord.of(judgement, self.redactor)
            if judgement.clause in GENERATED and judgement.verdict is Verdict.VIOLATION:
                record = replace(record, detail=f"{record.detail}\n{replay}")
            records.append(record)
        return RunRecord.judged(
            self.placement,
            records,
            base_url=display_url(self.settings.base_url),
            embedded=self.settings.embedded,
            started_at=self.started_at,
            notes=[shown(n, self.redactor) for n in self.notes],
            cleanup_problems=[shown(p, self.redactor) for p in cleanup_problems or []],
            extra_drift=list(self.settings.extra_drift),
        )

    def _set_up(self) -> None:
        self.placement = self._place()
        self._open_sessions()

    def _place(self) -> Placement:
        try:
            placement, notes = place_server(self.target.server_version(), self.settings.rc_version)
        except VersionError as exc:
            raise TargetError(str(exc)) from None
        self.notes += notes
        return placement

    def _open_sessions(self) -> None:
        ctx = self.context
        settings = self.settings
        if settings.privileged:
            ctx.privileged = self._open(settings.privileged)
            self._check_privileged(ctx.privileged)
        else:
            ctx.privileged_reason = (
                "needs a privileged account: set RC_ADMIN_USER_ID and RC_ADMIN_TOKEN, "
                "or RC_ADMIN_USERNAME and RC_ADMIN_PASSWORD"
            )
        if settings.under:
            ctx.under = self._open(settings.under)
        elif settings.provision_user and ctx.privileged:
            self._provisioned = self.target.new_user()
            try:
                self.target.create_user(ctx.privileged, self._provisioned)
            except TargetError:
                self._provisioned = None
                raise
            self.notes.append(f"--provision-user created user {self._provisioned.username} for this run")
            ctx.under = self.target.login("under-privileged", self._provisioned.username, self._provisioned.password)
            self._opened.append(ctx.under)
        elif settings.provision_user:
            ctx.under_reason = "--provision-user needs a privileged account to create the user with"
        else:
            ctx.under_reason = (
                "needs an account without run-import: set RC_USER_ID and RC_USER_TOKEN (or RC_USER_USERNAME and "
                "RC_USER_PASSWORD), or pass --provision-user"
            )
        if login := self._revocable_login():
            self._revoke(*login)
        else:
            ctx.revoked_reason = (
                "needs a session the suite opens itself and may log out: give a password "
                "(RC_ADMIN_USERNAME/RC_ADMIN_PASSWORD or RC_USER_USERNAME/RC_USER_PASSWORD) or pass --provision-user; "
                "a given token is never logged out"
            )

    def _open(self, credential: Credential) -> Session:
        session = self.target.open(credential)
        if session.opened_by_suite:
            self._opened.append(session)
        return session

    def _check_privileged(self, session: Session) -> None:
        """A privileged account refused by the endpoint is a configuration error when none of its roles holds
        run-import by the server's own permission list; when one does, the refusal is judged (a violation)."""
        exchange = self.client.send("GET", ENDPOINT, probe="privileged", headers=session.headers())
        if exchange.error:
            raise TargetError(f"GET {ENDPOINT} failed: {exchange.error}.")
        body = exchange.json()
        error_type = body.get("errorType") if isinstance(body, dict) else None
        if exchange.status == 403 or error_type == "error-action-not-allowed":
            roles = self.target.roles(session)
            holders = self.target.permission_holders(session, RUN_IMPORT)
            if problem := privileged_refusal_problem(session, exchange.status, roles, holders):
                raise TargetError(problem)
            if roles is not None and holders is not None:
                self.notes.append(refused_holder_note(exchange.status, roles, holders))
        self.observations["privileged"] = exchange

    def _revocable_login(self) -> tuple[str, str] | None:
        for credential in (self.settings.under, self.settings.privileged):
            if credential and credential.username and credential.password:
                return credential.username, credential.password
        if self._provisioned:
            return self._provisioned.username, self._provisioned.password
        return None

    # -- probes -----------------------------------------------------------------------------------

    def _observe(self) -> None:
        """Every probe and generated request in one concurrent wave.

        A thread of the wave places the server and opens the sessions, then sends the probes and the hostile
        credentials, while this thread draws the generated requests (or reads them from the cache and imports
        schemathesis's OpenAPI layer, which the schemathesis cases need): the set-up's round trips and the first
        answers pay for the drawing and the imports. The schemathesis cases follow once both are done."""
        drawn: Future[Drawn] = Future()
        with ThreadPoolExecutor(max_workers=MAX_PARALLEL + GENERATED_PARALLEL, thread_name_prefix="wave") as pool:
            first = pool.submit(self._set_up_and_send, pool, drawn)
            try:
                ready = draw_all(self.settings.fuzz, self.settings.extra_drift, self.settings.draw_cache)
                drawn.set_result(ready)
                if _may_send_cases(first):
                    ready.schemathesis()  # after a cache hit, the import, while the set-up and the first requests wait
                probes, hostile = first.result()
                cases = submit_cases(ready, pool, self.client, self.context) if hostile is not None else None
                for name, future in probes.items():
                    self.observations[name] = future.result()
                for clause_id, exchanges in ((SCHEMATHESIS, cases), (HOSTILE, hostile)):
                    if exchanges is not None:
                        self.generated[clause_id] = {f"{clause_id}-{i}": f.result() for i, f in enumerate(exchanges)}
            except BaseException:  # an interrupt: send nothing more, clean up as soon as the requests in flight end
                drawn.cancel()  # the set-up thread, if it waits for the drawing, stops there
                pool.shutdown(wait=False, cancel_futures=True)
                wait([first])  # but close() must find every session the set-up opened
                raise

    def _set_up_and_send(
        self, pool: ThreadPoolExecutor, drawn: Future[Drawn]
    ) -> tuple[dict[str, Future[Observation]], list[Future[Exchange]] | None]:
        """Place the server and open the sessions, then, once the generated requests are drawn, send the probes
        and the hostile credentials (None when the release predates the endpoint: nothing generated is sent)."""
        self._set_up()
        interrupt.check()  # an interrupt lost during the set-up sends no probe
        ready = drawn.result()
        tasks: dict[str, Callable[[], Observation]] = {}
        for probe in PROBES:
            if probe.name == "privileged" and "privileged" in self.observations:
                tasks[probe.name] = self._privileged_chain
            elif probe.name == "under-privileged":
                tasks[probe.name] = self._under_chain
            else:
                tasks[probe.name] = partial(self._send, probe.name)
        probes = {name: pool.submit(task) for name, task in tasks.items()}
        expected = bool(self.placement and self.placement.endpoint_expected)
        return probes, submit_hostile(ready, pool, self.client, self.context) if expected else None

    def _send(self, name: str) -> Observation:
        probe = BY_NAME[name]
        built = probe.build(self.context)
        if isinstance(built, str):
            return Unavailable(built)
        retries = UNDER_PRIVILEGED_RETRIES if name == "under-privileged" else None
        return self.client.send(probe.method, ENDPOINT, probe=name, headers=built, retries=retries)

    def _privileged_chain(self) -> Observation:
        first = self.observations["privileged"]
        assert isinstance(first, Exchange) and self.context.privileged
        body = first.json()
        fresh = first.status == 400 and store().is_valid("observed/operation-not-found.schema.json", body)
        if not (fresh and self.settings.seed_import):
            return first
        seeded = self.target.seed_operation(self.context.privileged)
        if seeded.status != 200:
            self.notes.append(
                f"--seed-import: POST /api/v1/downloadPendingAvatars answered {seeded.status}; no operation was created"
            )
            return first
        self.notes.append(
            "--seed-import: the server had no import operation, so the suite created one "
            "(POST /api/v1/downloadPendingAvatars, a pending-avatars operation)"
        )
        return self.client.send("GET", ENDPOINT, probe="privileged", headers=self.context.privileged.headers())

    def _revoke(self, username: str, password: str) -> None:
        """Open a session of the suite's own and log it out, for the probes that send a revoked token."""
        session = self.target.login("revocable", username, password)
        logout = self.target.logout(session)
        if logout.status == 200:
            self.context.revoked = session
        else:
            self.context.revoked_reason = (
                f"could not log out the suite's own session: {logout.summary(self.redactor, 120)}"
            )

    def _under_chain(self) -> Observation:
        first = self._send("under-privileged")
        wait = first.rate_limit_reset_in() if isinstance(first, Exchange) else None
        if wait is None or wait > self.settings.rate_limit_wait:
            return first
        self.notes.append(f"the under-privileged account was rate limited; waited {wait:.0f} s for the window")
        time.sleep(wait + 0.5)
        return self._send("under-privileged")

    # -- teardown ---------------------------------------------------------------------------------

    def close(self) -> list[str]:
        """Log out the suite's own sessions and delete the provisioned user; return what went wrong."""
        problems: list[str] = []
        if self.closed:
            return problems
        self.closed = True
        admin = self.context.privileged
        logged_out = 0
        for session in [s for s in reversed(self._opened) if s is not admin]:
            failed = self._quietly(f"log out the {session.role} session", partial(self.target.logout, session))
            problems += failed
            logged_out += not failed
        deleted = None
        if self._provisioned and admin:
            user = self._provisioned
            failed = self._quietly(
                f"delete provisioned user {user.username} (delete it by hand)",
                lambda: self.target.delete_user(admin, user),
            )
            problems += failed
            deleted = None if failed else user.username
        if admin in self._opened and admin is not None:
            failed = self._quietly("log out the privileged session", lambda: self.target.logout(admin))
            problems += failed
            logged_out += not failed
        if logged_out:
            self.undone.append(f"logged out the {logged_out} session{'s' * (logged_out > 1)} it had opened")
        if deleted:
            self.undone.append(f"deleted the user {deleted} it had provisioned")
        self.undo_problems = problems
        self._opened.clear()
        self._provisioned = None
        self.client.close()
        return problems

    def clean_up_summary(self) -> str:
        """What the run undid when it was stopped, and only that: ``logged out the 2 sessions it had opened``."""
        if not self.closed:
            return "had sent nothing yet"
        done = " and ".join(self.undone) or "had opened no session and created no user"
        return self.redactor.text("; ".join([done, *self.undo_problems]))

    def _quietly(self, what: str, action: Callable[[], Exchange]) -> list[str]:
        try:
            exchange = action()
        except TargetError as exc:
            return [f"could not {what}: {exc}"]
        if exchange.status != 200:
            return [f"could not {what}: {exchange.summary(self.redactor, 120)}"]
        return []


def _may_send_cases(set_up: Future[tuple[dict[str, Future[Observation]], list[Future[Exchange]] | None]]) -> bool:
    """False once the set-up has ended the run (an unreachable server) or found no endpoint to send cases to: then
    schemathesis's OpenAPI layer, a fifth of a second to import, is not needed."""
    if not set_up.done():
        return True
    return set_up.exception() is None and set_up.result()[1] is not None
