"""The benchmark script: its pieces compute what RESULTS.md says, and a quick run writes every table.

The quick run takes minutes, so it is marked slow: `.ci/run` leaves it out, `tox -e benchmarks` runs it.
Timings are never judged here.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from rocketchat_contract.reference import FAULTS, PROFILES
from rocketchat_contract.reference.profiles import profile

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ModuleType]]:
    """The benchmark modules, imported the way run.py imports them (its folder on sys.path)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import fleet_scale
    import hostile_files
    import measure
    import results
    import startup
    import versus

    yield {
        "fleet_scale": fleet_scale,
        "hostile_files": hostile_files,
        "measure": measure,
        "results": results,
        "startup": startup,
        "versus": versus,
    }


def test_the_plugins_import_time_is_read_from_the_probe(bench: dict[str, ModuleType]) -> None:
    startup = bench["startup"]
    done = subprocess.run([sys.executable, "-c", startup.IMPORT_PROBE], capture_output=True, text=True, check=True)
    assert startup.plugin_import_ms(done.stdout) > 0
    with pytest.raises(ValueError, match="expected 1 time"):
        startup.plugin_import_ms("Traceback (most recent call last):")


def test_targets_compare_runs_with_their_floors(bench: dict[str, ModuleType]) -> None:
    startup, measure = bench["startup"], bench["measure"]

    def proc(wall: float) -> object:
        return measure.Proc(("pytest",), 0, wall, 90_000, "1 passed", 0.0, cpu=wall / 2)

    result = startup.Startup(
        import_ms=[4.0],
        unrelated=[proc(0.42)],
        unrelated_bare=[proc(0.40)],
        runs={
            "restivus": [startup.SuiteRun(proc(2.2), 0.5, 1.1, 87)],
            "newest": [startup.SuiteRun(proc(0.9), 0.5, 0.4, 87)],
        },
        client=[0.2],
    )
    rows = {row[0].split(":")[0]: row for row in result.targets()}
    plugin, restivus, newest = rows.values()
    assert plugin[3] and "4.0 ms of imports (CPU +10 ms, wall +20 ms" in plugin[1]
    assert not restivus[3] and "2.20 s = 1.57 x floor 1.40 s" in restivus[1]  # floor: start-up + one 1 s chain
    # floor: start-up + a minimal client, not the suite's own (slower) span on the wire
    assert not newest[3] and "0.90 s = 1.50 x floor 0.60 s" in newest[1]
    result.runs["newest"][0] = startup.SuiteRun(proc(0.75), 0.5, 0.4, 87)
    assert result.targets()[2][3]
    result.import_ms = [31.0]
    assert not result.targets()[0][3]
    result.generated_ms = [(120.0, 80.0)]
    assert "(cached for later runs) take 0.20 s of the 0.18 s" in result.targets()[2][1]


def test_the_generated_probe_times_the_import_and_the_drawing(bench: dict[str, ModuleType]) -> None:
    startup = bench["startup"]
    done = subprocess.run(
        [sys.executable, "-c", startup.GENERATED_PROBE], capture_output=True, text=True, check=True, cwd=startup.REPO
    )
    load_ms, draw_ms = startup.printed_ms(done.stdout, 2)
    assert load_ms > 0 and draw_ms > 0
    with pytest.raises(ValueError, match="expected 2 time"):
        startup.printed_ms("12.5", 2)


def test_the_fleet_mixes_every_profile_delays_and_faults(bench: dict[str, ModuleType]) -> None:
    members = bench["fleet_scale"].members(20)
    assert len(members) == 20 and len({m.name for m in members}) == 20
    assert {m.profile for m in members} >= set(PROFILES) - {"8.8"}
    delayed = [m for m in members if m.knobs.delay_scale == 1.0]
    broken = [m for m in members if m.knobs.faults]
    assert len(delayed) >= 3 and all(profile(m.profile).restivus for m in delayed)
    assert len(broken) == 3 and all(next(iter(m.knobs.faults)) in FAULTS for m in broken)


def test_the_bomb_benchmark_tells_a_refusal_from_a_kill_and_a_memory_error(bench: dict[str, ModuleType]) -> None:
    hostile, measure = bench["hostile_files"], bench["measure"]
    fleet = hostile.CASES[0]
    nodes = yaml.compose(hostile.bomb("targets"))
    assert nodes is not None and len(nodes.value) == 10 and nodes.value[-1][1] is nodes.value[-2][1]  # targets: *l8

    def proc(code: int, wall: float, out: str = "") -> object:
        return measure.Proc(("rocketchat-contract",), code, wall, 2_000_000, out, 0.0)

    assert hostile.outcome(proc(4, 0.4), fleet, 60.0, 4 << 30) == "refused (exit 4): 0.4 s, 1,953 MB"
    assert hostile.outcome(proc(-9, 60.2), fleet, 60.0, 4 << 30).startswith("did not finish in 60 s (killed)")
    assert hostile.outcome(proc(1, 9.0, "MemoryError\n"), fleet, 60.0, 4 << 30).startswith("MemoryError at the 4 GB")
    assert hostile.outcome(proc(1, 0.3), fleet, 60.0, 4 << 30).startswith("ended (exit 1)")
    assert hostile.in_process(runs=1) < 1000  # the reader refuses it (a SystemExit otherwise)


def _side_by_side(bench: dict[str, ModuleType], walls: list[tuple[float, float]]) -> object:
    versus, measure = bench["versus"], bench["measure"]

    def sided(wall: float, requests: int) -> object:
        return versus.Sided(measure.Proc(("x",), 0, wall, 90_000, "ok", 0.0, cpu=wall * 0.9), requests)

    pairs = [
        versus.Pair("suite" if i % 2 == 0 else "schemathesis", 1.0 + i, sided(suite, 87), sided(other, 14))
        for i, (suite, other) in enumerate(walls)
    ]
    return versus.Versus(pairs, cold=[sided(1.5, 87)])


def test_the_side_by_side_takes_paired_medians(bench: dict[str, ModuleType]) -> None:
    result = _side_by_side(bench, [(1.0, 0.9), (1.4, 1.0), (0.95, 0.8)])
    assert [p.first for p in result.pairs] == ["suite", "schemathesis", "suite"]
    target, measured, limit, met = result.target()
    assert "1.2 x `schemathesis run`" in target
    assert "1.00 s = 1.11 x 0.90 s" in measured and "ratios 1.19" in measured  # medians; ratios 1.11, 1.40, 1.19
    assert limit == "1.08 s" and met
    assert result.loads == (1.0, 2.0, 3.0) and result.requests("schemathesis") == 14
    assert not _side_by_side(bench, [(1.2, 0.9)]).target()[3]


def test_the_side_by_side_runs_both_tools_as_users_do(bench: dict[str, ModuleType], tmp_path: Path) -> None:
    versus, startup = bench["versus"], bench["startup"]
    suite = versus.suite_argv("http://127.0.0.1:9", tmp_path)
    assert suite[1:4] == ["-m", "pytest", str(startup.REPO / "tests")] and "--base-url" in suite
    assert f"cache_dir={tmp_path}" in suite and "no:cacheprovider" not in suite  # the drawn requests are cached
    other = versus.schemathesis_argv("http://127.0.0.1:9")
    assert other[1:3] == ["run", versus.FRAGMENT] and (startup.REPO / versus.FRAGMENT).is_file()
    assert subprocess.run([other[0], "run", "--help"], capture_output=True, cwd=tmp_path, check=False).returncode == 0


def test_results_show_the_side_by_side_and_keep_other_scripts_sections(
    bench: dict[str, ModuleType], tmp_path: Path
) -> None:
    results = bench["results"]
    old = tmp_path / "RESULTS.md"
    old.write_text("# Benchmarks\n\n## Targets\n\nold\n\n## JSON report size\n\n| a | 1 kB |\n")
    kept = results.kept_sections(old)
    assert kept == ["## JSON report size\n\n| a | 1 kB |"]
    versus = _side_by_side(bench, [(1.0, 0.9), (1.4, 1.0)])
    text = results.render({"CPU": "x"}, None, None, 2, 10.0, "python benchmarks/run.py", [("start", 1.0)], versus, kept)
    assert "## Side by side with schemathesis" in text and "| requests in the server's log | 87 | 14 |" in text
    assert "first run, with the drawn-request cache empty: 1.50 s" in text
    assert text.count("| **met** |") + text.count("| **missed** |") == 1
    assert text.rstrip().endswith("## JSON report size\n\n| a | 1 kB |")
    assert results.kept_sections(tmp_path / "missing.md") == []
    headings = {section.split("\n", 1)[0] for section in results.kept_sections(BENCHMARKS / "RESULTS.md")}
    assert {"## JSON report size", "## Refusing a YAML bomb", "## A server that sends 500 MiB"} <= headings


@pytest.mark.slow
def test_quick_run_writes_every_table(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = output.read_text(encoding="utf-8")
    headings = ("## Machine", "## Targets", "## Start-up and contract runs", "## Fleet", "## Side by side", "## Method")
    for heading in headings:
        assert heading in text
    assert text.count("| **met** |") + text.count("| **missed** |") == 5
    assert "| same verdicts in both runs | yes |" in text


def test_the_oversized_answer_section_judges_the_peak_and_replaces_itself(bench: dict[str, ModuleType]) -> None:
    import hostile

    measure = bench["measure"]

    def runs(*rss_mb: int, status: int = 1) -> object:
        procs = [measure.Proc(("pytest",), status, 9.0, mb * 1024, "2 failed, 6 passed", 0.0) for mb in rss_mb]
        return hostile.Measured("abc1234", procs)

    after, before = runs(105, 104, 150), runs(9000, status=-9)
    text = hostile.section(after, before, "python benchmarks/hostile.py", [1.0])
    assert "| this checkout (abc1234), 3 run(s): median | 105 MB (max 150) | 9.0 s | 1 |" in text
    assert "over 8 GB, then stopped (9000 MB by then)" in text
    assert "**met** (150 MB at most)" in text
    assert "**missed**" in hostile.section(runs(250), None, "python benchmarks/hostile.py", [1.0])
    old = f"# Benchmarks\n\n{hostile.HEADING}\n\nold numbers\n\n## JSON report size\n\nkept\n"
    replaced = measure.replace_section(old, hostile.HEADING, text)
    assert "old numbers" not in replaced and replaced.count(hostile.HEADING) == 1
    assert replaced.endswith("## JSON report size\n\nkept\n") and text in replaced
    assert measure.replace_section("# Benchmarks\n", hostile.HEADING, text) == "# Benchmarks\n\n" + text


def test_the_large_fleet_section_says_met_and_missed_from_its_limits(bench: dict[str, ModuleType]) -> None:
    import fleet_large

    def fleet(targets: int, wall: float, peak_mb: float, each: float = 0.5) -> object:
        report = {"summary": {"pass": targets}, "targets": [{"duration_s": each}] * targets}
        return fleet_large.Fleet(targets, wall=wall, peak_mb=peak_mb, report=report)

    results = {
        200: [fleet(200, 59.0, 700.0)],
        1000: [fleet(1000, 241.0, 500.0), fleet(1000, 200.0, 650.0), fleet(1000, 250.0, 500.0)],
    }
    lone, many = [fleet(1, 1.4, 90.0)], fleet(40, 9.0, 200.0, 0.2)
    text = fleet_large.section(results, lone, many, [(1.5, "exit 4: refused")], [1.0], 3)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert rows["200 reference targets, wall"].endswith("| 60 s | **met** |")
    assert rows["200 reference targets, peak memory of the whole fleet"].endswith("| 600 MB | **missed** |")
    assert rows["1000 reference targets, wall"].endswith("| 240 s | **missed** |")  # the median, 241 s
    assert "241 s (median of 3: 200-250)" in rows["1000 reference targets, wall"]
    assert "| 650 MB |" in rows["1000 reference targets, peak memory of the whole fleet"]  # the largest
    assert rows["a fleet of one unreachable target, the whole command"].endswith("**met** |")
    assert "exit 4: refused" in rows["10,000 unreachable targets: planned and refused or estimated"]
    assert fleet_large.HEADING in bench["measure"].replace_section("# Benchmarks\n", fleet_large.HEADING, text)


def test_the_breakdown_puts_back_each_group_the_configuration_turns_off(bench: dict[str, ModuleType]) -> None:
    import breakdown

    addopts = breakdown.configured_addopts()  # fails if pytest.toml no longer turns a group off
    for options in breakdown.TURNED_OFF.values():
        flag, value = breakdown.without(addopts, [options])
        assert flag == "-o" and " ".join(options) not in value and value.startswith("addopts=--strict-markers")
    everything = breakdown.without(addopts, list(breakdown.TURNED_OFF.values()))[1]
    assert everything == "addopts=--strict-markers --strict-config"
