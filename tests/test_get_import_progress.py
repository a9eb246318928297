"""The contract of GET /api/v1/getImportProgress, one test per clause (and per probe where a clause has several).

Each test names its clause once, in its ``clause`` marker; its docstring is the clause's title in
contracts/clauses.yaml. The run sends every probe once, judges every clause once, and each test ends as its
verdict says: pass (conforms), xfail (known drift), skip (not verified) or fail (violation).
"""

import pytest


@pytest.mark.clause("success.response")
def test_privileged_user_gets_progress(contract_check, probe):
    """A user with run-import gets 200 and the progress object"""
    contract_check.check()


@pytest.mark.clause("success.content-type")
def test_progress_is_json(contract_check):
    """The progress object is served as JSON"""
    contract_check.check()


@pytest.mark.clause("success.step")
def test_step_is_a_progress_step_of_the_release(contract_check):
    """step is one of the ProgressStep values of the server's release"""
    contract_check.check()


@pytest.mark.clause("success.counts")
def test_counts_are_consistent(contract_check):
    """count.completed and count.total are consistent (0 <= completed <= total)"""
    contract_check.check()


@pytest.mark.clause("auth.missing")
def test_missing_credentials_are_refused(contract_check, probe):
    """A request without both credential headers is refused with the Authorization error"""
    contract_check.check()


@pytest.mark.clause("auth.invalid")
def test_invalid_credentials_are_refused(contract_check, probe):
    """Invalid, foreign, revoked or malformed credentials are refused with the Authorization error"""
    contract_check.check()


@pytest.mark.clause("permission.run-import")
def test_user_without_run_import_is_refused(contract_check, probe):
    """A user without run-import is refused with the No Permission error"""
    contract_check.check()


@pytest.mark.clause("errors.no-leak")
def test_errors_leak_no_progress(contract_check):
    """No error response carries progress data"""
    contract_check.check()


@pytest.mark.clause("errors.json")
def test_errors_are_json(contract_check):
    """Every error response of the endpoint is JSON"""
    contract_check.check()


@pytest.mark.clause("robustness.no-server-error")
def test_no_server_errors(contract_check):
    """No request the suite sends gets a 5xx"""
    contract_check.check()


@pytest.mark.clause("method.get-only")
def test_only_get_is_served(contract_check):
    """An unsupported method (POST) is refused with a 4xx"""
    contract_check.check()


@pytest.mark.clause("endpoint.exists")
def test_endpoint_exists_from_3_0(contract_check):
    """The endpoint exists from 3.0.0 on, and not before"""
    contract_check.check()
