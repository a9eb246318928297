"""Verifying a report: what can be proven of it, each thing said apart.

- **Well formed**: valid against its schema, schema_version 3, I-JSON, and its ``digest`` matches its content.
  The digest has no key: anyone who edits a report can compute it again, so it finds an accidental change, not
  a forger.
- **Consistent**: judged with the registry this installation has; every exchange sent under its ``base_url``;
  its clauses exactly those its run was asked to judge (``selection``); and every clause's verdict, drift entry,
  per-probe verdicts, evidence (by observation id), title and statement, the summary, the partly verified
  clauses, the outcome and the target what judging its recorded exchanges again gives (not the details and
  notes: words, not verdicts). For a fleet report: each tested target's report so, each target row what its report
  states, and the fleet's summary, matrix columns and exit status what its rows give. This proves the verdicts
  follow from the evidence, not that the evidence came from the server: anyone able to edit the file could have
  written it whole.
- **Signed or not**: given an attestation and a public key, that the key's holder signed a statement whose subject
  is exactly these bytes and whose predicate states these verdicts.

Exit 0 consistent (and, with ``require_signature``, signed), 1 with a line per thing that does not hold, 2 when
the report, attestation or key cannot be read, or the report was judged with a registry this installation does
not have.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rfc8785

from rocketchat_contract.audit.binding import elsewhere
from rocketchat_contract.audit.rejudge import RejudgeError, check_rejudgeable, read_report, rejudge
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.fleet.attest import fleet_predicate
from rocketchat_contract.fleet.diff import TESTED
from rocketchat_contract.fleet.launch import redacted_url
from rocketchat_contract.fleet.merge import FleetReportError, fleet_report
from rocketchat_contract.fleet.model import clause_columns, exit_status, rejudged_record
from rocketchat_contract.fleet.vocabulary import OUTCOMES
from rocketchat_contract.reports.attestation import (
    PREDICATE_TYPE,
    AttestationError,
    key_id,
    load_public_key,
    open_envelope,
    read_envelope,
    report_predicate,
)
from rocketchat_contract.reports.load import DocumentError, ReportFile, read_report_file
from rocketchat_contract.reports.markdown import registry_version
from rocketchat_contract.reports.model import build_report, digest
from rocketchat_contract.reports.outcome import outcome
from rocketchat_contract.results.exit_status import BAD_INPUT, FAILED, PASSED
from rocketchat_contract.results.registry import registry
from rocketchat_contract.results.selection import problems as selection_problems

EXIT_VERIFIED, EXIT_DIFFERS, EXIT_UNREADABLE = PASSED, FAILED, BAD_INPUT
STATEMENT_SCHEMA = "reports/attestation.schema.json"
UNSIGNED = "unsigned: anyone able to edit the file could have produced it"
COMPARED = ("verdict", "drift", "probes", "evidence", "title", "statement", "source")
"""What verify compares of each clause with the clause judged again. Not its ``detail``, nor a probe's: a detail
quotes each answer as it was sent, which the evidence keeps parsed, and a generated violation's names the seed."""
DOCUMENT_FIELDS = ("target", "server_version", "judged_as", "era", "summary", "partly_verified", "outcome")
"""What verify compares of the report itself with the report judged again (the clauses apart). Not its notes:
they are the run's words, which judging again keeps as they are."""


@dataclass
class Finding:
    """What verifying found: the exit status, and the lines that say it (what holds, or what does not)."""

    status: int = EXIT_VERIFIED
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    """What holds, said when everything does: well formed, consistent, partial, re-judged."""
    labels: list[str] = field(default_factory=list)
    """What the first line adds to "consistent": PARTIAL, re-judged."""

    def fail(self, status: int, *lines: str) -> Finding:
        """Record what does not hold (nothing, when no line is given) with its exit status."""
        if lines:
            self.status = max(self.status, status)
            self.problems += lines
        return self


def verify(
    path: Path, attestation: Path | None = None, key: Path | None = None, *, require_signature: bool = False
) -> tuple[int, list[str]]:
    """The exit status and the lines to print, for a compliance report or a fleet report (and its attestation)."""
    try:
        file = read_report_file(path)
    except DocumentError as exc:
        return EXIT_UNREADABLE, [str(exc)]
    fleet = file.is_fleet
    document, found = (_read_fleet if fleet else _read_single)(file)
    if document is None:
        return found.status, found.problems
    found = check_fleet(document, path) if fleet else check_report(document, str(path))
    if found.status == EXIT_UNREADABLE:
        return found.status, found.problems
    signed = None
    if attestation is not None and key is not None:
        predicate = fleet_predicate(document) if fleet else report_predicate(document)
        status, lines, signed = check_attestation(path, predicate, attestation, key)
        if status != EXIT_VERIFIED:
            found.fail(status, *lines)
        else:
            found.facts += lines
    elif require_signature:
        found.fail(EXIT_DIFFERS, f"{UNSIGNED}, and --require-signature asks for a signature (--attestation, --key)")
    if found.status != EXIT_VERIFIED:
        return found.status, found.problems
    head = ", ".join(["consistent", *found.labels, f"signed by key {signed}" if signed else "unsigned"])
    facts = [*found.facts, *([] if signed else [UNSIGNED])]
    return EXIT_VERIFIED, [f"{head}: {path}", *(f"  {fact}" for fact in facts)]


def _read_single(file: ReportFile) -> tuple[dict[str, Any] | None, Finding]:
    try:
        return read_report(file), Finding()
    except RejudgeError as exc:
        return None, Finding().fail(EXIT_UNREADABLE, str(exc))


def _read_fleet(file: ReportFile) -> tuple[dict[str, Any] | None, Finding]:
    try:
        return fleet_report(file), Finding()
    except FleetReportError as exc:
        return None, Finding().fail(EXIT_UNREADABLE, str(exc))


# -- one compliance report --------------------------------------------------------------------------------------


def check_report(report: dict[str, Any], where: str, rc_version: str | None = None) -> Finding:
    """Whether a readable, versioned report (named ``where``) is well formed and consistent, judged as
    ``rc_version`` if its run was."""
    found = Finding()
    try:
        computed = digest(report)
    except rfc8785.CanonicalizationError as exc:
        return found.fail(EXIT_UNREADABLE, f"{where} is not I-JSON, so it has no canonical form to digest ({exc})")
    if report["digest"] != computed:
        found.fail(EXIT_DIFFERS, "digest: does not match its content: the report was changed after it was written")
    named = report["registry"]
    here = registry([entry["path"] for entry in named["extra_drift"]])
    if here != named:
        return found.fail(
            EXIT_UNREADABLE,
            f"{where} was judged with another registry (suite {named['suite_version']}, data "
            f"{named['data_sha256'][:12]}, {len(named['extra_drift'])} drift file(s)) than this installation has "
            f"(suite {here['suite_version']}, data {here['data_sha256'][:12]}, drift files by hash as named): "
            "verify it where that registry is installed, or judge it again with `rocketchat-contract rejudge`",
        )
    found.fail(EXIT_DIFFERS, *(f"selection: {line}" for line in selection_problems(report["selection"])))
    found.fail(EXIT_DIFFERS, *elsewhere(report))
    try:
        again = rejudge(report, tuple(entry["path"] for entry in named["extra_drift"]), rc_version)
    except RejudgeError as exc:
        return found.fail(EXIT_UNREADABLE, str(exc))
    expected = build_report(again.run, again.ledger, strict_docs=report["strict_docs"])
    found.fail(EXIT_DIFFERS, *differences(report, expected))
    if found.status == EXIT_VERIFIED:
        _facts(report, found)
    return found


def _facts(report: dict[str, Any], found: Finding) -> None:
    """What a consistent report was found to be, in words."""
    exchanges = len(report["observations"]["probes"]) + sum(map(len, report["observations"]["generated"].values()))
    asked = len(report["selection"]["clauses"])
    result = outcome(report)
    found.facts += [
        f"well formed: a compliance report (schema_version {report['schema_version']}, I-JSON) whose digest matches "
        "its content (a digest without a key: it finds an accidental change, not a forger)",
        f"consistent: the verdicts, drift entries, per-probe verdicts and evidence of its {len(report['clauses'])} "
        f"clauses, its summary, outcome ({result.key}) and target follow from its {exchanges} recorded observations, "
        f"every exchange sent under {report['base_url']}, judged again under {registry_version(report)}; its clauses "
        "are those its run was asked to judge"
        + (" (the whole catalogue)" if not result.not_judged else f" ({asked} clauses, not the whole catalogue)"),
    ]
    if result.not_judged:
        found.labels.append("PARTIAL")
        found.facts.append(f"PARTIAL: not judged (the run was not asked to): {', '.join(result.not_judged)}")
    if report["rejudged"]:
        found.labels.append("re-judged")
        found.facts.append(_rejudged(report["rejudged"]))


def _rejudged(rejudged: dict[str, str]) -> str:
    return (
        f"re-judged offline on {rejudged['at']} from the report with digest {rejudged['from_digest'][:16]}…: "
        "not a live run"
    )


def _canonical(values: list[Any]) -> list[str]:
    return sorted(json.dumps(v, sort_keys=True, ensure_ascii=False) for v in values)


def _stated(clause: dict[str, Any]) -> dict[str, Any]:
    """What verify compares of a clause; its lists as sets, since their order says nothing."""
    return {
        **{key: clause[key] for key in COMPARED},
        "probes": sorted((p["probe"], p["verdict"]) for p in clause["probes"]),
        "evidence": _canonical(clause["evidence"]),
    }


def _shown(value: Any) -> str:
    if isinstance(value, dict) and set(value) >= {"conforms", "violation"}:
        return ", ".join(f"{n} {v}" for v, n in value.items())
    if isinstance(value, dict) and "result" in value:
        return str(value["result"])
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:199] + "…"


def differences(report: dict[str, Any], again: dict[str, Any]) -> list[str]:
    """One line per clause, and per field of the report, that differs from what its evidence gives."""
    stated = {clause["id"]: clause for clause in report["clauses"]}
    derived = {clause["id"]: clause for clause in again["clauses"]}
    lines = [
        f"{cid}: its run was asked to judge it (selection), but the report leaves it out; its evidence gives "
        f"{derived[cid]['verdict']}"
        for cid in derived
        if cid not in stated
    ]
    for cid, clause in stated.items():
        other = derived.get(cid)
        if other is None:
            lines.append(f"{cid}: the report states {clause['verdict']}, but its run was not asked to judge it")
            continue
        mine, found = _stated(clause), _stated(other)
        what = [key for key in mine if mine[key] != found[key]]
        if what:
            verdicts = f"states {clause['verdict']}, its evidence gives {other['verdict']}"
            lines.append(f"{cid}: {verdicts} (differs in: {', '.join(what)})")
    if [cid for cid in stated if cid in derived] != [cid for cid in derived if cid in stated]:
        lines.append("clauses: not in catalogue order")
    lines += [
        f"{key}: states {_shown(report[key])}, its evidence gives {_shown(again[key])}"
        for key in DOCUMENT_FIELDS
        if report[key] != again[key]
    ]
    return lines


# -- a fleet report ---------------------------------------------------------------------------------------------


def check_fleet(document: dict[str, Any], path: Path) -> Finding:
    """Every tested target's report checked as one report is, each row against its report, and the fleet's summary,
    matrix columns and exit status against its rows; each line names its target."""
    found = Finding()
    tested = 0
    for target in document["targets"]:
        name = target["name"]
        report = target["report"]
        if target["outcome"] not in TESTED:
            # An untestable target judged nothing; an interrupted one may have judged some clauses before it stopped.
            if target["outcome"] == "untestable" and report and report.get("clauses"):
                found.fail(EXIT_DIFFERS, f"{name}: outcome: states untestable, but its report judged clauses")
            continue
        if not report:
            found.fail(EXIT_DIFFERS, f"{name}: outcome: states {target['outcome']}, but it has no report")
            continue
        try:
            check_rejudgeable(report, f"{path} target {name}")
        except RejudgeError as exc:
            found.fail(EXIT_UNREADABLE, str(exc))
            continue
        own = check_report(report, f"{path} target {name}", target["settings"].get("rc_version"))
        found.fail(own.status, *(f"{name}: {line}" for line in own.problems))
        found.fail(EXIT_DIFFERS, *(f"{name}: {line}" for line in row_differences(target, report)))
        if own.status == EXIT_VERIFIED:
            tested += 1
            found.labels += [f"{name} {label}" for label in own.labels]
            found.facts += [f"{name}: {fact}" for fact in own.facts if fact.startswith(("PARTIAL", "re-judged"))]
    found.fail(EXIT_DIFFERS, *fleet_differences(document))
    if found.status == EXIT_VERIFIED:
        rest = len(document["targets"]) - tested
        found.facts[:0] = [
            "well formed: a fleet report whose tested targets' reports are each well formed (schema_version 3, I-JSON, "
            "their digests match their content; digests without a key)",
            f"consistent: the reports of its {tested} tested targets follow from their evidence, each under its "
            "registry and sent under its base_url, with the clauses its run was asked to judge; every target row "
            "states its report, and the fleet's summary, matrix columns and exit status follow from its rows"
            + (f"; {rest} target{'s' if rest != 1 else ''} not tested" if rest else ""),
        ]
    return found


def row_differences(target: dict[str, Any], report: dict[str, Any]) -> list[str]:
    """What a tested target's row states that its report does not give: its outcome, exit status, version, era,
    summary, verdicts (the matrix) or base URL."""
    expected = rejudged_record(target, report)
    lines = [
        f"{key}: the row states {_shown(target[key])}, its report gives {_shown(expected[key])}"
        for key in ("outcome", "exit_status", "reason", "server_version", "judged_as", "era", "summary")
        if target[key] != expected[key]
    ]
    stated, derived = target["verdicts"], expected["verdicts"]
    lines += [
        f"{clause}: the matrix states {stated.get(clause, 'nothing')}, "
        f"its embedded report states {derived.get(clause, 'nothing')}"
        for clause in sorted(set(stated) | set(derived))
        if stated.get(clause) != derived.get(clause)
    ]
    if redacted_url(target["base_url"]) != redacted_url(report["base_url"]):
        lines.append(f"base_url: the row states {target['base_url']}, its report {report['base_url']}")
    return lines


def fleet_differences(document: dict[str, Any]) -> list[str]:
    """The fleet's own summary, matrix columns and exit status, against what its target rows give."""
    targets = document["targets"]
    summary = {"targets": len(targets), **{name: sum(t["outcome"] == name for t in targets) for name in OUTCOMES}}
    expected = {
        "summary": summary,
        "exit_status": exit_status(targets, allow_untestable=document["allow_untestable"]),
        "clauses": clause_columns(targets),
    }
    return [
        f"fleet {key}: states {_shown(document[key])}, its targets give {_shown(value)}"
        for key, value in expected.items()
        if document[key] != value
    ]


# -- a signature ------------------------------------------------------------------------------------------------


def check_attestation(
    path: Path, predicate: dict[str, Any], attestation: Path, key: Path
) -> tuple[int, list[str], str | None]:
    """Whether ``key`` signed a statement about exactly the bytes of ``path`` whose predicate is ``predicate`` (what
    the report states): the status, the lines, and the key's id once its signature verifies."""
    try:
        public = load_public_key(key)
        envelope = read_envelope(attestation)
    except AttestationError as exc:
        return EXIT_UNREADABLE, [str(exc)], None
    kid = key_id(public)
    try:
        statement = open_envelope(envelope, public)
    except AttestationError as exc:
        return EXIT_DIFFERS, [f"signature: {exc}"], None
    problem = store().problem(STATEMENT_SCHEMA, statement)
    if problem:
        return EXIT_DIFFERS, [f"attestation: the signed statement is not an in-toto test-result one ({problem})"], kid
    with path.open("rb") as stream:
        mine = hashlib.file_digest(stream, "sha256").hexdigest()
    subjects = statement["subject"]
    lines = []
    if not any(subject["digest"]["sha256"] == mine for subject in subjects):
        theirs = subjects[0]
        lines.append(
            f"subject: the attestation is about {theirs['name']} (sha256 {theirs['digest']['sha256'][:16]}…), not "
            f"these bytes (sha256 {mine[:16]}…): the file changed after it was signed, or it is another report's"
        )
    signed = statement["predicate"]
    lines += [
        f"predicate: its {name} states {_shown(signed.get(name))}, the report gives {_shown(value)}"
        for name, value in predicate.items()
        if signed.get(name) != value
    ]
    lines += [f"predicate: has {name}, which the report does not give" for name in set(signed) - set(predicate)]
    if lines:
        return EXIT_DIFFERS, lines, kid
    return (
        EXIT_VERIFIED,
        [
            f"signed by key {kid}: a {PREDICATE_TYPE} statement about exactly these bytes (sha256 {mine[:16]}…), "
            "stating the report's verdicts"
        ],
        kid,
    )
