"""What a run says about a server newer than the newest release the drift registry knows.

Such a server is judged as that release (contracts/eras.yaml ``newest_known``), so whatever its own
release changed shows up as violations. Each of them says so, and points at the loop that turns a
confirmed change into drift: ``rocketchat-contract propose-drift REPORT.json``, review, ``--extra-drift``.
"""

from __future__ import annotations

from rocketchat_contract.contract.versions import Placement
from rocketchat_contract.judge.verdicts import Judgement, Verdict

MARKER = "newer than the newest known release"
"""The phrase every such violation carries (reports, terminal, and tools that look for it)."""


def hint(placement: Placement) -> str | None:
    """The sentence a violation gets on a server newer than the newest known release, else None."""
    if placement.reported <= placement.judged_as:
        return None
    return (
        f"Rocket.Chat {placement.reported} is {MARKER} ({placement.judged_as}): this answer may be "
        f"{placement.reported}'s new behaviour rather than a bug. Once a release note or commit confirms it, "
        "`rocketchat-contract propose-drift REPORT.json` drafts the drift entry to load with --extra-drift."
    )


def annotate(judgement: Judgement, placement: Placement) -> Judgement:
    """Add the hint to a violation on such a server (once), and return the judgement."""
    text = hint(placement)
    if text and judgement.verdict is Verdict.VIOLATION and MARKER not in judgement.detail:
        judgement.detail = f"{judgement.detail}\n{text}"
    return judgement
