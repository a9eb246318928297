"""Front-end pages told apart from Rocket.Chat's answers (frontend.py), on hand-made exchanges."""

from __future__ import annotations

import pytest

from rocketchat_contract.client.frontend import front_end_refusal, hostile_input, server_unavailable
from rocketchat_contract.client.http import Exchange
from rocketchat_contract.client.probes import INJECTION, NON_ASCII, OVERLONG
from rocketchat_contract.client.redact import Redactor
from rocketchat_contract.contract.catalogue import contract
from rocketchat_contract.contract.schemas import store
from rocketchat_contract.contract.versions import eras, parse_version
from rocketchat_contract.judge.judge import Judge
from rocketchat_contract.judge.verdicts import Verdict

NGINX_400 = (
    "<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n"
    "<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n"
    "<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
)
WAF_403 = "<html><head><title>403 Forbidden</title></head><body>Request blocked</body></html>"
GATEWAY_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
RC_401 = '{"success":false,"error":"You must be logged in to do this."}'
RC_400 = '{"success":false,"error":"Invalid params [error-invalid-params]"}'

USER = "rbAXPnMhAcPg3u3bP"
PLAIN = {"X-User-Id": USER, "X-Auth-Token": "N6x0C7T1m1aA9JzcTkY8nZkVx8N3rQxq4Jm2bY5p0oE"}
OVERLONG_HEADERS = {"X-User-Id": USER, "X-Auth-Token": "A" * OVERLONG}
INJECTION_HEADERS = {"X-User-Id": INJECTION[0], "X-Auth-Token": INJECTION[1]}


def answer(
    status: int | None,
    body: str,
    content_type: str = "text/html",
    headers: dict[str, str | bytes] | None = None,
    probe: str = "probe",
    attempts: int = 1,
    error: str | None = None,
) -> Exchange:
    return Exchange(
        probe=probe,
        method="GET",
        path="/chat/api/v1/getImportProgress",
        request_headers=dict(headers or {}),
        status=status,
        response_headers={"Content-Type": content_type} if content_type else {},
        body_text=body,
        url="https://chat.example/chat/api/v1/getImportProgress",
        attempts=attempts,
        error=error,
    )


def test_nginx_header_page_on_the_overlong_probe_is_the_front_end() -> None:
    reason = front_end_refusal(answer(400, NGINX_400, headers=OVERLONG_HEADERS), "overlong-token")
    assert reason is not None
    assert reason.startswith("a front end answered 400 text/html")
    assert "Request Header Or Cookie Too Large" in reason
    assert "before Rocket.Chat saw the request" in reason
    assert "test Rocket.Chat directly or raise the proxy's header limit" in reason


def test_waf_page_on_injection_like_values_names_the_firewall_remedy() -> None:
    reason = front_end_refusal(answer(403, WAF_403, headers=INJECTION_HEADERS), "injection-values")
    assert reason is not None and "403 text/html" in reason and "firewall" in reason


@pytest.mark.parametrize("status", [400, 403, 413, 414, 431, 494, 502, 503, 504])
def test_every_front_end_status_is_recognised_on_hostile_input(status: int) -> None:
    assert front_end_refusal(answer(status, "refused", "text/plain", OVERLONG_HEADERS), "hostile") is not None


def test_an_empty_refusal_without_content_type_is_a_front_end_page() -> None:
    assert front_end_refusal(answer(400, "", "", {"X-Auth-Token": NON_ASCII}), "non-ascii-token") is not None


@pytest.mark.parametrize("status", [400, 403, 502])
def test_rocket_chat_json_with_a_wrong_status_is_judged_as_usual(status: int) -> None:
    body = RC_400 if status == 400 else RC_401
    assert front_end_refusal(answer(status, body, "application/json", OVERLONG_HEADERS), "overlong-token") is None


@pytest.mark.parametrize("probe", ["privileged", "under-privileged", "wrong-token", "no-headers"])
def test_a_front_end_page_on_a_plain_probe_stays_rocket_chats_problem(probe: str) -> None:
    assert front_end_refusal(answer(403, WAF_403, headers=PLAIN), probe) is None
    assert front_end_refusal(answer(400, NGINX_400, headers=PLAIN), probe) is None


def test_statuses_front_ends_do_not_use_for_refusals_are_not_excused() -> None:
    for status in (401, 404, 405, 500):
        assert front_end_refusal(answer(status, "nope", "text/plain", OVERLONG_HEADERS), "overlong-token") is None


def test_generated_hostile_requests_are_recognised_by_their_headers() -> None:
    exchange = answer(400, NGINX_400, headers={"X-User-Id": USER, "X-Auth-Token": "B" * 5000})
    assert front_end_refusal(exchange, "hostile X-User-Id=<privileged.user_id>, X-Auth-Token='BBBB…'") is not None
    ordinary = answer(400, NGINX_400, headers={"X-User-Id": "someone", "X-Auth-Token": "abcdefghijklmnopq"})
    assert front_end_refusal(ordinary, "hostile X-User-Id='someone'") is None


@pytest.mark.parametrize(
    ("headers", "needle"),
    [
        ({"X-Auth-Token": "A" * OVERLONG}, "of 8192 bytes"),
        ({"X-Auth-Token": NON_ASCII}, "non-ASCII"),
        ({"X-Auth-Token": " \t  "}, "blank"),
        ({"X-Auth-Token": ""}, "blank"),
        ({"X-User-Id": '{"$ne": null}'}, "injection-like"),
        ({"X-User-Id": "../../etc/passwd"}, "injection-like"),
    ],
)
def test_hostile_input_says_what_is_hostile(headers: dict[str, str | bytes], needle: str) -> None:
    found = hostile_input(headers)
    assert found is not None and needle in found


def test_ordinary_credentials_are_not_hostile() -> None:
    assert hostile_input(PLAIN) is None
    assert hostile_input({}) is None


def test_a_persisting_gateway_page_on_hostile_input_says_it_was_retried() -> None:
    reason = front_end_refusal(answer(502, GATEWAY_502, headers=OVERLONG_HEADERS, attempts=5), "overlong-token")
    assert reason is not None and "in place of Rocket.Chat" in reason and "5 tries" in reason


def test_server_unavailable_names_the_url_status_and_tries() -> None:
    down = answer(503, "<title>503 Service Temporarily Unavailable</title>", probe="privileged", attempts=5)
    message = server_unavailable([answer(200, "{}", "application/json", probe="no-headers"), down])
    assert message is not None
    assert message.startswith("server unavailable: GET https://chat.example/chat/api/v1/getImportProgress")
    assert "503 text/html" in message and "5 tries" in message


def test_server_unavailable_ignores_hostile_input_and_rocket_chat_json() -> None:
    hostile = answer(502, GATEWAY_502, headers=OVERLONG_HEADERS, probe="overlong-token", attempts=5)
    json_503 = answer(503, '{"success":false}', "application/json", probe="wrong-token")
    assert server_unavailable([hostile, json_503]) is None


def test_a_plain_probe_without_any_answer_makes_the_server_unavailable() -> None:
    gone = answer(None, "", "", probe="wrong-token", error="the connection was closed or reset without an answer")
    message = server_unavailable([gone])
    assert message is not None and "failed: the connection was closed" in message


# -- through the Judge ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge(contract(), store(), eras(), eras().place(parse_version("8.8.1")), Redactor())


def test_judge_leaves_a_refused_hostile_probe_unverified(judge: Judge) -> None:
    page = answer(400, NGINX_400, headers=OVERLONG_HEADERS, probe="overlong-token")
    judged = judge.judge("auth.invalid", {"overlong-token": page}, "overlong-token")
    assert judged.verdict is Verdict.NOT_VERIFIED and judged.detail.startswith("a front end answered 400")


def test_judge_still_fails_a_front_end_page_on_the_valid_credentials(judge: Judge) -> None:
    page = answer(403, WAF_403, headers=PLAIN, probe="privileged")
    assert judge.judge("success.response", {"privileged": page}, "privileged").verdict is Verdict.VIOLATION


def test_judge_still_fails_rocket_chat_json_with_a_wrong_status_on_hostile_input(judge: Judge) -> None:
    wrong = answer(400, RC_400, "application/json", OVERLONG_HEADERS, probe="overlong-token")
    assert judge.judge("auth.invalid", {"overlong-token": wrong}, "overlong-token").verdict is Verdict.VIOLATION


def test_errors_json_does_not_count_front_end_pages(judge: Judge) -> None:
    observations = {
        "overlong-token": answer(400, NGINX_400, headers=OVERLONG_HEADERS, probe="overlong-token"),
        "injection-values": answer(403, WAF_403, headers=INJECTION_HEADERS, probe="injection-values"),
        "wrong-token": answer(401, RC_401, "application/json", PLAIN, probe="wrong-token"),
    }
    judged = judge.judge("errors.json", observations)
    assert judged.verdict is Verdict.CONFORMS and judged.detail.startswith("1 error responses")
    observations["no-headers"] = answer(401, "You must be logged in", "text/plain", probe="no-headers")
    assert judge.judge("errors.json", observations).verdict is Verdict.VIOLATION


def test_generated_hostile_requests_refused_by_a_front_end_are_not_violations(judge: Judge) -> None:
    refused = answer(400, NGINX_400, headers=OVERLONG_HEADERS, probe="hostile X-Auth-Token='AAAA…'")
    refused_502 = answer(502, GATEWAY_502, headers=INJECTION_HEADERS, probe="hostile X-User-Id='{\"$ne\"…'")
    judged = judge.judge("generated.hostile-credentials", {"0": refused, "1": refused_502})
    assert judged.verdict is not Verdict.VIOLATION, judged.detail
