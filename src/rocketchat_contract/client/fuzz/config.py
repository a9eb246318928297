"""How much to generate, from which seed, and which of schemathesis's checks apply to every release."""

from __future__ import annotations

from dataclasses import dataclass

SEED = 20_260_101
"""The fixed seed of the generated requests (--fuzz-seed replaces it; a failure prints the one used)."""
DEFAULT_EXAMPLES = 5
SCHEMATHESIS = "generated.schemathesis"
"""The clause judged by schemathesis's checks on the generated requests."""
HOSTILE = "generated.hostile-credentials"
"""The clause judged on the requests sent with hostile credentials."""


@dataclass(frozen=True)
class Fuzz:
    """Examples per kind of generated request and the seed they are drawn from (--fuzz-examples, --fuzz-seed)."""

    examples: int = DEFAULT_EXAMPLES
    seed: int = SEED

    def replay(self) -> str:
        return f"(generated with --fuzz-seed {self.seed} --fuzz-examples {self.examples}; pass both to replay this run)"


# The schemathesis checks, chosen to hold against every released server (the suite and schemathesis.toml).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "ignored_auth",
    "missing_required_header",
)
COVERED_BY_PROBES = {
    # ignored_auth re-sends a successful request without credentials and with each one broken, one request
    # after another; on Restivus-era servers that is three delays in a row. The suite sends the same
    # requests concurrently as its auth.missing and auth.invalid probes and the hostile credentials.
    "ignored_auth": "sent concurrently as the auth.missing/auth.invalid probes and the hostile credentials",
}
"""Checks schemathesis's CLI runs (schemathesis.toml) whose requests the suite sends as probes instead."""
EXCLUDED_CHECKS = {
    # Hono-era servers (7.4+) answer other methods with Hono's text 404, not 405 + Allow (Restivus).
    "unsupported_method": "Hono-era servers answer other methods 404 text/plain, not 405",
    "allow_header_conformance": "Hono answers OPTIONS 200 'OK' without Allow; Restivus answers 404",
    # Counts 403 as accepted and 400 as rejected: a fresh server's admin gets 400 operation-not-found.
    "positive_data_acceptance": "a privileged call on a server without an import answers 400 (documented drift)",
    # Only credentials vary; E1 ignores unknown query parameters, later eras answer 400 invalid-params.
    "negative_data_rejection": "no parameters besides the credentials; 3.x ignores unknown query parameters",
    "response_headers_conformance": "the fragment documents no response headers",
    "use_after_free": "stateful, not applicable to one GET",
    "ensure_resource_availability": "stateful, not applicable to one GET",
    "max_response_time": "Restivus delays every 401/403 by 0.5-1 s on purpose",
}
UNEXPECTED_METHODS = ("POST", "PUT", "PATCH", "DELETE")
"""Other methods sent with the privileged pair; each must be refused with a 4xx (a proxy may answer TRACE)."""
