"""Compliance reports (JSON, Markdown, self-contained HTML) built from one run's ledger: ``write`` writes them,
``load`` reads them back. The package itself imports nothing, so reading a report never loads the HTTP client."""
