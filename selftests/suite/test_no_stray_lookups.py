"""A run talks to its target and nothing else: no name is looked up but the target's.

The schemas name each other by ``$id`` (``https://rocketchat-contract.example/schemas/...``); a fragment handed to
schemathesis with references to them made every run look that name up and fetch the schemas from it (three
lookups a run, to a name nobody serves, or through whatever proxy the environment names).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from suite_runner import SUITE

from rocketchat_contract.contract.fragment import run_document

RECORDER = '''
import json, os, sys
_out = os.environ["LOOKUPS_FILE"]
def _hook(event, args):
    if event == "socket.getaddrinfo" and str(args[0]) not in ("127.0.0.1", "localhost", "::1"):
        with open(_out, "a") as stream:
            stream.write(json.dumps(str(args[0])) + "\\n")
sys.addaudithook(_hook)
'''


def test_the_fragment_a_run_loads_refers_to_nothing_outside_itself() -> None:
    text = json.dumps(run_document())
    assert '"$ref"' not in text and "rocketchat-contract.example" not in text


def test_a_run_looks_up_no_name_but_its_target(tmp_path: Path) -> None:
    """The embedded run (its server on 127.0.0.1), every probe and generated request judged: no other name."""
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(RECORDER, encoding="utf-8")
    lookups = tmp_path / "lookups.txt"
    lookups.touch()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path / "hook"), os.environ.get("PYTHONPATH", "")]),
        "LOOKUPS_FILE": str(lookups),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE), "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "verdicts" in done.stdout  # the run happened, with its generated requests judged
    assert lookups.read_text(encoding="utf-8") == ""
