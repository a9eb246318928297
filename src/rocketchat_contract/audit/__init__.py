"""Audits of a written report: judging it again offline, verifying it, drafting drift entries from it."""
