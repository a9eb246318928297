"""RESULTS.md: machine, the side-by-side table, the targets, the fault sweep, the method and the commands."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import st_cli
from measure import Proc
from suite_runs import OPERATION, ScenarioRun, chain_text, startup_command, suite_command
from sweep import needs_no_operation
from targets import Results, Target, ToolRuns, evaluate, med

Row = tuple[str, list[str]]


def _spread(values: Sequence[float], digits: int = 2) -> str:
    if not values:
        return "-"
    middle = med(values)
    if len(values) == 1:
        return f"{middle:.{digits}f}"
    return f"{middle:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def _mb(kb: Sequence[int]) -> str:
    return _spread([k / 1024 for k in kb], 0)


def _table(header: list[str], rows: list[Row]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join([name, *cells]) + " |" for name, cells in rows]
    return lines


def _per_scenario(results: Results, cell: Callable[[list[ScenarioRun]], str]) -> list[str]:
    return [cell(runs) for _, runs in results.scenarios]


def _counts_cell(runs: list[ScenarioRun], part: str) -> str:
    cells = {r.suite.counts.cell(part) for r in runs}
    return " or ".join(sorted(cells))


def _fidelity(runs: list[ScenarioRun]) -> str:
    worst = min(min(r.concurrent.matched, r.sequential.matched if r.sequential else len(r.suite.steps)) for r in runs)
    return f"{worst}/{len(runs[0].suite.steps)}"


def _tool_cells(tool: ToolRuns) -> dict[str, str]:
    """One schemathesis column of the side-by-side table, keyed by row label."""

    def both(values: Callable[[list[Proc]], str]) -> str:
        return f"{values(tool.warm)} warm; {values(tool.cold)} fresh dir" if tool.cold else values(tool.warm)

    runs = tool.warm + tool.cold
    return {
        "suite wall time, s": both(lambda ps: _spread([p.wall for p in ps])),
        "exit code": ",".join(sorted({str(p.returncode) for p in runs})),
        "outcome (run 1)": ", ".join(sorted(tool.baseline)) or "no failure",
        "peak RSS, MB": both(lambda ps: _mb([p.max_rss_kb for p in ps])),
        "endpoint calls: privileged/under/other": " or ".join(sorted({c.cell("endpoint") for c in tool.counts})),
        "setup calls: privileged/under/other": " or ".join(sorted({c.cell("setup") for c in tool.counts})),
        "429 answers": str(max(c.rate_limited for c in tool.counts)),
        "under-privileged endpoint calls, busiest 60 s": "0 (admin only)",
    }


def _scenario_rows(results: Results) -> list[Row]:
    cells: dict[str, Callable[[list[ScenarioRun]], str]] = {
        "suite wall time, s": lambda rs: _spread([r.suite.proc.wall for r in rs]),
        "exit code": lambda rs: ",".join(sorted({str(r.suite.proc.returncode) for r in rs})),
        "outcome (run 1)": lambda rs: rs[0].suite.proc.last_line,
        "peak RSS, MB": lambda rs: _mb([r.suite.proc.max_rss_kb for r in rs]),
        "endpoint calls: privileged/under/other": lambda rs: _counts_cell(rs, "endpoint"),
        "setup calls: privileged/under/other": lambda rs: _counts_cell(rs, "setup"),
        "429 answers": lambda rs: str(max(r.suite.counts.rate_limited for r in rs)),
        "under-privileged endpoint calls, busiest 60 s": lambda rs: str(max(r.suite.under_window for r in rs)),
    }
    tools = [_tool_cells(tool) for tool in results.tools]
    rows: list[Row] = [
        (label, [*_per_scenario(results, cell), *(tool[label] for tool in tools)]) for label, cell in cells.items()
    ]
    return rows + _floor_rows(results, results.startup_median)


def _floor_rows(results: Results, start: float) -> list[Row]:
    def sequential(rs: list[ScenarioRun]) -> str:
        walls = [r.sequential.wall for r in rs if r.sequential]
        return _spread(walls, 3) if walls else "not run (delays: see notes)"

    def ratio(rs: list[ScenarioRun]) -> str:
        floor = start + med([r.concurrent.wall for r in rs])
        return f"{med([r.suite.proc.wall for r in rs]) / floor:.2f}"

    dash = ["-"] * len(results.tools)
    return [
        ("minimal client, sequential, s", [*_per_scenario(results, sequential), *dash]),
        (
            "minimal client, concurrent, s",
            [*_per_scenario(results, lambda rs: _spread([r.concurrent.wall for r in rs], 3)), *dash],
        ),
        ("replay fidelity (statuses as the suite got)", [*_per_scenario(results, _fidelity), *dash]),
        ("pytest start-up, s", [_spread([p.wall for p in results.startup])] * len(results.scenarios) + dash),
        (
            "pytest start-up, no plugin autoload, s",
            [_spread([p.wall for p in results.startup_bare])] * len(results.scenarios) + dash,
        ),
        (
            "floor = start-up + concurrent client, s",
            [*_per_scenario(results, lambda rs: f"{start + med([r.concurrent.wall for r in rs]):.2f}"), *dash],
        ),
        ("suite / floor", [*_per_scenario(results, ratio), *dash]),
        (
            "longest dependent chain, s",
            [*_per_scenario(results, lambda rs: _spread([r.suite.chain for r in rs], 3)), *dash],
        ),
    ]


def _targets(targets: list[Target]) -> list[str]:
    rows = [(t.name, [t.measured, t.limit, t.verdict, t.margin, t.why]) for t in targets]
    return _table(["Target", "Measured (median)", "Limit", "Verdict", "Margin", "Why"], rows)


def _tuned_summary(results: Results) -> str:
    if results.tuned is None or not any(f.tuned for f in results.faults):
        return ""
    baseline = results.tuned.baseline
    caught = sum(f.st_caught(baseline, tuned=True) for f in results.faults)
    raw = sum(f.st_raw_caught(tuned=True) for f in results.faults)
    wall = sum(f.tuned.wall for f in results.faults if f.tuned)
    clean = ", ".join(sorted(baseline)) or "no failure"
    return (
        " With the project's `schemathesis.toml` (not a default run, so outside the targets): "
        f"{caught}/{total_of(results)} caught beyond its clean baseline ({clean}), {raw} by exit code; "
        f"summed wall time {wall:.1f} s."
    )


def total_of(results: Results) -> int:
    return len(results.faults)


def _sweep_rows(results: Results) -> list[Row]:
    tuned = results.tuned.baseline if results.tuned else frozenset()
    rows = []
    for f in results.faults:
        cells = [f.kind, f.clause, f.suite_verdict(results.suite_baseline), f.st_verdict(results.baseline)]
        if results.tuned:
            cells.append(f.st_verdict(tuned, tuned=True))
        rows.append((f"`{f.fault}`", cells))
    return rows


def _sweep(results: Results) -> list[str]:
    if not results.faults:
        return ["Fault sweep skipped (`--faults none`)."]
    total = len(results.faults)
    suite = sum(f.suite_caught(results.suite_baseline) for f in results.faults)
    new = sum(f.st_caught(results.baseline) for f in results.faults)
    raw = sum(f.st_raw_caught() for f in results.faults)
    suite_time = sum(f.suite.wall for f in results.faults)
    st_time = sum(f.schemathesis.wall for f in results.faults)
    fresh = ", ".join(f"`{f.fault}`" for f in results.faults if needs_no_operation(f.fault)) or "none"
    lines = [
        f"{total} faults, {results.workers} at a time, profile 8.8 without delays or limiter, with the operation "
        f"`{OPERATION.key}:{OPERATION.step}:{OPERATION.completed}/{OPERATION.total}` stored, except for faults that "
        f"rewrite the operation-not-found answer ({fresh}), "
        f"which get a server without one; suite run as `{' '.join(results.sweep_tests)}`. {results.sweep_note}",
        "",
        f"**Caught: suite {suite}/{total}; schemathesis (defaults) {new}/{total} with a failure its clean baseline "
        f"does not have ({raw}/{total} by exit code ≠ 0 alone).** Summed wall time: suite {suite_time:.1f} s, "
        f"schemathesis {st_time:.1f} s; the sweep took {results.sweep_wall:.1f} s.{_tuned_summary(results)}",
        "",
    ]
    header = ["Fault", "Kind", "Clause", "Suite (exit 1 = caught)", "schemathesis run (defaults)"]
    if results.tuned:
        header.append("schemathesis run --config-file schemathesis.toml")
    return lines + _table(header, _sweep_rows(results))


def _notes(results: Results) -> list[str]:
    key = "restivus"
    scenario, _ = results.scenario(key)
    median = results.median_run(key)
    return [
        "- **Medians** over the runs; brackets give min-max. Every run resets the server (fresh users, tokens, "
        "limiter, log). Servers listen on 127.0.0.1; the app is `ReferenceServer(...).wsgi_app` on a threaded "
        "Werkzeug server (as `ReferenceServer.start()` serves it) behind a tracing WSGI middleware that records "
        "credential headers, bodies and end times (the server's own log has no end times).",
        "- **Credential classes** come from the server's request log (`ReferenceServer.requests`): privileged = "
        "the admin's user id, under = the user's id, other = no credentials or credentials the server did not "
        "accept (the log has a user id only for authenticated requests). Endpoint = `/api/v1/getImportProgress`; "
        "setup = `/api/info`, login, logout, me.",
        "- **Minimal client** (`benchmarks/minimal_client.py`, `requests`): replays the exact method, path, body and "
        "credential headers the suite sent (from the trace), with the suite-run's secrets swapped for the fresh "
        "server's (account ids, tokens returned by the replay's own logins). Sequential = trace order; concurrent = "
        "each request as soon as its data dependencies are answered. Replay fidelity counts answers with the "
        "suite's status. The sequential replay is skipped with real delays (every delayed 401/403 would cost "
        "0.5-1 s in a row).",
        "- **Longest chain**: the dependency graph of the replay (a request needs the login whose token it carries; "
        "a logout needs every earlier use of its token; a request with a logged-out token needs the logout), "
        "weighted with the durations the suite's own requests took on the server (trace end - start), longest path "
        "by dynamic programming. Ordering that is not a data dependency (the suite's sequential setup, its thread "
        "pool) is left out, so this is a floor. Median run's chain: " + chain_text(median.suite.chain_steps, 1.0) + ".",
        "- **Busiest 60 s window**: sliding window (two pointers) over the start times of the under-privileged "
        "user's logged calls to getImportProgress, per run.",
        f"- **Peak memory**: `ru_maxrss` of that child alone (`os.wait4`), i.e. what `/usr/bin/time -v` reports. "
        f"The restivus scenario uses profile {scenario.profile}.",
        f"- **schemathesis**: {results.st_spec_note}. Run with default settings and the admin's reset token, in a temp "
        "directory. 'fresh dir' = first run there: Hypothesis builds its unicode charmap cache (`.hypothesis/`), "
        "~1 s and ~200 MB extra. 'warm' = second run there with schemathesis's failure cache (`.schemathesis/`, "
        "which would replay earlier failures first) deleted; warm is the figure the targets use, as the suite's "
        "own Hypothesis cache in the repository is warm too. The sweep works the same way (one directory per "
        "worker, failure cache deleted before each fault). A fault counts for it only "
        "with a failure its clean baseline lacks: on 8.8 the clean server already fails ST204 (TRACE answers "
        "Hono's 404, not 405), so every run exits 1. Errors (exit ≠ 0/1, or exit 1 with errors only) are "
        "reported as errors, never as catches. schemathesis runs in a temp directory, so the repository's "
        "`schemathesis.toml` does not apply to the default run; when that file exists, another column runs it "
        "explicitly (`--config-file`, warm, RC_ADMIN_USER_ID/RC_ADMIN_TOKEN set) for comparison only: the targets "
        "compare against the default run.",
    ]


def _clean_failures(results: Results) -> list[str]:
    """Tests the suite fails against a server without faults: worth knowing, and they blur 'exit 1 = caught'."""
    lines = []
    for scenario, runs in results.scenarios:
        failed = sorted(frozenset().union(*(r.suite.proc.failed for r in runs)))
        if failed:
            lines.append(f"- **The suite fails on the clean {scenario.title} server**: " + ", ".join(failed) + ".")
    if results.suite_baseline:
        lines.append("  In the sweep a fault counts for the suite only with a failing test the clean 8.8 run lacks.")
    return lines


def _commands(results: Results) -> list[str]:
    bundled = results.st_spec.resolve() != st_cli.SPEC.resolve()
    suite = " ".join(suite_command("http://127.0.0.1:PORT", ("tests",))[1:])
    startup = " ".join(startup_command()[1:])
    st = (
        "schemathesis run contracts/getImportProgress.openapi.yaml --url http://127.0.0.1:PORT "
        '-H "X-User-Id: ADMIN_ID" -H "X-Auth-Token: ADMIN_TOKEN"'
    )
    return [
        "```sh",
        "cd /work/main   # the repository",
        f".venv/bin/python benchmarks/run.py --runs {results.runs}" + (" --quick" if results.quick else ""),
        "# what it runs, per measurement (RC_ADMIN_USERNAME/RC_ADMIN_PASSWORD, RC_USER_USERNAME/RC_USER_PASSWORD set):",
        f".venv/bin/python {suite}",
        f'(cd "$(mktemp -d)" && touch test_empty.py && /work/main/.venv/bin/python {startup})',
        f".venv/bin/{st}",
        "```",
        *([f"schemathesis was given the bundled spec instead: {results.st_spec_note}."] if bundled else []),
    ]


def render(results: Results) -> str:
    _, first = results.scenarios[0]
    header = [
        "Measurement",
        *[s.title for s, _ in results.scenarios],
        *[f"{tool.title} (8.8, no delay)" for tool in results.tools],
    ]
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `benchmarks/run.py` ({results.runs} run(s) per measurement"
        + (", --quick" if results.quick else "")
        + f"; the script took {results.total:.0f} s). Do not edit by hand: rerun the script.",
        "",
        "## Machine",
        "",
        *_table(["", ""], [(k, [v]) for k, v in results.machine.items()]),
        f"| tests/ | {', '.join(results.test_files)} ({first[0].suite.proc.last_line}) |",
        "",
        "## Side by side",
        "",
        *_table(header, _scenario_rows(results)),
        "",
        "## Targets",
        "",
        *_targets(evaluate(results)),
        "",
        "## Fault catalogue (faults.yaml)",
        "",
        *_sweep(results),
        "",
        "## How the numbers are computed",
        "",
        *_notes(results),
        *_clean_failures(results),
        "",
        "## Reproduce",
        "",
        *_commands(results),
    ]
    return "\n".join(lines).rstrip() + "\n"
