"""Checks of clauses that are not one documented status and body: across probes, and of generated requests.

Importing the package registers every check, so ``REGISTRY`` is complete for whoever reads it.
"""

from rocketchat_contract.judge.checks import cross_probe, fuzz
from rocketchat_contract.judge.checks.registry import REGISTRY, Check

__all__ = ["REGISTRY", "Check", "cross_probe", "fuzz"]
