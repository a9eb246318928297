"""The reference server's hostile answers: an oversized 200 streamed as it is made, and answers that drip.

They are what the client's bounds are tested against (selftests/client/test_bounds.py); here, that the server
sends what it says: valid JSON of the size asked for, and the very answer it would send at once, byte by byte.
The drip is no fault of the mutation catalogue: a run that cannot finish a request stops as "cannot be tested"
(exit 4) rather than failing a clause, so it is pinned here and in selftests/suite/test_hostile_servers.py.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

from rocketchat_contract.reference import FAULTS, Knobs, Operation, ReferenceServer

OPERATION = Operation.parse("csv:importer_done:10/10")
PROGRESS = "/api/v1/getImportProgress"
MiB = 1024 * 1024


def _admin(server: ReferenceServer) -> dict[str, str]:
    admin = server.accounts["admin"]
    return {"X-User-Id": admin.user_id, "X-Auth-Token": admin.token}


def test_the_oversized_body_is_a_fault_of_the_success_clause() -> None:
    fault = FAULTS["hostile-oversized-body"]
    assert (fault.clause, fault.switch) == ("success.response", "hostile-oversized-body")


def test_the_oversized_body_is_valid_json_of_the_size_asked_for(reference_server: ReferenceServer) -> None:
    reference_server.reset(knobs=Knobs(operation=OPERATION))
    plain = requests.get(reference_server.url + PROGRESS, headers=_admin(reference_server), timeout=10)
    size = 3 * 64 * 1024 + 17
    faults = frozenset({"hostile-oversized-body"})
    reference_server.reset(knobs=Knobs(operation=OPERATION, faults=faults, hostile_body_size=size))
    padded = requests.get(reference_server.url + PROGRESS, headers=_admin(reference_server), timeout=10)
    assert padded.status_code == 200 and padded.headers["Content-Type"] == plain.headers["Content-Type"]
    assert len(padded.content) == size == int(padded.headers["Content-Length"])
    assert json.loads(padded.content) == plain.json(), "read whole, it is the documented body"


def test_the_default_oversized_body_is_500_mib_sent_as_it_is_made(reference_server: ReferenceServer) -> None:
    reference_server.reset(knobs=Knobs(operation=OPERATION, faults=frozenset({"hostile-oversized-body"})))
    with requests.get(reference_server.url + PROGRESS, headers=_admin(reference_server), stream=True, timeout=10) as r:
        assert int(r.headers["Content-Length"]) == 500 * MiB
        first = r.raw.read(MiB)
    assert first.startswith(b'{"key":"csv"') and first.endswith(b" " * 1024)


def test_other_answers_are_left_alone(reference_server: ReferenceServer) -> None:
    reference_server.reset(knobs=Knobs(operation=OPERATION, faults=frozenset({"hostile-oversized-body"})))
    refused = requests.get(reference_server.url + PROGRESS, timeout=10)
    assert refused.status_code == 401 and len(refused.content) < 1024


def _raw_get(server: ReferenceServer, path: str, headers: dict[str, str]) -> list[bytes]:
    """Send a GET on a plain socket and return what each read got, up to the end of the answer."""
    parts = urlsplit(server.url)
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        sock.sendall(("\r\n".join([*lines, "", ""])).encode())
        reads = []
        while chunk := sock.recv(65536):
            reads.append(chunk)
    return reads


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_dripped_answer_is_the_answer_byte_by_byte(reference_server: ReferenceServer, part: str) -> None:
    reference_server.reset(knobs=Knobs(operation=OPERATION))
    plain = requests.get(reference_server.url + PROGRESS, headers=_admin(reference_server), timeout=10)
    reference_server.reset(knobs=Knobs(operation=OPERATION, hostile_drip=0.002, hostile_drip_part=part))
    reads = _raw_get(reference_server, PROGRESS, _admin(reference_server))
    whole = b"".join(reads)
    head, _, body = whole.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and f"Content-Length: {len(body)}".encode() in head
    assert json.loads(body) == plain.json()
    dripped = head if part == "headers" else body
    assert len(reads) > len(dripped) // 2, f"{len(dripped)} bytes of {part} arrived in {len(reads)} reads"


def test_the_drip_is_the_endpoints_only(reference_server: ReferenceServer) -> None:
    reference_server.reset(knobs=Knobs(operation=OPERATION, hostile_drip=30.0))
    info = requests.get(reference_server.url + "/api/info", timeout=5)
    assert info.status_code == 200 and info.json()["success"] is True


def test_an_unknown_drip_part_is_refused(reference_server: ReferenceServer) -> None:
    with pytest.raises(ValueError, match="hostile_drip_part 'status'"):
        reference_server.reset(knobs=Knobs(hostile_drip=1.0, hostile_drip_part="status"))
