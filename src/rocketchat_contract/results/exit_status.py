"""Every exit status the suite and its command give, in one table: pytest's own where the suite runs.

A run (pytest, and each target of ``fleet``) and ``fleet`` itself: 0 every clause conforms, is known drift or is not
verified; 1 a violation (or drift under ``--strict-docs``); 2 interrupted (Ctrl-C, SIGTERM); 4 a target cannot be
tested, or a bad option or input file (``fleet --merge``'s reports included: it is the fleet command).

An offline command (``diff``, ``verify``, ``rejudge``, ``propose-drift``, ``attest``): 0 passed, consistent (and
signed when asked), signed or nothing regressed; 1 a violation, a regression or a report that does not verify (or is
unsigned under ``--require-signature``); 2 a bad option or a file (report, key, attestation) it cannot read; 141
its output was closed before it finished.
"""

from __future__ import annotations

PASSED = 0
FAILED = 1
INTERRUPTED = 2
"""A run or a fleet stopped by Ctrl-C or SIGTERM (pytest's ``ExitCode.INTERRUPTED``)."""
BAD_INPUT = 2
"""An offline command given a bad option or a file it cannot read (argparse's usage status)."""
CANNOT_TEST = 4
"""A run or a fleet whose target cannot be tested, or given a bad option (pytest's ``ExitCode.USAGE_ERROR``)."""
OUTPUT_CLOSED = 141
"""An offline command whose standard output was closed before it finished (``… | head``): what a shell reports for
a command SIGPIPE ended. The fleet carries on without its terminal instead, and writes its reports."""
