"""Generated tests: schemathesis cases drawn from the OpenAPI fragment, and Hypothesis-drawn hostile credentials.

Each answer is judged like the hand-written probes, by the run's Judge and drift registry for the detected
version (contracts/clauses.yaml: generated.schemathesis, generated.hostile-credentials). The number of
examples is bounded (--fuzz-examples, default 5) and the seed fixed (--fuzz-seed); a failure prints both.
Everything that Restivus-era servers delay is sent ahead in one concurrent wave (see generated.py).
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from rocketchat_contract import generated as gen
from rocketchat_contract.verdicts import Verdict

pytestmark = pytest.mark.generated


@pytest.fixture(scope="module")
def fuzz() -> gen.Fuzz:
    return gen.FUZZ


@pytest.fixture(scope="module")
def wave(rc_run: Any) -> gen.Wave:
    """The generated requests, sent with the run's probes (or now, if this module runs on its own)."""
    if not rc_run.placement.endpoint_expected:
        pytest.skip(f"the endpoint was added in 3.0.0; this server reports {rc_run.placement.reported}")
    prepared = rc_run.extras.get("generated-wave")
    return prepared if isinstance(prepared, gen.Wave) else gen.prepare_wave(rc_run)


def test_hostile_credentials_are_refused(wave: gen.Wave, contract_check: Any, fuzz: gen.Fuzz) -> None:
    """Batches of hostile X-User-Id / X-Auth-Token pairs: 401 with the version's body, no 5xx, no data, no limits."""
    with contextlib.suppress(AssertionError):  # judged below, on every exchange, for the ledger
        wave.hostile()
    observations = {f"hostile-{i}": e for i, e in enumerate(wave.hostile_exchanges)}
    judge_replayably(contract_check, "generated.hostile-credentials", observations, fuzz)


def judge_replayably(contract_check: Any, clause: str, observations: dict[str, Any], fuzz: gen.Fuzz) -> None:
    """Judge a generated clause like any other; a failure also says how to replay the run."""
    try:
        contract_check.check(clause, observations=observations)
    except pytest.fail.Exception as exc:
        pytest.fail(f"{exc.msg}\n{fuzz.replay()}", pytrace=False)


# Loaded at collection (after the plugin read --fuzz-examples/--fuzz-seed), from the fragment's path so
# that its relative $refs (../schemas/...) resolve; base URL, credentials, TLS and timeout come per call.
schema = gen.load_schema(max_examples=gen.FUZZ.examples, seed=gen.FUZZ.seed)


@schema.parametrize()
def test_schemathesis_cases(case: Any, wave: gen.Wave, rc_run: Any, fuzz: gen.Fuzz) -> None:
    """schemathesis's checks on cases from the fragment, the credentials it carries replaced by the privileged ones."""
    import schemathesis.checks  # noqa: F401  (loads the built-in checks)
    from schemathesis.specs.openapi.checks import ignored_auth

    ctx = rc_run.context
    privileged = ctx.privileged.headers() if ctx.privileged else {}
    headers = gen.credential_subset(case.headers, privileged)
    # ignored_auth re-sends the request without and with broken credentials; once per run is enough,
    # as in schemathesis's own runner.
    excluded = [ignored_auth] if wave.auth_confirmed else []
    start = len(wave.relay)
    # Every request schemathesis sends, its own probes included, goes through the relay (a WSGI app).
    case.operation.schema.app = wave.relay
    try:
        response = case.call_and_validate(
            base_url=rc_run.settings.base_url, headers=headers, excluded_checks=excluded, app=wave.relay
        )
    except BaseException as exc:  # schemathesis's FailureGroup: report it redacted
        raise AssertionError(rc_run.redactor.text(f"{exc}\n{fuzz.replay()}")) from None
    if 200 <= response.status_code < 300 and len(headers) == len(privileged):
        wave.auth_confirmed = True
    assert rc_run.judge is not None
    mine = {f"schemathesis-{i}": e for i, e in enumerate(wave.relay.since(start))}
    judged = rc_run.judge.judge("generated.schemathesis", mine)
    if judged.verdict is Verdict.VIOLATION:
        raise AssertionError(rc_run.redactor.text(f"{judged.detail}\n{fuzz.replay()}"))


def test_schemathesis_answers_conform(wave: gen.Wave, contract_check: Any, fuzz: gen.Fuzz) -> None:
    """Every answer schemathesis got (its auth probes too), judged for the ledger."""
    observations = {f"schemathesis-{i}": e for i, e in enumerate(wave.relay.exchanges)}
    judge_replayably(contract_check, "generated.schemathesis", observations, fuzz)
