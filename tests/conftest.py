"""The contract tests need the rocketchat-contract plugin (their fixtures, the run): with it turned off
(``-p no:rocketchat_contract``) each one skips, all with the same reason, instead of erroring on a missing fixture."""

import pytest

import rocketchat_contract.plugin.hooks

PLUGIN_OFF = (
    "the rocketchat-contract plugin is turned off (-p no:rocketchat_contract) and these contract tests need it: "
    "run without that option"
)


@pytest.fixture(autouse=True)
def _plugin_is_on(pytestconfig: pytest.Config) -> None:
    """Skip before the plugin's fixtures are looked up (autouse fixtures come first)."""
    if not pytestconfig.pluginmanager.is_registered(rocketchat_contract.plugin.hooks):
        pytest.skip(PLUGIN_OFF)
