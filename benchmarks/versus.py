"""Issue 28's side-by-side: a default contract run next to ``schemathesis run`` on the project's fragment, against
the same 8.8 reference server with the same admin account, in pairs that alternate which goes first.

Both draw with the repository's settings (seed 20260101, 5 examples: ``schemathesis.toml`` and the suite's
defaults), so each generates what it generates by default from the same fragment; the request counts are read
from the server's log. The suite keeps its drawn requests in a cache folder of its own here (warmed by the
unmeasured first run, as after a user's first run); a few runs with that folder emptied first show the first
run's price.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from measure import Proc, load, med, run
from startup import OPERATION, REPO, _clean_env

from rocketchat_contract.reference import Knobs, ReferenceServer
from rocketchat_contract.reference.model import Account

FRAGMENT = "contracts/getImportProgress.openapi.yaml"
SCHEMATHESIS_FACTOR = 1.2
"""Issue 28's target: a default contract run takes at most this many times ``schemathesis run``'s wall time."""
SUITE, SCHEMATHESIS = "suite", "schemathesis"


@dataclass(frozen=True)
class Sided:
    """One timed run of one side: the process and the requests the server logged for it."""

    proc: Proc
    requests: int


@dataclass
class Pair:
    """One run of each side, back to back, ``first`` first, and the 1-minute load average before it."""

    first: str
    load: float
    suite: Sided
    schemathesis: Sided

    @property
    def ratio(self) -> float:
        return self.suite.proc.wall / self.schemathesis.proc.wall


@dataclass
class Versus:
    pairs: list[Pair] = field(default_factory=list)
    cold: list[Sided] = field(default_factory=list)
    """Suite runs with the drawn-request cache emptied first (a user's first run)."""

    def wall(self, side: str) -> float:
        return med([getattr(p, side).proc.wall for p in self.pairs])

    def cpu(self, side: str) -> float:
        return med([getattr(p, side).proc.cpu for p in self.pairs])

    def requests(self, side: str) -> int:
        return int(med([getattr(p, side).requests for p in self.pairs]))

    @property
    def ratio(self) -> float:
        """The median of the pairs' ratios: each pair ran under about the same load."""
        return float(statistics.median(p.ratio for p in self.pairs))

    @property
    def loads(self) -> tuple[float, float, float]:
        values = [p.load for p in self.pairs]
        return min(values), med(values), max(values)

    def target(self) -> tuple[str, str, str, bool]:
        """(target, measured, limit, met): the suite's median wall time against schemathesis's, times the factor."""
        suite, other = self.wall(SUITE), self.wall(SCHEMATHESIS)
        limit = SCHEMATHESIS_FACTOR * other
        return (
            f"8.8 default run: wall <= {SCHEMATHESIS_FACTOR} x `schemathesis run` on the same server",
            f"{suite:.2f} s = {suite / other:.2f} x {other:.2f} s (median of the pairs' ratios {self.ratio:.2f})",
            f"{limit:.2f} s",
            suite <= limit,
        )


def suite_argv(url: str, cache: Path) -> list[str]:
    """A default run as a user types it (``pytest --base-url URL``), with pytest's cache folder, where the drawn
    requests are kept, moved out of the repository."""
    return [sys.executable, "-m", "pytest", str(REPO / "tests"), "--base-url", url, "-o", f"cache_dir={cache}"]


def schemathesis_argv(url: str) -> list[str]:
    """``schemathesis run`` on the fragment, from the repository (its schemathesis.toml), from the same venv."""
    return [str(Path(sys.executable).with_name("schemathesis")), "run", FRAGMENT, "--url", url]


def _logged(
    server: ReferenceServer, argv: list[str], credentials: Callable[[dict[str, Account]], dict[str, str]], caches: Path
) -> Sided:
    """Run ``argv`` against a freshly reset server with ``credentials`` of its accounts (a reset draws new ones),
    with the user's cache folder (XDG_CACHE_HOME) in ``caches``."""
    server.reset()
    env = _clean_env({**credentials(server.accounts), "XDG_CACHE_HOME": str(caches / "xdg")})
    proc = run(argv, cwd=REPO, env=env)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv[1:3])} ended with {proc.returncode}: {proc.last_line}")
    return Sided(proc, len(server.requests))


def _passwords(accounts: dict[str, Account]) -> dict[str, str]:
    """What an operator sets for a default run: the admin's and a plain user's name and password."""
    admin, user = accounts["admin"], accounts["user"]
    return {
        "RC_ADMIN_USERNAME": admin.username,
        "RC_ADMIN_PASSWORD": admin.password,
        "RC_USER_USERNAME": user.username,
        "RC_USER_PASSWORD": user.password,
    }


def _token(accounts: dict[str, Account]) -> dict[str, str]:
    """What the repository's schemathesis.toml sends: the same admin's user id and token."""
    return {"RC_ADMIN_USER_ID": accounts["admin"].user_id, "RC_ADMIN_TOKEN": accounts["admin"].token}


def measure_versus(runs: int, cold_runs: int = 3, log: Callable[[str], None] = lambda _: None) -> Versus:
    """``runs`` pairs alternating which side goes first, then ``cold_runs`` suite runs with an empty cache."""
    result = Versus()
    with ReferenceServer("8.8", Knobs(operation=OPERATION)) as server, tempfile.TemporaryDirectory(
        prefix="bench-versus-"
    ) as folder:
        caches = Path(folder)
        sides: dict[str, Callable[[], Sided]] = {
            SUITE: lambda: _logged(server, suite_argv(server.url, caches / "pytest"), _passwords, caches),
            SCHEMATHESIS: lambda: _logged(server, schemathesis_argv(server.url), _token, caches),
        }
        for side in sides.values():
            side()  # bytecode, Hypothesis's caches and the suite's drawn requests warm, as after a first run
        for index in range(runs):
            order = (SUITE, SCHEMATHESIS) if index % 2 == 0 else (SCHEMATHESIS, SUITE)
            before = load()
            done = {name: sides[name]() for name in order}
            result.pairs.append(Pair(order[0], before, done[SUITE], done[SCHEMATHESIS]))
            log(f"pair {index + 1}/{runs}: suite {done[SUITE].proc.wall:.2f} s, "
                f"schemathesis {done[SCHEMATHESIS].proc.wall:.2f} s, load {before:.1f}")
        for _ in range(cold_runs):
            for emptied in caches.iterdir():
                shutil.rmtree(emptied)
            result.cold.append(sides[SUITE]())
    return result
