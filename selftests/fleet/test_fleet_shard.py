"""--shard K/N, --merge of shards, the plan line and --max-targets, without traffic: the split is stable, bad input is
one line and exit 4 before any run, and --merge refuses shards that are not the N shards of one fleet file."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rocketchat_contract.commands.main import main
from rocketchat_contract.contract.reader import FLEET_FILES
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.fleet.fleetfile import read_fleet
from rocketchat_contract.fleet.merge import FleetReportError, merge_reports
from rocketchat_contract.fleet.model import fleet_document, shard_record
from rocketchat_contract.fleet.plan import MAX_TARGETS, SECONDS_PER_TARGET, Plan
from rocketchat_contract.fleet.shard import Shard, ShardError, parse_shard, shard_of

NOWHERE = "http://127.0.0.1:9/"
"""The discard port: nothing listens there, and no test below gets as far as sending to it."""


def fleet_file(tmp_path: Path, names: list[str], name: str = "fleet.yaml", url: str = NOWHERE) -> Path:
    path = tmp_path / name
    lines = ["targets:"] + [f"  - name: {n}\n    base_url: {url}" for n in names]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


PINNED = {"production": 2, "staging": 2, "t00001": 2, "rc-8.8": 2, "ünïcode-is-not-a-name": 3}
"""shard_of(name, 3), pinned: the split must not change between machines, releases or Python versions."""


def test_a_targets_shard_is_pinned_and_the_same_under_any_hash_seed() -> None:
    assert {name: shard_of(name, 3) for name in PINNED} == PINNED
    script = "from rocketchat_contract.fleet.shard import shard_of; print([shard_of(f't{i}', 7) for i in range(50)])"
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        for seed in ("0", "1", "4711")
    }
    assert seen == {str([shard_of(f"t{i}", 7) for i in range(50)]) + "\n"}


def test_the_shards_split_the_fleet_and_a_target_stays_in_its_shard_when_others_are_added() -> None:
    names = [f"t{i:04d}" for i in range(300)]
    shards = [Shard(k, 4) for k in range(1, 5)]
    held = [[n for n in names if shard.holds(n)] for shard in shards]
    assert sorted(n for part in held for n in part) == names
    assert all(40 < len(part) < 110 for part in held), [len(p) for p in held]
    more = ["new-a", *names[:150], "new-b", *names[150:]]
    for shard, part in zip(shards, held, strict=True):
        assert set(part) <= {n for n in more if shard.holds(n)}
    assert shards[1].positions(["x", *names]) == [p + 1 for p in shards[1].positions(names)]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0/3", "K counts from 1"),
        ("4/3", "K is at most N (3)"),
        ("x", "--shard takes K/N"),
        ("1/0", "N, the number of shards, must be at least 1"),
        ("1/", "--shard takes K/N"),
        ("-1/3", "--shard takes K/N"),
        ("1/3/5", "--shard takes K/N"),
        ("\x1b[2J" + "9" * 100, "--shard takes K/N"),
    ],
)
def test_a_bad_shard_is_one_line_and_exit_4_before_any_traffic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, words: str
) -> None:
    with pytest.raises(ShardError, match=r"^[^\n]*$"):
        parse_shard(value)
    assert main(["fleet", str(fleet_file(tmp_path, ["a", "b"])), f"--shard={value}"]) == 4
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and words in err
    assert "\x1b" not in err and len(err) < 300


def test_a_good_shard_parses() -> None:
    assert parse_shard("2/3") == Shard(2, 3) and str(Shard(2, 3)) == "2/3" and parse_shard("1/1") == Shard(1, 1)


def test_shard_and_merge_are_not_given_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "--merge", str(tmp_path / "a.json"), "--shard", "1/2"]) == 4
    assert "--merge runs nothing" in capsys.readouterr().err


def test_an_empty_shard_says_so_and_writes_an_empty_valid_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["production", "staging"]  # both in shard 2 of 3 (PINNED): shard 3 holds neither
    report = tmp_path / "shard-3.json"
    assert main(["fleet", str(fleet_file(tmp_path, names)), "--shard", "3/3", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("plan: 2 targets in fleet.yaml, 0 in shard 3/3;")
    assert "shard 3/3 holds none of the 2 targets" in out
    document = json.loads(report.read_text())
    assert store().problem("fleet/fleet-report.schema.json", document) is None
    assert document["targets"] == [] and document["exit_status"] == 0
    assert document["shard"] == shard_record(
        3, 3, fleet_targets=2, fleet_sha256=read_fleet(tmp_path / "fleet.yaml").sha256, positions=[]
    )


def test_a_run_over_the_bound_is_refused_before_the_schema_check_and_any_traffic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fleet_file(tmp_path, [f"t{i:05d}" for i in range(MAX_TARGETS + 1)])
    path.write_text(path.read_text() + "    not_a_field: 1\n")  # the schema check would refuse this; it never runs
    assert main(["fleet", str(path)]) == 4
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert f"{MAX_TARGETS + 1} targets in this run, more than {MAX_TARGETS}" in err
    assert f"--max-targets {MAX_TARGETS + 1}" in err and "--shard K/2" in err
    # A shard of it is within the bound, so the schema check runs and names the field.
    assert main(["fleet", str(path), "--shard", "1/3"]) == 4
    assert "field not_a_field: unknown field" in capsys.readouterr().err
    assert main(["fleet", str(path), "--max-targets", "0"]) == 4
    assert "--max-targets must be at least 1" in capsys.readouterr().err


def test_a_fleet_of_ten_thousand_targets_fits_the_cap_and_one_past_it_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = fleet_file(tmp_path, [f"t{i:05d}" for i in range(10_000)])
    assert big.stat().st_size < FLEET_FILES.max_bytes
    assert main(["fleet", str(big)]) == 4
    assert "10000 targets in this run, more than 1000" in capsys.readouterr().err
    huge = fleet_file(tmp_path, [f"target-with-a-long-name-{i:05d}" for i in range(20_000)], "huge.yaml")
    assert huge.stat().st_size > FLEET_FILES.max_bytes
    assert main(["fleet", str(huge)]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "larger than 1 MiB (the cap for fleet files)" in err and "defaults:" in err


def test_the_plan_spreads_targets_over_the_slots_and_waits_for_a_busy_origin() -> None:
    spread = Plan(10, [f"http://h{i}:80" for i in range(10)], jobs=4)
    assert spread.slots == 4 and spread.estimate() == 3 * SECONDS_PER_TARGET
    one_origin = Plan(10, ["http://h:80"] * 10, jobs=4, shard=Shard(1, 2))
    assert one_origin.slots == 1 and one_origin.estimate() == 10 * SECONDS_PER_TARGET
    line = one_origin.line("fleet.yaml")
    assert line.startswith("plan: 10 targets in fleet.yaml, 10 in shard 1/2; --jobs 4, 1 at a time at most")
    assert f"at {SECONDS_PER_TARGET:g} s per target per job" in line
    assert Plan(0, [], jobs=4).estimate() == 0


def _record(name: str, outcome: str = "untestable") -> dict[str, Any]:
    return {
        "name": name,
        "base_url": NOWHERE,
        "outcome": outcome,
        "reason": "cannot test",
        "exit_status": 4,
        "server_version": None,
        "judged_as": None,
        "era": None,
        "settings": {},
        "credential_variables": [],
        "summary": {"conforms": 0, "known-drift": 0, "violation": 0, "not-verified": 0},
        "verdicts": {},
        "duration_s": 1.0,
        "peak_rss_mb": None,
        "report": None,
    }


NAMES = [f"t{i}" for i in range(12)]
SHA = "a" * 64


def _shards(count: int = 3, sha: str = SHA) -> list[tuple[str, dict[str, Any]]]:
    documents = []
    for index in range(1, count + 1):
        shard = Shard(index, count)
        positions = shard.positions(NAMES)
        documents.append(
            (
                f"shard-{index}.json",
                fleet_document(
                    [_record(NAMES[p - 1]) for p in positions],
                    sources=["fleet.yaml"],
                    started_at=f"2026-12-07T10:00:0{index}+00:00",
                    finished_at=f"2026-12-07T10:01:0{index}+00:00",
                    allow_untestable=False,
                    shard=shard_record(index, count, fleet_targets=len(NAMES), fleet_sha256=sha, positions=positions),
                ),
            )
        )
    return documents


def test_merged_shards_are_the_whole_fleet_in_fleet_file_order() -> None:
    shards = _shards()
    assert all(store().problem("fleet/fleet-report.schema.json", d) is None for _, d in shards)
    merged = merge_reports(list(reversed(shards)), allow_untestable=False)
    whole = fleet_document(
        [_record(n) for n in NAMES],
        sources=["fleet.yaml"],
        started_at="2026-12-07T10:00:01+00:00",
        finished_at="2026-12-07T10:01:03+00:00",
        allow_untestable=False,
    )
    assert merged == whole and merged["shard"] is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s.pop(), "shard 3/3 of shard-1.json's fleet file is missing; merge the reports of all 3"),
        (lambda s: s.append(copy.deepcopy(s[1])), "shard-2.json and shard-2.json are both shard 2/3"),
        (lambda s: s.__setitem__(2, _shards(sha="b" * 64)[2]), "are shards of different fleet files"),
        (lambda s: s.__setitem__(2, _shards(4)[2]), "shard-1.json is shard 1/3 and shard-3.json shard 3/4"),
        (lambda s: s[2][1].update(shard=None), "shard-3.json is not the report of a shard"),
        (lambda s: s[2][1]["shard"]["positions"].append(99), "positions for"),
    ],
    ids=["missing", "duplicated", "other-file", "other-split", "not-a-shard", "positions"],
)
def test_merge_refuses_shards_that_are_not_one_split(change: Any, words: str) -> None:
    shards = _shards()
    change(shards)
    with pytest.raises(FleetReportError, match=r"^[^\n]*$") as refused:
        merge_reports(shards, allow_untestable=False)
    assert words in str(refused.value)


def test_merge_refusal_is_one_line_and_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = []
    for name, document in _shards()[:2]:
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps(document))
    assert main(["fleet", "--merge", *map(str, paths)]) == 4
    out, err = capsys.readouterr()
    assert (
        out == ""
        and err
        == "rocketchat-contract fleet: shard 3/3 of shard-1.json's fleet file is missing; merge the reports of all 3\n"
    )


def test_the_fleet_files_digest_ignores_layout_but_not_content(tmp_path: Path) -> None:
    one = fleet_file(tmp_path, ["a", "b"], "one.yaml")
    two = tmp_path / "two.yaml"
    two.write_text(
        "# the same fleet\r\ntargets: [{base_url: 'http://127.0.0.1:9/', name: a},\r\n"
        "  {name: b, base_url: 'http://127.0.0.1:9/'}]\r\n"
    )
    other = fleet_file(tmp_path, ["a", "c"], "other.yaml")
    assert read_fleet(one).sha256 == read_fleet(two).sha256 != read_fleet(other).sha256


def test_the_shared_credentials_check_looks_at_each_target_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """It was quadratic: 10,000 targets without env_prefix kept a fleet from its plan line for over 7 minutes."""
    from rocketchat_contract.fleet import launch
    from rocketchat_contract.fleet.fleetfile import TargetSpec

    calls = 0
    real = launch.source_variable

    def counted(spec: TargetSpec, variable: str) -> str | None:
        nonlocal calls
        calls += 1
        return real(spec, variable)

    monkeypatch.setattr(launch, "source_variable", counted)
    specs = [TargetSpec(name=f"t{i}", base_url=NOWHERE) for i in range(300)]
    assert launch.shared_by_default(specs, {}) is None
    assert launch.shared_by_default(specs[:1], {"RC_ADMIN_TOKEN": "x", "RC_ADMIN_USER_ID": "y"}) is None
    assert calls <= 2 * len(specs) * len(launch.SUITE_VARIABLES)
    assert "targets t0 and t1 would both get" in (launch.shared_by_default(specs, {"RC_ADMIN_TOKEN": "x"}) or "")
