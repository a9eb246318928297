"""benchmarks/RESULTS.md from one benchmark run: the machine, the measurements, the targets met or missed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from fleet_scale import JOBS, Scale
from measure import med
from startup import CLIENT_PARALLEL, RESTIVUS_PROFILE, Startup
from versus import SCHEMATHESIS, SUITE, Versus

OWN_SECTIONS = ("Machine", "Targets", "Start-up and contract runs", "Fleet", "Side by side with schemathesis", "Method")
"""The sections run.py writes; every other section of the file being replaced (report_size.py's, hostile.py's,
hostile_files.py's) is carried over as it was."""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [f"| {' | '.join(header)} |", "|" + "---|" * len(header), *(f"| {' | '.join(r)} |" for r in rows)]


def _span(values: Sequence[float], unit: str = "s", digits: int = 2) -> str:
    return f"{med(values):.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def _startup(result: Startup) -> list[str]:
    rows = [
        ["unrelated session, plugin as installed", _span([p.wall for p in result.unrelated]),
         _span([p.cpu for p in result.unrelated]), "-", "-",
         f"{med([p.max_rss_kb for p in result.unrelated]) / 1024:.0f} MB"],
        ["unrelated session, `-p no:rocketchat_contract` (bare start-up)",
         _span([p.wall for p in result.unrelated_bare]), _span([p.cpu for p in result.unrelated_bare]), "-", "-",
         f"{med([p.max_rss_kb for p in result.unrelated_bare]) / 1024:.0f} MB"],
    ]
    titles = {"newest": "contract run, 8.8, no delays", "restivus": f"contract run, {RESTIVUS_PROFILE}, real delays"}
    for key, runs in result.runs.items():
        rows.append(
            [titles[key], _span([r.proc.wall for r in runs]), _span([r.proc.cpu for r in runs]),
             _span([r.first_request for r in runs]),
             f"{med([r.wire for r in runs]):.2f} s, {runs[0].requests} requests",
             f"{med([r.proc.max_rss_kb for r in runs]) / 1024:.0f} MB"]
        )
    header = ["Measurement", "wall (median, min-max)", "CPU", "time to first request", "on the wire", "peak RSS"]
    lines = _table(header, rows)
    outcome = {re.sub(r" in [\d.]+s$", "", r.proc.last_line) for runs in result.runs.values() for r in runs}
    imported = _span(result.import_ms, "ms", 1)
    client = _span(result.client) if result.client else "not measured"
    lines += ["", f"`import rocketchat_contract.plugin.hooks` with pytest loaded: {imported}.",
              f"Minimal client, the 8.8 run's requests {CLIENT_PARALLEL} at a time: {client}."]
    if result.generated_ms:
        lines += ["What the generated requests add before the first of them is sent (`GENERATED_PROBE`, outside "
                  "pytest, so a lower bound): importing schemathesis's OpenAPI layer "
                  f"{_span([g[0] for g in result.generated_ms], 'ms', 0)}, drawing every request "
                  f"{_span([g[1] for g in result.generated_ms], 'ms', 0)}."]
    lines += [
              f"Contract runs ended: {'; '.join(sorted(outcome))}."]
    return lines


def _versus(result: Versus) -> list[str]:
    sides = (SUITE, SCHEMATHESIS)
    runs = {side: [getattr(pair, side) for pair in result.pairs] for side in sides}
    rows = [
        ["wall (median, min-max)", *(_span([r.proc.wall for r in runs[side]]) for side in sides)],
        ["CPU (user + system)", *(_span([r.proc.cpu for r in runs[side]]) for side in sides)],
        ["requests in the server's log", *(str(result.requests(side)) for side in sides)],
        ["last line", *(f"{runs[side][0].proc.last_line}" for side in sides)],
    ]
    low, middle, high = result.loads
    lines = [
        *_table(["Measurement", "`pytest --base-url URL` (drawn requests cached)", "`schemathesis run`"], rows),
        "",
        f"{len(result.pairs)} pairs, alternating which side goes first; the median of the pairs' wall-time ratios is "
        f"{result.ratio:.2f} (CPU: {result.cpu(SUITE) / result.cpu(SCHEMATHESIS):.2f}). Load average (1 min) before "
        f"each pair: {low:.1f} to {high:.1f}, median {middle:.1f}.",
    ]
    if result.cold:
        wall, cpu = _span([r.proc.wall for r in result.cold]), _span([r.proc.cpu for r in result.cold])
        lines += [f"The suite's first run, with the drawn-request cache empty: {wall} wall, {cpu} CPU "
                  f"({len(result.cold)} runs after the pairs)."]
    return lines


def kept_sections(path: Path) -> list[str]:
    """The sections of the RESULTS.md at ``path`` that other scripts wrote (none when there is no such file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    sections = re.split(r"(?m)^(?=## )", text)[1:]
    return [part.rstrip("\n") for part in sections if part.split("\n", 1)[0][3:].strip() not in OWN_SECTIONS]


def _fleet(scale: Scale) -> list[str]:
    name, slowest = scale.slowest
    memory = scale.memory()
    rows = [
        ["targets", str(len(scale.members))],
        ["sum of single runs (`--jobs 1`)", f"{scale.total:.1f} s"],
        ["slowest single run", f"{slowest:.1f} s ({name})"],
        [f"fleet wall, `--jobs {JOBS}`", f"{scale.parallel.wall:.1f} s"],
        ["fleet / sum", f"{scale.parallel.wall / scale.total:.2f}"],
        ["fleet / slowest", f"{scale.parallel.wall / slowest:.1f}"],
        ["fleet wall, `--jobs 1`", f"{scale.single.wall:.1f} s"],
        ["exit status (`--jobs 1` / `--jobs 4`)", f"{scale.single.status} / {scale.parallel.status}"],
        ["same verdicts in both runs", "yes" if scale.same_verdicts else "**no**"],
        ["peak RSS of one target's pytest (median, max)", f"{med(memory):.0f} MB, {max(memory):.0f} MB"],
        [f"memory bound at `--jobs {JOBS}`", f"about {JOBS} x {max(memory):.0f} MB = {JOBS * max(memory):.0f} MB"],
        ["benchmark process (fleet + every reference server)", f"{scale.fleet_rss_mb:.0f} MB"],
    ]
    kinds = {tag: sum(m.name.endswith(tag) for m in scale.members) for tag in ("plain", "delayed", "broken")}
    lines = [
        f"{kinds['plain']} targets without delays, {kinds['delayed']} Restivus-era targets with real delays "
        f"(`Knobs(delay_scale=1.0)`), {kinds['broken']} broken by a fault of `faults.yaml`; every profile of "
        "`rocketchat_contract.reference.PROFILES` takes part.",
        "",
        *_table(["Measurement", "Value"], rows),
        "",
        *_table(["Target", "single run, s", f"in the fleet (`--jobs {JOBS}`), s", "outcome"],
                [[t["name"], f"{scale.single.durations[t['name']]:.1f}", f"{t['duration_s']:.1f}", t["outcome"]]
                 for t in scale.parallel.report["targets"]]),
    ]
    return lines


def render(machine: dict[str, str], startup: Startup | None, scale: Scale | None, runs: int, took: float,
           command: str, loads: Sequence[tuple[str, float]] = (), versus: Versus | None = None,
           kept: Sequence[str] = ()) -> str:
    targets = [*(startup.targets() if startup else []), *([scale.target()] if scale else []),
               *([versus.target()] if versus else [])]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{command}` ({runs} run(s) per start-up measurement; the script took {took:.0f} s). "
        "Rerun it rather than editing this file; timings depend on the machine and on its load.",
        "",
        "## Machine",
        "",
        *_table(["", ""], [[k, v] for k, v in machine.items()]),
        "",
        "Load average (1 min) as the script went: "
        + ", ".join(f"{what} {value:.1f}" for what, value in loads)
        + ". Above the 2 cores, other work shared the machine and every time here is longer than on a quiet one.",
        "",
        "## Targets",
        "",
        *_table(["Target", "Measured", "Limit", "Verdict"],
                [[t, m, limit, "**met**" if ok else "**missed**"] for t, m, limit, ok in targets]),
    ]
    if startup:
        lines += ["", "## Start-up and contract runs", "", *_startup(startup)]
    if scale:
        lines += ["", "## Fleet", "", *_fleet(scale)]
    if versus:
        lines += ["", "## Side by side with schemathesis", "", *_versus(versus)]
    lines += [
        "",
        "## Method",
        "",
        "- Every process is a child of the script, timed from spawn to exit; peak RSS is its own `ru_maxrss` "
        "(`os.wait4`). Reference servers listen on 127.0.0.1 in the script's process.",
        "- **Bytecode**: the measured processes run without PYTHONDONTWRITEBYTECODE, as on a user's machine, and "
        "one unmeasured run of each kind goes first, so pytest's rewritten modules, Hypothesis's caches and the "
        "suite's drawn requests (in a temporary cache folder, `XDG_CACHE_HOME`) are warm, as after a user's first "
        "run.",
        "- **Plugin cost**: the time `import rocketchat_contract.plugin.hooks` takes once pytest is loaded, as in a "
        "session (timed in a fresh interpreter with `time.perf_counter`; pytest imports plugins with importlib, "
        "which `-X importtime` does not report); its hooks return at once when no contract test is collected "
        "(`selftests/plugin/test_plugin_options.py` checks that no heavy module loads). The CPU and wall "
        "differences of `pytest -q test_unrelated.py` in an empty folder against `-p no:rocketchat_contract` are a "
        "cross-check; their noise is tens of milliseconds.",
        "- **Floors**: bare pytest start-up (the unrelated session without the plugin) plus what no client can "
        f"avoid: for {RESTIVUS_PROFILE}, one Restivus delay chain (1 s: every delayed answer waits 0.5-1 s and "
        "the suite sends them at once); for 8.8, a minimal client (requests, a thread pool) sending as many "
        f"requests to the endpoint, {CLIENT_PARALLEL} at a time.",
        "- **Time to first request**: from spawning pytest to the first request in the server's log.",
        "- **Fleet**: the same fleet file and servers (reset before each run), run with `rocketchat-contract "
        f"fleet --jobs 1` (each target alone: its duration is a single run) and `--jobs {JOBS}`.",
        "- **Side by side**: one 8.8 reference server with an import operation, reset before every run; the suite "
        "as `pytest --base-url URL` with an admin's and a user's name and password (pytest's cache folder, where "
        "the drawn requests are kept, in a temporary folder), `schemathesis run "
        "contracts/getImportProgress.openapi.yaml --url URL` from the repository (its schemathesis.toml: the same "
        "seed and 5 examples) with the same admin's user id and token. One unmeasured run of each first (bytecode, "
        "Hypothesis's caches, the suite's drawn requests), then pairs alternating which goes first, so that a "
        "change in the machine's load falls on both sides; then runs of the suite with its cache emptied first.",
    ]
    lines += [line for section in kept for line in ("", *section.splitlines())]
    return "\n".join(lines) + "\n"
