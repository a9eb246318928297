"""Issue 12's start-up targets: what the plugin costs an unrelated pytest session, and two contract runs
(8.8 without delays, a Restivus-era profile with its real delays) next to their floors."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
from measure import Proc, med, run

from rocketchat_contract.reference import Knobs, Operation, ReferenceServer
from rocketchat_contract.reference.profiles import profile

REPO = Path(__file__).resolve().parents[1]
OPERATION = Operation.parse("csv:importer_done:10/10")
RESTIVUS_PROFILE = "5.4"
RESTIVUS_CHAIN = 1.0
"""One Restivus delay chain: every delayed 401/403 waits 0.5-1 s, and the suite sends them all at once."""
PLUGIN_LIMIT_MS, RESTIVUS_FACTOR, NEWEST_FACTOR = 30.0, 1.5, 1.3
CLIENT_PARALLEL = 16
"""Requests a minimal client keeps in flight, as the suite's probe pool does."""
UNRELATED_TEST = "def test_unrelated():\n    assert 1 + 1 == 2\n"


IMPORT_PROBE = (
    "import time, pytest; started = time.perf_counter(); import rocketchat_contract.plugin.hooks; "
    "print(f'{(time.perf_counter() - started) * 1000:.3f}')"
)
"""The plugin module's import with pytest already loaded, as in a session (pytest imports it with importlib,
which ``-X importtime`` does not report)."""


GENERATED_PROBE = (
    "import time, pytest, schemathesis, hypothesis, requests, rocketchat_contract.run.contract_run; "
    "from rocketchat_contract.contract.catalogue import judging; from rocketchat_contract.client.fuzz import Fuzz; "
    "from rocketchat_contract.client.fuzz.wave import draw_all; judging(); "
    "started = time.perf_counter(); import schemathesis.specs.openapi.schemas; loaded = time.perf_counter(); "
    "draw_all(Fuzz()); drawn = time.perf_counter(); "
    "print(f'{(loaded - started) * 1000:.3f} {(drawn - loaded) * 1000:.3f}')"
)
"""What the generated requests add to a run before the first of them is sent, with everything else a run
loads already loaded: importing schemathesis's OpenAPI layer, then drawing every request (Hypothesis with
schemathesis's strategies, and the hostile credentials). Outside pytest, so a lower bound: in a session
Hypothesis's scan of loaded modules for constants has more modules to look at."""


def printed_ms(output: str, count: int = 1) -> list[float]:
    """The ``count`` milliseconds a probe printed on its last line."""
    lines = [line for line in output.splitlines() if line.strip()]
    try:
        values = [float(v) for v in lines[-1].split()]
    except (IndexError, ValueError):
        values = []
    if len(values) != count:
        raise ValueError(f"expected {count} time(s) in {output!r}")
    return values


def plugin_import_ms(output: str) -> float:
    """The milliseconds IMPORT_PROBE printed."""
    return printed_ms(output)[0]


@dataclass(frozen=True)
class SuiteRun:
    """One contract run: the process, and from the server's log when its first request came and the wire span."""

    proc: Proc
    first_request: float
    wire: float
    requests: int


@dataclass
class Startup:
    import_ms: list[float] = field(default_factory=list)
    """What importing the plugin module costs once pytest is loaded (IMPORT_PROBE), in milliseconds."""
    unrelated: list[Proc] = field(default_factory=list)
    unrelated_bare: list[Proc] = field(default_factory=list)
    runs: dict[str, list[SuiteRun]] = field(default_factory=dict)
    generated_ms: list[tuple[float, float]] = field(default_factory=list)
    """GENERATED_PROBE's milliseconds: (importing schemathesis's OpenAPI layer, drawing every request)."""
    client: list[float] = field(default_factory=list)
    """Seconds a minimal client takes to send the 8.8 run's number of requests, CLIENT_PARALLEL at a time."""

    @property
    def plugin_cost_ms(self) -> float:
        """The plugin's import time: all it does in an unrelated session (its hooks return at once)."""
        return med(self.import_ms)

    @property
    def plugin_cpu_ms(self) -> float:
        """CPU time with the plugin minus without: a cross-check, though noise of tens of ms drowns it."""
        return 1000 * (med([p.cpu for p in self.unrelated]) - med([p.cpu for p in self.unrelated_bare]))

    @property
    def plugin_wall_ms(self) -> float:
        return 1000 * (med([p.wall for p in self.unrelated]) - med([p.wall for p in self.unrelated_bare]))

    @property
    def generated_s(self) -> float:
        """GENERATED_PROBE's import and drawing together, in seconds (median of each)."""
        return (med([g[0] for g in self.generated_ms]) + med([g[1] for g in self.generated_ms])) / 1000

    @property
    def bare_startup(self) -> float:
        return med([p.wall for p in self.unrelated_bare])

    def floor(self, key: str) -> float:
        """Bare pytest start-up plus what no client can avoid: one delay chain, or a minimal client's requests."""
        if key == "restivus":
            return self.bare_startup + RESTIVUS_CHAIN
        return self.bare_startup + med(self.client)

    def wall(self, key: str) -> float:
        return med([r.proc.wall for r in self.runs[key]])

    def targets(self) -> list[tuple[str, str, str, bool]]:
        """(target, measured, limit, met) for the three start-up targets."""
        rows = [
            (
                "an unrelated pytest session pays <= 30 ms for the plugin",
                f"{self.plugin_cost_ms:.1f} ms of imports (CPU {self.plugin_cpu_ms:+.0f} ms, wall "
                f"{self.plugin_wall_ms:+.0f} ms against `-p no:rocketchat_contract`, both within noise)",
                f"{PLUGIN_LIMIT_MS:.0f} ms",
                self.plugin_cost_ms <= PLUGIN_LIMIT_MS,
            )
        ]
        for key, factor, what in (
            ("restivus", RESTIVUS_FACTOR, f"Restivus era ({RESTIVUS_PROFILE}, real delays): run <= 1.5 x floor"),
            ("newest", NEWEST_FACTOR, "8.8 default run: run <= 1.3 x floor"),
        ):
            if key in self.runs:
                wall, floor = self.wall(key), self.floor(key)
                measured = f"{wall:.2f} s = {wall / floor:.2f} x floor {floor:.2f} s"
                if key == "newest" and self.generated_ms:
                    measured += (
                        f"; a first run's import and drawing of the generated requests (cached for later runs) take "
                        f"{self.generated_s:.2f} s of the "
                        f"{(factor - 1) * floor:.2f} s the limit leaves above the floor"
                    )
                rows.append((what, measured, f"{factor * floor:.2f} s", wall <= factor * floor))
        return rows


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a user's shell: no RC_*/PYTEST_* settings, and bytecode cached as Python does by
    default (PYTHONDONTWRITEBYTECODE would make pytest rewrite every plugin module in every run)."""
    unset = ("RC_", "PYTEST_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(unset)}
    return {**env, **(extra or {})}


def measure_unrelated(result: Startup, runs: int) -> None:
    """pytest on a file of another project, with the plugin as installed and with it disabled."""
    with tempfile.TemporaryDirectory(prefix="bench-unrelated-") as folder:
        cwd = Path(folder)
        (cwd / "test_unrelated.py").write_text(UNRELATED_TEST)
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_unrelated.py"]
        run(argv, cwd=cwd, env=_clean_env())  # caches the rewritten bytecode, as any earlier session would have
        for _ in range(runs):
            result.unrelated.append(run(argv, cwd=cwd, env=_clean_env()))
            result.unrelated_bare.append(run([*argv, "-p", "no:rocketchat_contract"], cwd=cwd, env=_clean_env()))
            timed = run([sys.executable, "-c", IMPORT_PROBE], cwd=cwd, env=_clean_env())
            result.import_ms.append(plugin_import_ms(timed.stdout))


def measure_generated(result: Startup, runs: int) -> None:
    """GENERATED_PROBE in a fresh interpreter, ``runs`` times."""
    for _ in range(runs):
        drawn = run([sys.executable, "-c", GENERATED_PROBE], cwd=REPO, env=_clean_env())
        load_ms, draw_ms = printed_ms(drawn.stdout, 2)
        result.generated_ms.append((load_ms, draw_ms))


def suite_run(server: ReferenceServer, tests: Path | None = None) -> SuiteRun:
    """Run the suite as a user does against ``server`` (reset first) and read its traffic from the server's log."""
    server.reset()
    admin, user = server.accounts["admin"], server.accounts["user"]
    env = _clean_env(
        {
            "RC_ADMIN_USERNAME": admin.username,
            "RC_ADMIN_PASSWORD": admin.password,
            "RC_USER_USERNAME": user.username,
            "RC_USER_PASSWORD": user.password,
        }
    )
    argv = [sys.executable, "-m", "pytest", str(tests or REPO / "tests"), "--base-url", server.url]
    proc = run([*argv, "-p", "no:cacheprovider", "-q"], cwd=REPO, env=env)
    starts = sorted(r.started_at for r in server.requests)
    if not starts:
        raise RuntimeError(f"the suite sent no request: {proc.last_line}")
    return SuiteRun(proc, starts[0] - proc.started, starts[-1] - starts[0], len(starts))


def measure_runs(result: Startup, runs: int) -> None:
    scenarios = {
        "newest": ("8.8", Knobs(operation=OPERATION)),
        "restivus": (RESTIVUS_PROFILE, Knobs(operation=OPERATION, delay_scale=1.0)),
    }
    assert profile(RESTIVUS_PROFILE).restivus
    for key, (name, knobs) in scenarios.items():
        with ReferenceServer(name, knobs) as server:
            suite_run(server)  # warms the bytecode and Hypothesis caches, as a user's earlier runs would have
            result.runs[key] = [suite_run(server) for _ in range(runs)]
            if key == "newest":
                result.client = [minimal_client(server, result.runs[key][0].requests) for _ in range(runs)]


def minimal_client(server: ReferenceServer, count: int) -> float:
    """Seconds to send ``count`` GETs to the endpoint as the admin, CLIENT_PARALLEL at a time: the least any
    client pays on the wire for the suite's traffic."""
    server.reset()
    admin = server.accounts["admin"]
    headers = {"X-User-Id": admin.user_id, "X-Auth-Token": admin.token}
    url = f"{server.url}/api/v1/getImportProgress"
    with requests.Session() as session:
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=CLIENT_PARALLEL)
        session.mount("http://", adapter)
        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENT_PARALLEL) as pool:
            list(pool.map(lambda _: session.get(url, headers=headers, timeout=10).status_code, range(count)))
        return time.perf_counter() - started
