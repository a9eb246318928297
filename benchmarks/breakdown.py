"""Where a default run's time above ``schemathesis run`` went (issue 28): the suite's configuration turns off what a
contract run does not use, and this script puts each of those costs back, one at a time, next to the run as it is
and to ``schemathesis run``, in rounds that alternate their order, against the same 8.8 reference server.

``python benchmarks/breakdown.py [--rounds N] [--write]`` prints a Markdown section for RESULTS.md; with --write it
replaces that section of benchmarks/RESULTS.md (run.py does not write it).
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import load, machine, med, publish
from startup import OPERATION, REPO
from versus import SCHEMATHESIS, SUITE, Sided, _logged, _passwords, _token, schemathesis_argv, suite_argv

from rocketchat_contract.reference import Knobs, ReferenceServer

HEADING = "## Where a default run's time went"
TURNED_OFF = {
    "pytest's assertion rewriting": ["--assert=plain"],
    "pytest's unraisable- and thread-exception plugins": ["-p", "no:unraisableexception", "-p", "no:threadexception"],
    "schemathesis's and Hypothesis's pytest plugins": ["-p", "no:schemathesis", "-p", "no:hypothesispytest"],
}
"""What pytest.toml's addopts turn off for a contract run (each group must be there: ``configured_addopts``)."""
EVERYTHING = "all three back (the configuration before issue 28)"


def configured_addopts() -> list[str]:
    """pytest.toml's addopts, which each row of the table repeats (``-o addopts=…``) without one group."""
    addopts = list(tomllib.loads((REPO / "pytest.toml").read_text(encoding="utf-8"))["pytest"]["addopts"])
    for options in TURNED_OFF.values():
        if not _holds(addopts, options):
            raise SystemExit(
                f"pytest.toml's addopts no longer hold {' '.join(options)}: update benchmarks/breakdown.py"
            )
    return addopts


def _holds(addopts: list[str], options: list[str]) -> bool:
    return any(addopts[i : i + len(options)] == options for i in range(len(addopts)))


def without(addopts: list[str], groups: list[list[str]]) -> list[str]:
    """``-o addopts=…``: the configured options less ``groups``, pytest's own way to put back what they turn off."""
    kept = list(addopts)
    for options in groups:
        for i in range(len(kept)):
            if kept[i : i + len(options)] == options:
                del kept[i : i + len(options)]
                break
    return ["-o", "addopts=" + shlex.join(kept)]


def sides(server: ReferenceServer, caches: Path) -> dict[str, Callable[[], Sided]]:
    """Each measured command: schemathesis, the suite as configured, and the suite with each cost put back."""
    suite = suite_argv(server.url, caches / "pytest")
    addopts = configured_addopts()
    made: dict[str, Callable[[], Sided]] = {
        SCHEMATHESIS: lambda: _logged(server, schemathesis_argv(server.url), _token, caches),
        SUITE: lambda: _logged(server, suite, _passwords, caches),
    }
    for name, groups in [*((f"{n} back", [g]) for n, g in TURNED_OFF.items()), (EVERYTHING, list(TURNED_OFF.values()))]:
        argv = [*suite, *without(addopts, groups)]
        made[name] = lambda argv=argv: _logged(server, argv, _passwords, caches)
    return made


def measure(rounds: int) -> tuple[dict[str, list[Sided]], list[float]]:
    """``rounds`` runs of every side, the order reversed every other round, after one unmeasured run of each."""
    runs: dict[str, list[Sided]] = {}
    loads = []
    with (
        ReferenceServer("8.8", Knobs(operation=OPERATION)) as server,
        tempfile.TemporaryDirectory(prefix="bench-breakdown-") as folder,
    ):
        measured = sides(server, Path(folder))
        for side in measured.values():
            side()  # bytecode, Hypothesis's caches and the drawn requests warm
        for index in range(rounds):
            loads.append(load())
            order = list(measured) if index % 2 == 0 else list(reversed(measured))
            for name in order:
                runs.setdefault(name, []).append(measured[name]())
            print(f"round {index + 1}/{rounds}, load {loads[-1]:.1f}", file=sys.stderr)
    return runs, loads


def section(runs: dict[str, list[Sided]], loads: list[float], took: float) -> str:
    reference = runs[SCHEMATHESIS]
    suite = med([s.proc.wall for s in runs[SUITE]])

    def ratio(name: str) -> float:
        """The median of the rounds' ratios to schemathesis's run of the same round."""
        return float(statistics.median(s.proc.wall / t.proc.wall for s, t in zip(runs[name], reference, strict=True)))

    about = machine()
    lines = [
        HEADING,
        "",
        f"Written by `python benchmarks/breakdown.py --rounds {len(reference)} --write` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({about['CPU']}, {about['Cores']}; the script took {took:.0f} s; "
        f"load average (1 min) before each round {min(loads):.1f} to {max(loads):.1f}). One 8.8 reference server with "
        "an import operation, reset before every run; each row a command run once per round, the rounds alternating "
        "their order; the ratio is the median of the rounds' ratios to `schemathesis run` (as in the side-by-side "
        "above). The suite's pytest.toml turns these costs off for a contract run (its tests fail with their "
        "verdicts' own text, and it uses schemathesis and Hypothesis as libraries); each row puts one back"
        " (`-o addopts=…`: the configured options less that group).",
        "",
        "| Command | wall (median) | x `schemathesis run` | above the suite as configured |",
        "|---|---|---|---|",
        f"| `schemathesis run` | {med([s.proc.wall for s in reference]):.2f} s | 1.00 | |",
        f"| the suite as configured | {suite:.2f} s | {ratio(SUITE):.2f} | |",
    ]
    for name in [*(f"{n} back" for n in TURNED_OFF), EVERYTHING]:
        wall = med([s.proc.wall for s in runs[name]])
        lines.append(f"| {name} | {wall:.2f} s | {ratio(name):.2f} | {wall - suite:+.2f} s |")
    lines += [
        "",
        "Assertion rewriting puts every module of every installed plugin package (schemathesis's hundreds, "
        "Hypothesis's, the suite's) through pytest's import hook; the two exception plugins collect all "
        "garbage twice as the session ends; schemathesis's pytest plugin imports all of schemathesis at "
        "start-up, where the run needs its OpenAPI layer only, imported while the set-up's requests are on "
        "the wire (and not at all when the server is unreachable). What stays above `schemathesis run`: "
        "pytest itself and its remaining plugins (pytest-html, pytest-xdist, pytest-metadata, "
        "pytest-base-url), the suite's 87 requests to schemathesis's 14 (with two logins), and its verdicts.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds of every command (default 7)")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    runs, loads = measure(args.rounds)
    took = (datetime.now(UTC) - started).total_seconds()
    publish(HEADING, section(runs, loads, took), write=args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
