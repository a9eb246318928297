"""Attesting a report: sign, with the vendor's key, what a report states, once it verifies.

The report is read once; its bytes are checked as ``verify`` checks them (well formed and consistent) and only
then signed, so a key never vouches for a report whose verdicts do not follow from its evidence.
"""

from __future__ import annotations

from pathlib import Path

from rocketchat_contract.audit.rejudge import RejudgeError, read_report
from rocketchat_contract.audit.verify import EXIT_UNREADABLE, EXIT_VERIFIED, check_fleet, check_report
from rocketchat_contract.fleet.attest import fleet_predicate
from rocketchat_contract.fleet.merge import FleetReportError, fleet_report
from rocketchat_contract.reports.attestation import (
    AttestationError,
    attestation_path,
    load_private_key,
    report_predicate,
    write_attestation,
)
from rocketchat_contract.reports.load import DocumentError, read_report_file


def attest(path: Path, key_path: Path, out: Path | None = None) -> tuple[int, list[str]]:
    """Sign ``path``'s verdicts with the private key at ``key_path`` into ``out`` (by default beside it): the exit
    status and the lines to print."""
    try:
        key = load_private_key(key_path)
    except AttestationError as exc:
        return EXIT_UNREADABLE, [str(exc)]
    target = out or attestation_path(path)
    if target.resolve() == path.resolve():
        return EXIT_UNREADABLE, [f"--out {target}: that is the report itself"]
    try:
        file = read_report_file(path)
        fleet = file.is_fleet
        document = fleet_report(file) if fleet else read_report(file)
    except (DocumentError, RejudgeError, FleetReportError) as exc:
        return EXIT_UNREADABLE, [str(exc)]
    content = file.content
    found = check_fleet(document, path) if fleet else check_report(document, str(path))
    if found.status == EXIT_UNREADABLE:
        return found.status, found.problems
    if found.status != EXIT_VERIFIED:
        return found.status, [f"{path} does not verify, so it was not signed:", *found.problems]
    predicate = fleet_predicate(document) if fleet else report_predicate(document)
    try:
        kid = write_attestation(path, predicate, key, target, content)
    except OSError as exc:
        return EXIT_UNREADABLE, [f"cannot write {target} ({exc.strerror or exc})"]
    return EXIT_VERIFIED, [f"attested: {target} (signed by key {kid}: {path.name}'s {predicate['result']} verdicts)"]
