"""Generated requests: schemathesis cases from the OpenAPI fragment and Hypothesis-drawn hostile credentials.

Light on import: the heavy parts (``cases.py`` imports schemathesis, ``hostile.py`` Hypothesis) load while
the run's set-up waits for the server (``wave.py``).
"""

from rocketchat_contract.client.fuzz.config import CHECKS, DEFAULT_EXAMPLES, EXCLUDED_CHECKS, SEED, Fuzz

__all__ = ["CHECKS", "DEFAULT_EXAMPLES", "EXCLUDED_CHECKS", "SEED", "Fuzz"]
