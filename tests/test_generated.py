"""Generated requests: schemathesis cases drawn from the OpenAPI fragment, and Hypothesis-drawn hostile credentials.

The run sends them in the same concurrent wave as the probes, whichever tests are selected, and judges every
answer by the Judge and the drift registry for the detected version. Their number is bounded
(--fuzz-examples, default 5) and the seed fixed (--fuzz-seed); a failure prints both.
"""

import pytest

pytestmark = pytest.mark.generated


@pytest.mark.clause("generated.schemathesis")
def test_schemathesis_answers_conform(contract_check):
    """Every answer to a schemathesis-generated request is one the contract accepts for the server's version"""
    contract_check.check()


@pytest.mark.clause("generated.hostile-credentials")
def test_hostile_credentials_are_refused(contract_check):
    """Hostile credential headers are refused with 401 and the version's 401 body"""
    contract_check.check()
