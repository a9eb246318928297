"""The drawn-request cache (client/fuzz/cache.py): a run that reads it sends exactly what a fresh draw sends, a
file that is not a kept draw of the same inputs is ignored (and replaced), and a folder that cannot be used
costs nothing but the draw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from suite_runner import OPERATION, SUITE, prepare, run_suite

from rocketchat_contract.client.fuzz import Fuzz
from rocketchat_contract.client.fuzz import cache as kept
from rocketchat_contract.client.fuzz import cases as cases_module
from rocketchat_contract.client.fuzz import hostile as hostile_module
from rocketchat_contract.client.fuzz.wave import Drawn, draw_all
from rocketchat_contract.contract.fragment import run_document
from rocketchat_contract.reference import Knobs, ReferenceServer
from rocketchat_contract.reports.observations import resolved

CASE_ID = "x-schemathesis-testcaseid"
"""A random id schemathesis gives every case it builds, drawn or not: the one header two runs never share."""
GENERATED_CLAUSES = ("generated.schemathesis", "generated.hostile-credentials")


PRIVILEGED = {"X-User-Id": "admin-id", "X-Auth-Token": "admin-token"}


def requests_of(drawn: Drawn) -> list[Any]:
    """What each generated request would send: schemathesis's serialization of a case with the headers send_case
    gives it (a negative case's removed headers stay removed: schemathesis reads that from how it was drawn), and
    the hostile pairs."""
    sent = []
    for case in drawn.schemathesis()[0]:
        headers = {"User-Agent": "rocketchat-contract", **cases_module.credentials_for(case.headers, PRIVILEGED)}
        kwargs = case.as_transport_kwargs(base_url="http://127.0.0.1:9", headers=headers)
        kwargs["headers"] = {k: v for k, v in kwargs["headers"].items() if k.lower() != CASE_ID}
        sent.append(kwargs)
    return [sent, [[repr(pair) for pair in batch] for batch in drawn.batches]]


@contextmanager
def drawing_refused() -> Iterator[None]:
    """Within, drawing fails the test: what is sent must come from the cache."""

    def refused(*args: object) -> None:
        pytest.fail("drew instead of reading the cache")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cases_module, "draw_cases", refused)
        patch.setattr(hostile_module, "draw_batches", refused)
        yield


def only_file(folder: Path) -> Path:
    files = sorted(folder.glob("drawn-*.json"))
    assert len(files) == 1, files
    return files[0]


def test_a_kept_draw_sends_what_the_fresh_draw_sent(tmp_path: Path) -> None:
    fresh = draw_all(Fuzz(), (), tmp_path)
    assert requests_of(fresh) == requests_of(draw_all(Fuzz()))  # the cache changes nothing of a fresh draw
    stored = json.loads(only_file(tmp_path).read_text(encoding="ascii"))
    assert len(stored["cases"]) == len(fresh.schemathesis()[0]) and stored["batches"]
    with drawing_refused():
        again = draw_all(Fuzz(), (), tmp_path)
        assert again.cases is None  # made from the kept ones when first sent
        assert requests_of(again) == requests_of(fresh)
    assert [type(c).__name__ for c in again.schemathesis()[0]] == [type(c).__name__ for c in fresh.schemathesis()[0]]


def test_the_key_holds_seed_examples_fragment_and_local_sources(tmp_path: Path) -> None:
    fragment = run_document()
    base = kept.key(fragment, Fuzz())
    assert base == kept.key(run_document(), Fuzz())
    assert base != kept.key(fragment, Fuzz(seed=7))
    assert base != kept.key(fragment, Fuzz(examples=6))
    changed = json.loads(json.dumps(fragment))
    changed["paths"]["/api/v1/getImportProgress"]["get"]["responses"]["418"] = {"description": "a teapot"}
    assert base != kept.key(changed, Fuzz())
    # A local module (Hypothesis may draw its constants): loading it, then changing it, changes the key.
    local = tmp_path / "local_constants_module.py"
    local.write_text("WORD = 'one'\n")
    module = type(os)("local_constants_module")
    module.__file__ = str(local)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "local_constants_module", module)
        loaded = kept.key(fragment, Fuzz())
        local.write_text("WORD = 'two, longer'\n")
        assert len({base, loaded, kept.key(fragment, Fuzz())}) == 3


def _corrupt(path: Path, how: str) -> None:
    document = json.loads(path.read_text(encoding="ascii"))
    if how == "not json":
        path.write_bytes(b"\x00\xff{not json")
    elif how == "another format":
        path.write_text(json.dumps({**document, "format": "something else"}))
    elif how == "another key":  # a file of other inputs, under this name
        path.write_text(json.dumps({**document, "key": "0" * 64}))
    elif how == "bad base64":
        document["batches"][0][0] = {"user_id": {"bytes": "%%%"}, "token": None}
        path.write_text(json.dumps(document))
    elif how == "unknown credential":
        document["batches"][0][0] = {"user_id": {"ref": "root.user_id"}, "token": None}
        path.write_text(json.dumps(document))
    elif how == "unknown operation":
        document["cases"][0]["operation"] = "GET /api/v1/me"
        path.write_text(json.dumps(document))
    elif how == "wrong types":
        document["cases"][0]["headers"] = [["X-User-Id", 7]]
        path.write_text(json.dumps(document))
    elif how == "deeply nested":
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif how == "too large":
        with path.open("r+b") as file:
            file.truncate(kept.MAX_BYTES + 1)  # sparse: the reader must stop at the cap, not read it all
    elif how == "a folder":
        path.unlink()
        path.mkdir()
    elif how == "a pipe":  # a reader that waited for a writer would hang the run
        path.unlink()
        os.mkfifo(path)
    else:
        raise AssertionError(how)


CORRUPTIONS = (
    "not json",
    "another format",
    "another key",
    "bad base64",
    "unknown credential",
    "unknown operation",
    "wrong types",
    "deeply nested",
    "too large",
    "a folder",
    "a pipe",
)


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_a_file_that_is_not_a_kept_draw_is_ignored_and_replaced(tmp_path: Path, how: str) -> None:
    fresh = requests_of(draw_all(Fuzz(), (), tmp_path))
    path = only_file(tmp_path)
    key = json.loads(path.read_text(encoding="ascii"))["key"]
    _corrupt(path, how)
    if how == "unknown operation":  # a well-formed file: the schema it is used with has no such operation
        assert kept.read(tmp_path, key) is not None
    else:
        assert kept.read(tmp_path, key) is None
    assert requests_of(draw_all(Fuzz(), (), tmp_path)) == fresh  # drawn again, the same
    if how != "a folder":  # a folder in the way stays; the draw is simply not kept
        assert kept.read(tmp_path, key) is not None


def test_a_folder_that_cannot_be_used_costs_only_the_draw(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    fresh = requests_of(draw_all(Fuzz()))
    assert requests_of(draw_all(Fuzz(), (), blocked / "cache")) == fresh
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o500)
    try:
        assert requests_of(draw_all(Fuzz(), (), read_only)) == fresh
        assert os.geteuid() == 0 or not list(read_only.iterdir())
    finally:
        read_only.chmod(0o700)


def test_the_folder_keeps_the_most_recently_used_files(tmp_path: Path) -> None:
    stored = kept.Stored([], [])
    for index in range(kept.KEEP + 3):
        kept.write(tmp_path, f"{index:032x}" + "0" * 32, stored)
        os.utime(tmp_path / f"drawn-{index:032x}.json", ns=(index * 10**9, index * 10**9))  # oldest first
    kept.write(tmp_path, f"{kept.KEEP + 3:032x}" + "0" * 32, stored)
    names = sorted(p.name for p in tmp_path.glob("drawn-*.json"))
    assert len(names) == kept.KEEP and f"drawn-{0:032x}.json" not in names
    assert not list(tmp_path.glob(".drawn-*"))  # no temporary file left behind


def test_the_user_folder_follows_xdg(tmp_path: Path) -> None:
    assert kept.user_folder({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "rocketchat-contract"
    assert kept.user_folder({"XDG_CACHE_HOME": "relative/path"}) == Path.home() / ".cache" / "rocketchat-contract"
    assert kept.user_folder({}) == Path.home() / ".cache" / "rocketchat-contract"


def _generated(result: Any) -> dict[str, Any]:
    """The generated clauses of a run's report, less what differs between any two runs (times, case ids)."""
    assert result.report is not None, result.text()
    clauses = {c["id"]: c for c in resolved(result.report)["clauses"] if c["id"] in GENERATED_CLAUSES}
    for clause in clauses.values():
        for exchange in clause["evidence"]:
            exchange["response"].pop("elapsed_ms", None)
            headers = exchange["request"]["headers"]
            exchange["request"]["headers"] = {k: v for k, v in headers.items() if k.lower() != CASE_ID}
    return clauses


@pytest.mark.parametrize("fault", [None, "success-wrong-content-type", "server-error-on-empty-token"])
def test_a_cached_run_sends_and_judges_what_an_uncached_one_does(
    pytester: pytest.Pytester,
    reference_server: ReferenceServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fault: str | None,
) -> None:
    """Uncached, cached, and uncached again in another folder: the same requests, answers, checks and verdicts,
    on a correct server and on servers whose answers schemathesis's checks or the Judge refuse."""
    faults = frozenset({fault} if fault else set())
    server = prepare(monkeypatch, reference_server, "8.8", Knobs(operation=OPERATION, faults=faults))
    generated = str(SUITE / "test_generated.py")

    def run(folder: Path) -> Any:
        monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
        return run_suite(pytester, generated, base_url=server.url)

    uncached = run(tmp_path / "one")
    only_file(tmp_path / "one" / "rocketchat-contract")
    with drawing_refused():
        cached = run(tmp_path / "one")
    again = run(tmp_path / "two")
    assert uncached.ret == cached.ret == again.ret == (1 if fault else 0), uncached.text()
    assert _generated(uncached) == _generated(cached) == _generated(again)


def test_a_process_parses_an_unchanged_file_once_and_a_rewritten_one_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draw_all(Fuzz(), (), tmp_path)
    key = kept.key(run_document(), Fuzz())
    first = kept.read(tmp_path, key)
    assert first is not None
    decoded: list[str] = []
    real = kept._decoded

    def counted(document: Any, drawn_key: str) -> kept.Stored | None:
        decoded.append(drawn_key)
        return real(document, drawn_key)

    monkeypatch.setattr(kept, "_decoded", counted)
    assert kept.read(tmp_path, key) is first and decoded == []  # a fleet worker's later targets
    path = only_file(tmp_path)
    path.write_bytes(path.read_bytes())  # the same bytes, written again: another file for all the process knows
    os.utime(path, ns=(1, 1))
    assert kept.read(tmp_path, key) == first and decoded == [key]


def test_a_kept_draw_is_read_without_importing_the_drawing_libraries(tmp_path: Path) -> None:
    """A cache hit costs neither Hypothesis's nor schemathesis's import before the set-up's requests go out (issue 28:
    the cache key once imported both for their versions, and the pairs' module Hypothesis)."""
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from rocketchat_contract.client.fuzz import Fuzz\n"
        "from rocketchat_contract.client.fuzz.wave import draw_all\n"
        f"drawn = draw_all(Fuzz(), (), Path({str(tmp_path)!r}))\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(drawn.kept is not None, sorted(loaded & {'hypothesis', 'schemathesis'}))\n"
    )
    outputs = []
    for _ in range(2):  # the first draws and keeps; the second, with the same modules loaded, reads
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout.strip())
    assert outputs == ["False ['hypothesis', 'schemathesis']", "True []"]
