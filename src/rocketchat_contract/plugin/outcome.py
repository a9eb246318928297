"""How a contract test ends: as the verdict of its clause (and probe) says, under the run's settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from rocketchat_contract.plugin.state import JUDGED, options

if TYPE_CHECKING:
    from rocketchat_contract.results.record import JudgementRecord, RunRecord


class ContractCheck:
    """What a contract test calls: end the test as the verdict of its clause (and probe) says."""

    def __init__(self, run: RunRecord, node: pytest.Item, config: pytest.Config) -> None:
        self.run = run
        self.node = node
        self.config = config

    def check(self) -> None:
        from rocketchat_contract.client.printable import printable

        marker = self.node.get_closest_marker("clause")
        assert marker is not None, f"{self.node.nodeid} names no clause (@pytest.mark.clause)"
        clause_id = marker.args[0]
        callspec = getattr(self.node, "callspec", None)
        probe = callspec.params.get("probe") if callspec else None
        judgement = self.run.find(clause_id, probe)
        assert judgement is not None, f"the run has no judgement of {clause_id} {probe or ''}"
        self.node.stash[JUDGED] = judgement
        self.node.user_properties += [("clause", clause_id), ("verdict", judgement.verdict.value)]
        if probe:
            self.node.user_properties.append(("probe", probe))
        if judgement.drift:
            self.node.user_properties.append(("drift", printable(judgement.drift)))
        settings = options(self.config)
        enforce(judgement, strict_docs=settings.strict_docs, require_verified=settings.require_verified)


def enforce(judgement: JudgementRecord, *, strict_docs: bool, require_verified: bool) -> None:
    """End the current test as the verdict says: pass, xfail (drift), skip (not verified) or fail."""
    from rocketchat_contract.client.printable import printable
    from rocketchat_contract.judge.verdicts import Verdict

    where = f"{judgement.clause} [{judgement.probe}]" if judgement.probe else judgement.clause
    text = printable(f"{where}: {judgement.detail}", lines=True)
    if judgement.verdict is Verdict.CONFORMS:
        return
    if judgement.verdict is Verdict.KNOWN_DRIFT:
        if strict_docs:
            pytest.fail(f"{text}\n(--strict-docs: known drift counts as failure)", pytrace=False)
        # pytrace=False: the reason is the whole story, and pytest then skips rendering a traceback per test.
        raise pytest.xfail.Exception(
            f"{where}: known drift {judgement.drift} (the verdict table has the detail)", pytrace=False
        )
    if judgement.verdict is Verdict.NOT_VERIFIED:
        if require_verified:
            pytest.fail(f"{text}\n(--require-verified: unverified clauses fail)", pytrace=False)
        raise pytest.skip.Exception(text, _use_item_location=True)
    pytest.fail(text, pytrace=False)
