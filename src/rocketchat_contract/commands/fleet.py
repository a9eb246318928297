"""``rocketchat-contract fleet``: check many servers with one command, or merge fleet reports of split jobs."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rocketchat_contract.commands.cli import fail
from rocketchat_contract.fleet.plan import MAX_TARGETS, default_jobs
from rocketchat_contract.fleet.shard import SHARD_SYNTAX
from rocketchat_contract.results.exit_status import CANNOT_TEST

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from rocketchat_contract.fleet.fleetfile import FleetFile, TargetSpec
    from rocketchat_contract.fleet.shard import Shard

DESCRIPTION = (
    "Run the contract suite (the pytest suite in tests/, exactly as `pytest --base-url URL` runs it) against every "
    "target of a fleet file, several at a time but never two against the same origin, and write one matrix report. "
    "Credentials come from environment variables the fleet file names: env, then env_prefix; a target that names "
    "neither reads the caller's RC_ variables, which no second target may read. "
    "Exit status: 0 every target tested and none failed, 1 a target failed (a violation), 2 interrupted, "
    "4 a target could not be tested (--allow-untestable: not a failure) or bad input."
)


def add_parser(commands: Any) -> None:
    """Add the ``fleet`` subcommand to the ``rocketchat-contract`` parser's subcommands."""
    fleet = commands.add_parser(
        "fleet",
        help="check every server of a fleet file and write one matrix report",
        description=DESCRIPTION,
        usage_status=CANNOT_TEST,
    )
    fleet.add_argument("fleet_file", nargs="?", type=Path, metavar="FLEET.yaml", help="the fleet file")
    fleet.add_argument(
        "--report",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="write the fleet report; format by extension: .json, .md or .html (repeatable)",
    )
    fleet.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help=f"targets checked at a time (default {default_jobs()} on this machine: twice the cores, at most 4)",
    )
    fleet.add_argument(
        "--shard",
        metavar=SHARD_SYNTAX,
        help="run only shard K of N (K from 1): the targets whose name's SHA-256 falls in it, the same on every "
        "machine; --merge the N shards' JSON reports into the whole fleet's",
    )
    fleet.add_argument(
        "--max-targets",
        type=int,
        default=MAX_TARGETS,
        metavar="N",
        help=f"refuse a run of more than N targets (default {MAX_TARGETS}), before any traffic",
    )
    fleet.add_argument(
        "--allow-untestable", action="store_true", help="a target that cannot be tested does not fail the fleet"
    )
    fleet.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="REPORT.json",
        help="instead of running, merge JSON fleet reports (the N shards of --shard, or of split fleet files) into one "
        "and write it with --report",
    )
    fleet.add_argument("--logs", type=Path, metavar="DIR", help="keep each target's pytest output in DIR/NAME.log")
    fleet.add_argument(
        "--attest-key",
        type=Path,
        metavar="PRIVATE.pem",
        help="sign with this Ed25519 private key (PKCS#8 PEM): beside each JSON --report FLEET.json, its attestation "
        "FLEET.intoto.jsonl, and each tested target's own report FLEET.NAME.json with FLEET.NAME.intoto.jsonl",
    )
    fleet.set_defaults(handler=run)


def _fail(message: str) -> int:
    return fail("fleet", message, CANNOT_TEST)


def _check_reports(paths: list[Path]) -> str | None:
    """The first --report that cannot be written, in one line (None: all can); say which folders were created."""
    from rocketchat_contract.reports.render import ReportWriteError, check_report_path

    for path in paths:
        try:
            _, note = check_report_path(str(path), "--report")
        except ReportWriteError as exc:
            return str(exc)
        if note:
            print(f"rocketchat-contract fleet: {note}", file=sys.stderr)
    return None


def run(args: argparse.Namespace) -> int:
    """Run the ``fleet`` subcommand; return its exit status."""
    from rocketchat_contract.fleet.fleetfile import FleetFileError, check_fleet, read_fleet
    from rocketchat_contract.fleet.launch import shared_by_default
    from rocketchat_contract.fleet.logs import LogsFolderError, check_logs_folder
    from rocketchat_contract.fleet.shard import ShardError, parse_shard
    from rocketchat_contract.reports.attestation import AttestationError, load_private_key

    if args.merge and args.fleet_file:
        return _fail("give a fleet file or --merge REPORT.json …, not both")
    if not args.merge and not args.fleet_file:
        return _fail("give a fleet file (FLEET.yaml), or --merge REPORT.json … to merge fleet reports")
    if args.merge and args.logs:
        return _fail("--logs keeps the output of the runs; --merge runs nothing")
    if args.jobs is not None and args.jobs < 1:
        return _fail("--jobs must be at least 1")
    if args.max_targets < 1:
        return _fail("--max-targets must be at least 1")
    if args.merge and args.shard:
        return _fail("--shard runs one shard of a fleet file; --merge runs nothing (give it every shard's report)")
    try:
        shard = parse_shard(args.shard) if args.shard is not None else None
    except ShardError as exc:
        return _fail(str(exc))
    specs: list[TargetSpec] = []
    fleet: FleetFile | None = None
    if not args.merge:
        try:
            fleet = read_fleet(args.fleet_file)
            if (problem := _too_large(fleet, shard, args)) is not None:
                return _fail(problem)
            specs = check_fleet(fleet)
        except FleetFileError as exc:
            return _fail(str(exc))
        if (problem := shared_by_default(specs, os.environ)) is not None:
            return _fail(problem)
        if args.logs:
            try:
                check_logs_folder(args.logs)
            except LogsFolderError as exc:
                return _fail(str(exc))
    key = None
    if args.attest_key is not None:
        try:
            key = load_private_key(args.attest_key)
        except AttestationError as exc:
            return _fail(f"--attest-key {exc}")
        if not any(path.suffix.lower() == ".json" for path in args.report):
            return _fail("--attest-key signs the JSON fleet report, and none is asked for; add --report PATH.json")
    # Last, as it may create folders: only once everything else is known to be fine.
    if (problem := _check_reports(args.report)) is not None:
        return _fail(problem)
    if args.merge:
        return _merge(args.merge, args.report, allow_untestable=args.allow_untestable, key=key)
    assert fleet is not None
    return _run(args, fleet, specs, shard, key)


def _too_large(fleet: FleetFile, shard: Shard | None, args: argparse.Namespace) -> str | None:
    """Why the run is over --max-targets, from the names and URLs as written: before the schema check, which takes
    about a second for 10,000 targets (None: within the bound, or the file's shape is for the check to judge)."""
    from rocketchat_contract.fleet.fleetfile import origin_of
    from rocketchat_contract.fleet.plan import Plan

    written = fleet.targets()
    if written is None:
        return None
    origins = [origin_of(url) for name, url in written if shard is None or shard.holds(name)]
    plan = Plan(len(written), origins, args.jobs or default_jobs(), shard)
    problem = plan.too_large(args.max_targets)
    return None if problem is None else f"{args.fleet_file}: {problem}"


def _run(
    args: argparse.Namespace,
    fleet: FleetFile,
    every: list[TargetSpec],
    shard: Shard | None,
    key: Ed25519PrivateKey | None,
) -> int:
    """Run the fleet (or its shard) and write its reports; the fleet's exit status."""
    from rocketchat_contract.fleet.logs import LogsFolderError, keep_logs
    from rocketchat_contract.fleet.model import fleet_document, now, shard_record, target_record
    from rocketchat_contract.fleet.plan import Plan
    from rocketchat_contract.fleet.runner import FleetRunner
    from rocketchat_contract.fleet.terminal import Terminal

    specs = [spec for spec in every if shard is None or shard.holds(spec.name)]
    jobs = args.jobs or default_jobs()
    plan = Plan(len(every), [spec.origin for spec in specs], jobs, shard)
    terminal = Terminal(len(specs), estimate=plan.estimate())
    terminal.names([s.name for s in specs])
    terminal.message(plan.line(args.fleet_file.name))
    if not specs:
        assert shard is not None
        terminal.message(
            f"shard {shard} holds none of the {len(every)} targets (a target's shard is the SHA-256 of its name, "
            "mod N); its report lists no target"
        )
    started_at = now()
    with tempfile.TemporaryDirectory(prefix="rocketchat-contract-fleet-") as workdir:
        runner = FleetRunner(
            specs,
            Path(workdir),
            jobs=jobs,
            on_finish=terminal.finished,
            on_tick=terminal.tick,
            on_message=terminal.message,
        )
        runs = runner.run()
    if runner.interrupted is not None:
        terminal.message("interrupted: the running targets were stopped (each deletes the user it provisioned)")
    for run in runs:
        if run.status in (0, 1) and not run.variables:
            terminal.message(f"note: {run.spec.name}: no credential variable was set, so most clauses are not verified")
    document = fleet_document(
        [target_record(run) for run in runs],
        sources=[args.fleet_file.name],
        started_at=started_at,
        finished_at=now(),
        allow_untestable=args.allow_untestable,
        shard=None
        if shard is None
        else shard_record(
            shard.index,
            shard.count,
            fleet_targets=len(every),
            fleet_sha256=fleet.sha256,
            positions=shard.positions(spec.name for spec in every),
        ),
    )
    terminal.matrix(document)
    status = _write(args.report, document, key)
    if args.logs:
        try:
            keep_logs(args.logs, runs)
        except LogsFolderError as exc:
            return status or _fail(str(exc))
    return status


def _merge(paths: list[Path], reports: list[Path], *, allow_untestable: bool, key: Ed25519PrivateKey | None) -> int:
    from rocketchat_contract.fleet.merge import FleetReportError, load_fleet_report, merge_reports
    from rocketchat_contract.fleet.terminal import Terminal

    try:
        documents = [(path.name, load_fleet_report(path)) for path in paths]
        merged = merge_reports(documents, allow_untestable=allow_untestable)
    except FleetReportError as exc:
        return _fail(str(exc))
    Terminal(len(merged["targets"])).matrix(merged)
    return _write(reports, merged, key)


def _write(paths: list[Path], document: dict[str, Any], key: Ed25519PrivateKey | None = None) -> int:
    """Write the fleet reports (and, with a key, their attestations); the fleet's exit status, or 4 when it passed
    but a file could not be written."""
    from rocketchat_contract.fleet.attest import write_fleet_attestations
    from rocketchat_contract.fleet.render import write_fleet_reports
    from rocketchat_contract.reports.render import ReportWriteError

    status = int(document["exit_status"])
    try:
        write_fleet_reports(paths, document)
        if key is not None:
            write_fleet_attestations(paths, document, key)
    except ReportWriteError as exc:
        failed = _fail(str(exc))
        return status or failed
    except OSError as exc:
        failed = _fail(f"could not write an attestation ({exc.strerror or exc})")
        return status or failed
    return status
