"""Self-tests do not depend on the caller's environment: credentials, a base URL or a CA bundle exported in the
shell that runs them change nothing (selftests/conftest.py clears them), while a self-test still sets its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SELFTESTS = Path(__file__).resolve().parents[1]
CALLER = {
    "RC_ADMIN_USERNAME": "someone",
    "RC_ADMIN_PASSWORD": "their-password",
    "RC_USER_ID": "their-id",
    "RC_USER_TOKEN": "their-token",
    "PYTEST_BASE_URL": "http://127.0.0.1:1",
    "RC_CA_BUNDLE": "/nonexistent/ca.pem",
    "REQUESTS_CA_BUNDLE": "/nonexistent/requests.pem",
    "CURL_CA_BUNDLE": "/nonexistent/curl.pem",
    "SSL_CERT_FILE": "/nonexistent/ssl.pem",
}
SAMPLES = [
    "plugin/test_bad_input.py::test_missing_report_folder_is_created_and_noted",  # sets nothing
    "plugin/test_bad_input.py::test_bad_input_gets_one_line[half-a-pair]",  # sets RC_ADMIN_USER_ID on purpose
    "plugin/test_bad_input.py::test_bad_input_gets_one_line[env-ca-bundle]",  # sets RC_CA_BUNDLE on purpose
]


def test_self_tests_pass_whatever_the_caller_exported(tmp_path: Path) -> None:
    env = {**os.environ, **CALLER}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *SAMPLES],
        cwd=SELFTESTS,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(SAMPLES)} passed" in result.stdout, result.stdout
