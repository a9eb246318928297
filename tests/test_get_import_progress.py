"""The contract of GET /api/v1/getImportProgress, one test per clause and probe.

Each test judges its clause on what the run observed (contracts/clauses.yaml says which probes) and
ends as the verdict says: pass (conforms), xfail (known drift), skip (not verified) or fail (violation).
"""

import pytest


@pytest.mark.clause("success.response")
def test_privileged_user_gets_progress(contract_check, probe):
    contract_check.check("success.response", probe)


def test_progress_is_json(contract_check):
    contract_check.check("success.content-type")


def test_step_is_a_progress_step_of_the_release(contract_check):
    contract_check.check("success.step")


def test_counts_are_consistent(contract_check):
    contract_check.check("success.counts")


@pytest.mark.clause("auth.missing")
def test_missing_credentials_are_refused(contract_check, probe):
    contract_check.check("auth.missing", probe)


@pytest.mark.clause("auth.invalid")
def test_invalid_credentials_are_refused(contract_check, probe):
    contract_check.check("auth.invalid", probe)


@pytest.mark.clause("permission.run-import")
def test_user_without_run_import_is_refused(contract_check, probe):
    contract_check.check("permission.run-import", probe)


def test_errors_leak_no_progress(contract_check):
    contract_check.check("errors.no-leak")


def test_errors_are_json(contract_check):
    contract_check.check("errors.json")


def test_no_server_errors(contract_check):
    contract_check.check("robustness.no-server-error")


def test_only_get_is_served(contract_check):
    contract_check.check("method.get-only")


def test_endpoint_exists_from_3_0(contract_check):
    contract_check.check("endpoint.exists")
