"""Issue 25's memory target: the peak RSS of a contract run against a server whose 200 streams 500 MiB of JSON
(the reference server's fault hostile-oversized-body), for this checkout and, with --before, for a checkout of
code from before the cap (``git worktree add /tmp/before 383f4ce``).

``python benchmarks/hostile.py [--runs N] [--before CHECKOUT] [--write]`` prints a Markdown section for
RESULTS.md; with --write it replaces that section of benchmarks/RESULTS.md (run.py does not write it). The
reference server is always this checkout's; a run of another checkout imports that checkout's ``src`` first.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Proc, load, med, publish, run
from startup import OPERATION, REPO, _clean_env

from rocketchat_contract.reference import Knobs, ReferenceServer

HEADING = "## A server that sends 500 MiB"
LIMIT_MB = 200
GUARD_MB = 8 * 1024
"""A run past this is stopped: it has missed the target by far, and the machine is shared."""
KNOBS = Knobs(operation=OPERATION, faults=frozenset({"hostile-oversized-body"}))


@dataclass(frozen=True)
class Measured:
    """The runs of one checkout against the oversized answer."""

    checkout: str
    runs: list[Proc]

    @property
    def peak_mb(self) -> float:
        return max(p.max_rss_kb for p in self.runs) / 1024

    @property
    def stopped(self) -> bool:
        return any(p.max_rss_kb > GUARD_MB * 1024 or p.returncode < 0 for p in self.runs)

    def row(self, what: str) -> list[str]:
        rss = sorted(p.max_rss_kb / 1024 for p in self.runs)
        peak = f"{rss[len(rss) // 2]:.0f} MB" + (f" (max {rss[-1]:.0f})" if len(rss) > 1 else "")
        if self.stopped:
            peak = f"over {GUARD_MB / 1024:.0f} GB, then stopped ({peak} by then)"
        statuses = ", ".join(sorted({str(p.returncode) for p in self.runs}))
        return [what, peak, f"{med([p.wall for p in self.runs]):.1f} s", statuses, self.runs[-1].last_line]


def revision(checkout: Path) -> str:
    done = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def measure(server: ReferenceServer, checkout: Path, runs: int) -> Measured:
    """``runs`` contract runs of ``checkout``'s code and tests against ``server``, each its own process."""
    measured = []
    for _ in range(runs):
        server.reset(knobs=KNOBS)
        admin, user = server.accounts["admin"], server.accounts["user"]
        env = _clean_env(
            {
                "PYTHONPATH": str(checkout / "src"),
                "RC_ADMIN_USERNAME": admin.username,
                "RC_ADMIN_PASSWORD": admin.password,
                "RC_USER_USERNAME": user.username,
                "RC_USER_PASSWORD": user.password,
            }
        )
        argv = [sys.executable, "-m", "pytest", str(checkout / "tests"), "--base-url", server.url, "-p"]
        argv += ["no:cacheprovider", "-q"]
        measured.append(run(argv, cwd=checkout, env=env, timeout=900, rss_limit_kb=GUARD_MB * 1024))
    return Measured(revision(checkout), measured)


def section(
    after: Measured, before: Measured | None, command: str, loads: Sequence[float], own_mb: float = 0.0
) -> str:
    rows = [after.row(f"this checkout ({after.checkout}), {len(after.runs)} run(s): median")]
    if before is not None:
        rows.append(before.row(f"before the cap ({before.checkout}), {len(before.runs)} run(s)"))
    met = after.peak_mb < LIMIT_MB and not after.stopped
    lines = [
        HEADING,
        "",
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M UTC} (issue 25; load average "
        + ", ".join(f"{x:.1f}" for x in loads)
        + "); run.py does not write this section. A contract run against the reference server with "
        "`hostile-oversized-body`: the endpoint's 200 streams 500 MiB of valid JSON to the admin's probe and to "
        "every generated request with the admin's credentials. Peak RSS is the pytest process's own "
        "`ru_maxrss`, which also counts its parent's memory at the fork: the script's, which runs the server, "
        f"peaked at {own_mb:.0f} MB, less than any run.",
        "",
        "| Code | peak RSS | wall | exit status | last line |",
        "|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        f"Target: peak RSS under {LIMIT_MB} MB, **{'met' if met else 'missed'}** ({after.peak_mb:.0f} MB at most).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of this checkout (default 3)")
    parser.add_argument("--before", type=Path, help="a checkout of the code before the cap, run once")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    loads = [load()]
    with ReferenceServer("8.8", KNOBS) as server:
        after = measure(server, REPO, max(1, args.runs))
        loads.append(load())
        before = measure(server, args.before.resolve(), 1) if args.before else None
    loads.append(load())
    command = "python benchmarks/hostile.py " + " ".join(argv if argv is not None else sys.argv[1:])
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    publish(HEADING, section(after, before, command.strip(), loads, own_mb), write=args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
