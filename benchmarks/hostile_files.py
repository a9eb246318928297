"""Issue 25, rows 3 and 4: the time and peak memory to refuse a YAML bomb given as a fleet file, as pytest's
``--extra-drift`` and as ``rejudge --extra-drift``. ``python benchmarks/hostile_files.py [--baseline DIR]`` prints a
Markdown section for RESULTS.md; ``--baseline`` also measures the code of another checkout (``DIR/src``, e.g. an
export of the commit before the bounded reader) for the "before" column.

Each command runs in a child whose address space is capped (``--memory-gb``, default 4) and that is killed after
``--timeout`` seconds (default 60), so a missing bound costs the machine neither all its memory nor the hour.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Proc, load, med, run

REPO = Path(__file__).resolve().parents[1]
LAUNCHER = (
    "import os, resource, sys; limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); os.execv(sys.argv[2], sys.argv[2:])"
)


def bomb(top: str) -> str:
    """Nine levels of nine aliases under ``top``: 0.5 kB that expand to 387,420,489 values."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 9)]
    return "\n".join(lines) + f"\n{top}: *l8\n"


@dataclass(frozen=True)
class Case:
    name: str
    expected: int
    """The exit status of a refusal: 4 for the fleet and pytest, 2 for an offline command."""

    def argv(self, checkout: Path, file: Path) -> list[str]:
        """The command given ``file`` as its fleet or drift file."""
        command = [sys.executable, "-m", "rocketchat_contract.commands.main"]
        if self.name == "fleet file":
            return [*command, "fleet", str(file)]
        if self.name == "pytest --extra-drift":
            suite = str(checkout / "tests")
            return [sys.executable, "-m", "pytest", suite, "-p", "no:cacheprovider", "--extra-drift", str(file)]
        report = checkout / "selftests" / "data" / "reports" / "rc-8.8.json"
        return [*command, "rejudge", str(report), "--extra-drift", str(file)]


CASES = (Case("fleet file", 4), Case("pytest --extra-drift", 4), Case("rejudge --extra-drift", 2))


def measure(case: Case, checkout: Path, *, memory: int, timeout: float, missing: bool = False) -> tuple[Proc, str]:
    """Run the case on ``checkout``'s code given the bomb (or, with ``missing``, a file that does not exist: the
    command's start-up and a refusal that costs nothing); the run, and its last line with the folder left out."""
    with tempfile.TemporaryDirectory(prefix="bench-bomb-") as name:
        file = Path(name) / "bomb.yaml"
        if not missing:
            file.write_text(bomb("targets" if case.name == "fleet file" else "entries"), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
        argv = [sys.executable, "-c", LAUNCHER, str(memory), *case.argv(checkout, file)]
        proc = run(argv, cwd=checkout, env=env, timeout=timeout)
        return proc, proc.last_line.replace(name + "/", "")


def outcome(proc: Proc, case: Case, timeout: float, memory: int) -> str:
    """What the run came to, in a table cell: how it ended, its time and its peak memory."""
    used = f"{proc.wall:.1f} s, {proc.max_rss_kb / 1024:,.0f} MB"
    if proc.returncode < 0 or proc.wall >= timeout:
        return f"did not finish in {timeout:.0f} s (killed): {used}"
    if "MemoryError" in proc.stdout:
        return f"MemoryError at the {memory >> 30} GB cap: {used}"
    return f"{'refused' if proc.returncode == case.expected else 'ended'} (exit {proc.returncode}): {used}"


def in_process(runs: int = 21) -> float:
    """Milliseconds the reader alone takes to refuse the bomb as a fleet file (median), in this process."""
    from rocketchat_contract.contract.reader import FLEET_FILES, ReadError, read_yaml

    with tempfile.TemporaryDirectory(prefix="bench-bomb-") as name:
        file = Path(name) / "bomb.yaml"
        file.write_text(bomb("targets"), encoding="utf-8")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            try:
                read_yaml(file, FLEET_FILES)
            except ReadError:
                times.append((time.perf_counter() - started) * 1000)
        if len(times) != runs:
            raise SystemExit("the reader did not refuse the bomb")
        return med(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="a checkout (its src/, tests/, selftests/data) to measure too")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--memory-gb", type=int, default=4)
    args = parser.parse_args(argv)
    memory = args.memory_gb << 30
    checkouts = [("before", args.baseline)] if args.baseline else []
    checkouts.append(("after", REPO))
    start = load()
    rows, refusals = [], []
    for case in CASES:
        cells = []
        for _, path in checkouts:
            proc, last = measure(case, path, memory=memory, timeout=args.timeout)
            cells.append(outcome(proc, case, args.timeout, memory))
        floor, _ = measure(case, REPO, memory=memory, timeout=args.timeout, missing=True)
        cells.append(f"{floor.wall:.1f} s, {floor.max_rss_kb / 1024:,.0f} MB")
        rows.append(f"| {case.name} | {' | '.join(cells)} |")
        refusals.append(last)
    header = " | ".join(name for name, _ in checkouts)
    lines = [
        "## Refusing a YAML bomb",
        "",
        "Written by `python benchmarks/hostile_files.py"
        + (" --baseline DIR" if args.baseline else "")
        + f"` (issue 25, rows 3 and 4): nine levels of nine YAML aliases (0.5 kB, 387,420,489 values expanded), "
        f"run in a child with {args.memory_gb} GB of address space (RLIMIT_AS), killed after {args.timeout:.0f} s; "
        "wall time from spawn and peak RSS of the child. The last column is the same command given a file that "
        f"does not exist: its start-up, which the refusal adds nothing measurable to. Load average (1 min) at "
        f"start {start:.1f}.",
        "",
        f"| the bomb given as | {header} | start-up (no such file) |",
        "|---" * (2 + len(checkouts)) + "|",
        *rows,
        "",
        "The refusals:",
        "",
        "```text",
        *refusals,
        "```",
        "",
        f"The reader alone (`contract.reader.read_yaml`, in-process) refuses it in {in_process():.2f} ms "
        "(median of 21).",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
