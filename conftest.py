"""The repository's root conftest.

The contract plugin does not come from here: installing the project (``pip install -e .``) registers
``rocketchat_contract.plugin.hooks`` through the ``pytest11`` entry point, so every pytest session in the
environment has it; it stays inactive unless the session collects contract tests (``clause`` marker) or
is given one of its options. ``pytest -p no:rocketchat_contract`` disables it entirely.

What lives here is what only a top-level conftest may declare: ``pytester``, with which the self-tests
run the suite as users do. The self-tests' reference-server fixtures are registered in
selftests/conftest.py, so a contract run does not import the reference server.
"""

pytest_plugins = ["pytester"]
