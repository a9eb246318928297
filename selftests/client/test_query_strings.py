"""The suite never sends a query string to getImportProgress.

The route's query schema admits no property (additionalProperties: false), so any parameter, even a
cache-buster, gets 400 invalid-params or error-invalid-params instead of the answer a probe is about. The
reference server logs each request's raw query string; after a whole run (probes, generated and hostile
requests) every request to the endpoint must have none.
"""

from __future__ import annotations

import pytest
from suite_runner import prepare, run_suite

from rocketchat_contract.client.probes import ENDPOINT
from rocketchat_contract.reference import ReferenceServer

MIN_REQUESTS = 40
"""The probes alone are about 15 requests; generated and hostile ones bring a run far past this."""


@pytest.mark.parametrize("profile", ["8.8", "9.0", "5.4"])
def test_no_request_to_the_endpoint_carries_a_query_string(
    pytester: pytest.Pytester, reference_server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    prepare(monkeypatch, reference_server, profile)
    result = run_suite(pytester, base_url=reference_server.url)
    assert result.ret == 0, result.text()
    sent = [r for r in reference_server.requests if r.path.rstrip("/") == ENDPOINT]
    assert len(sent) >= MIN_REQUESTS, f"only {len(sent)} requests reached {ENDPOINT}"
    with_query = [f"{r.method} {r.path}?{r.query}" for r in sent if r.query]
    assert with_query == [], f"requests with a query string: {with_query[:5]}"
