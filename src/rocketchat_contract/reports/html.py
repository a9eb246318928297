"""The HTML report: one self-contained page (inline CSS, no script, nothing fetched) a customer can open."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from rocketchat_contract.judge.verdicts import ORDER, verdict_of
from rocketchat_contract.reports.markdown import VERDICTS, first_line, label, when
from rocketchat_contract.reports.outcome import outcome

TABLE_DETAIL = 260
_NO_EVIDENCE = "No exchange is kept as evidence for this verdict (it rests on the absence of a problem)."

_CSS = """
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --paper: #ffffff; --wash: #f6f8fa; --accent: #1d3f72;
  --ok-bg: #dafbe1; --ok-fg: #116329; --ok-edge: #4ac26b;
  --drift-bg: #fff1c2; --drift-fg: #7a4d00; --drift-edge: #d4a72c;
  --bad-bg: #ffebe9; --bad-fg: #a40e26; --bad-edge: #e5534b;
  --nv-bg: #eaeef2; --nv-fg: #424a53; --nv-edge: #9198a1; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--wash); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.outcome { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; padding: 14px 40px;
  font-size: 17px; border-bottom: 4px solid; }
.outcome strong { font-size: 22px; letter-spacing: .04em; }
.outcome .where { font-size: 14px; overflow-wrap: anywhere; }
.outcome a { color: inherit; }
.o-pass { background: var(--ok-bg); color: var(--ok-fg); border-color: var(--ok-edge); }
.o-fail { background: var(--bad-bg); color: var(--bad-fg); border-color: var(--bad-edge); }
.o-not-tested { background: var(--nv-bg); color: var(--nv-fg); border-color: var(--nv-edge); }
header.top { background: var(--accent); color: #fff; padding: 28px 40px 24px; }
header.top .eyebrow {
  margin: 0; font-size: 12px; letter-spacing: .08em; text-transform: uppercase; opacity: .8; }
header.top h1 { margin: 4px 0 18px; font-size: 26px; font-weight: 600; }
header.top h1 code { font-size: 24px; }
header.top .target { margin: 0 0 16px; font-size: 16px; overflow-wrap: anywhere; }
header.top .target span {
  font-size: 11px; text-transform: uppercase; letter-spacing: .06em; opacity: .75; margin-right: 6px; }
dl.meta {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px 28px; margin: 0;
  border-top: 1px solid rgba(255, 255, 255, .25); padding-top: 14px; }
dl.meta div { min-width: 0; }
dl.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; opacity: .75; }
dl.meta dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 40px 40px; }
section { margin-bottom: 28px; }
h2 { font-size: 18px; margin: 0 0 10px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; }
.tile {
  background: var(--paper); border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px;
  padding: 10px 14px; }
.tile .n { font-size: 26px; font-weight: 700; line-height: 1.2; }
.tile .what { font-size: 13px; color: var(--muted); }
.tile.v-conforms { border-left-color: var(--ok-edge); }
.tile.v-known-drift { border-left-color: var(--drift-edge); }
.tile.v-violation { border-left-color: var(--bad-edge); }
.tile.v-not-verified { border-left-color: var(--nv-edge); }
.notes { background: #ddf4ff; border: 1px solid #54aeff; border-radius: 6px; padding: 10px 16px; }
.notes ul { margin: 4px 0 0; padding-left: 20px; }
table {
  width: 100%; border-collapse: collapse; background: var(--paper); border: 1px solid var(--line);
  border-radius: 6px; }
th, td { text-align: left; vertical-align: top; padding: 8px 12px; border-bottom: 1px solid var(--line); }
th {
  background: #eef1f4; font-size: 12px; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); }
td.clause { width: 32%; }
td.clause a { color: var(--accent); text-decoration: none; font-weight: 600; }
td.clause .title { color: var(--muted); font-size: 13px; }
td.detail { font-size: 14px; overflow-wrap: anywhere; }
td.verdict { width: 140px; font-weight: 700; white-space: nowrap; }
.v-conforms.verdict, .badge.v-conforms { background: var(--ok-bg); color: var(--ok-fg); }
.v-known-drift.verdict, .badge.v-known-drift { background: var(--drift-bg); color: var(--drift-fg); }
.v-violation.verdict, .badge.v-violation { background: var(--bad-bg); color: var(--bad-fg); }
.v-not-verified.verdict, .badge.v-not-verified { background: var(--nv-bg); color: var(--nv-fg); }
.mark { display: inline-block; width: 1.2em; text-align: center; }
.badge {
  display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700;
  white-space: nowrap; }
dl.legend {
  display: grid; grid-template-columns: 150px 1fr; gap: 6px 14px; margin: 0; background: var(--paper);
  border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
dl.legend dt { margin: 0; }
dl.legend dd { margin: 0; }
details { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; margin-bottom: 8px; }
details > summary { cursor: pointer; padding: 9px 14px; list-style-position: inside; }
details > summary .title { color: var(--muted); margin-left: 6px; }
details[open] > summary { border-bottom: 1px solid var(--line); }
details .body { padding: 6px 16px 14px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
.statement { border-left: 3px solid var(--line); margin: 10px 0; padding: 2px 12px; color: var(--muted); }
.drift {
  background: var(--drift-bg); border: 1px solid var(--drift-edge); border-radius: 6px; padding: 8px 14px; }
.drift dl { display: grid; grid-template-columns: 130px 1fr; gap: 2px 12px; margin: 0; }
.drift dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin: 0;
  font-size: 12.5px; line-height: 1.45; white-space: pre-wrap; overflow-wrap: anywhere; }
.exchange { margin-top: 12px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.pair h4 {
  margin: 0 0 4px; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
table.probes td, table.probes th { padding: 5px 10px; font-size: 13px; }
table.probes td:first-child, table.probes td:nth-child(2) { white-space: nowrap; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 40px 30px; }
@media print {
  body { background: #fff; }
  .outcome { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; padding: 14px 40px;
  font-size: 17px; border-bottom: 4px solid; }
.outcome strong { font-size: 22px; letter-spacing: .04em; }
.outcome .where { font-size: 14px; overflow-wrap: anywhere; }
.outcome a { color: inherit; }
.o-pass { background: var(--ok-bg); color: var(--ok-fg); border-color: var(--ok-edge); }
.o-fail { background: var(--bad-bg); color: var(--bad-fg); border-color: var(--bad-edge); }
.o-not-tested { background: var(--nv-bg); color: var(--nv-fg); border-color: var(--nv-edge); }
header.top { background: #fff; color: var(--ink); border-bottom: 3px solid var(--accent); }
  details { break-inside: avoid; }
}
@media (max-width: 800px) {
  .tiles, .pair { grid-template-columns: 1fr 1fr; }
  main, header.top { padding-left: 16px; padding-right: 16px; }
}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def _anchor(clause_id: str) -> str:
    return "clause-" + "".join(c if c.isalnum() or c in "-._" else "_" for c in clause_id)


def _mark(verdict: str) -> str:
    known = verdict_of(verdict)
    return known.mark if known else "?"


def _verdict_class(verdict: str) -> str:
    return f"v-{verdict}" if verdict in VERDICTS else "v-not-verified"


def _badge(verdict: str) -> str:
    mark = _mark(verdict)
    return f'<span class="badge {_verdict_class(verdict)}">{mark} {_e(label(verdict))}</span>'


def _header(report: dict[str, Any]) -> str:
    version = report.get("server_version") or "unknown"
    judged = report.get("judged_as") or version
    meta = [
        ("Rocket.Chat version", version if judged == version else f"{version} (judged as {judged})"),
        ("Release era", report.get("era") or "unknown"),
        ("Run started", when(report["started_at"])),
        ("Strict docs", "yes (known drift fails)" if report["strict_docs"] else "no"),
        ("Suite", f"rocketchat-contract {report['suite_version']}"),
    ]
    items = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in meta)
    return (
        '<header class="top"><p class="eyebrow">Rocket.Chat API compliance report</p>'
        "<h1><code>GET /api/v1/getImportProgress</code></h1>"
        f'<p class="target"><span>Target</span> {_e(report["target"])}</p>'
        f'<dl class="meta">{items}</dl></header>'
    )


def _banner(report: dict[str, Any]) -> str:
    """The outcome first: PASS, FAIL or NOT TESTED and why, the clauses that fail, the target (with its version
    once placed) and the date."""
    result = outcome(report)
    failing = ", ".join(f'<a href="#{_anchor(c)}"><code>{_e(c)}</code></a>' for c in result.clauses)
    return (
        f'<div class="outcome o-{result.key}" role="status"><strong>{_e(result.mark)} {_e(result.label)}</strong> '
        f"<span>{_e(result.reason)}{': ' + failing if failing else ''}</span>"
        f'<span class="where">{_e(report["target"])} · {_e(when(report["started_at"]))}</span></div>'
    )


def _tiles(summary: dict[str, int]) -> str:
    tiles = "".join(
        f'<div class="tile {_verdict_class(v)}"><div class="n">{int(summary.get(v, 0))}</div>'
        f'<div class="what">{_mark(v)} {_e(label(v))}</div></div>'
        for v in VERDICTS
    )
    return f'<section aria-label="Summary"><div class="tiles">{tiles}</div></section>'


def _notes(notes: list[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in notes)
    return f'<section><div class="notes"><strong>Notes on this run</strong><ul>{items}</ul></div></section>'


def _table(clauses: list[dict[str, Any]]) -> str:
    rows = []
    for clause in clauses:
        verdict = clause["verdict"]
        rows.append(
            "<tr>"
            f'<td class="clause"><a href="#{_anchor(clause["id"])}"><code>{_e(clause["id"])}</code></a>'
            f'<div class="title">{_e(clause["title"])}</div></td>'
            f'<td class="verdict {_verdict_class(verdict)}">'
            f'<span class="mark">{_mark(verdict)}</span> {_e(label(verdict))}</td>'
            f'<td class="detail">{_e(first_line(clause["detail"], TABLE_DETAIL))}</td>'
            "</tr>"
        )
    return (
        '<section><h2>Clauses</h2><table class="clauses"><thead><tr><th>Clause</th><th>Verdict</th>'
        f"<th>Detail</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _legend() -> str:
    items = "".join(f"<dt>{_badge(v.value)}</dt><dd>{_e(v.legend)}</dd>" for v in ORDER)
    return f'<section><h2>Legend</h2><dl class="legend">{items}</dl></section>'


def _drift(drift: dict[str, Any] | None) -> str:
    if not drift:
        return ""
    instead = drift["instead"]
    rows = [
        ("Drift entry", f"{drift['id']} (Rocket.Chat {drift['versions']})"),
        ("Sends instead", f"{instead['status']} with a body matching {instead['schema']}"),
        ("Why", drift["summary"]),
        ("Source", drift["source"]),
    ]
    if drift.get("uncertain"):
        rows.append(("Uncertain", drift["uncertain"]))
    if drift.get("origin"):
        rows.append(("Local entry", f"from {drift['origin']} (--extra-drift), not the shipped registry"))
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f'<h3>Known behaviour of this version</h3><div class="drift"><dl>{items}</dl></div>'


def _probes(probes: list[dict[str, Any]]) -> str:
    if len(probes) < 2:
        return ""
    rows = "".join(
        f"<tr><td><code>{_e(p['probe'])}</code></td><td>{_badge(p['verdict'])}</td>"
        f"<td>{_e(first_line(p['detail'], TABLE_DETAIL))}</td></tr>"
        for p in probes
    )
    return (
        '<h3>Per request</h3><table class="probes"><thead>'
        f"<tr><th>Probe</th><th>Verdict</th><th>Detail</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _exchange(exchange: dict[str, Any]) -> str:
    request = exchange["request"]
    response = exchange.get("response")
    outcome = f"{response['status']} in {response['elapsed_ms']} ms" if response else "no response"
    answer = _pretty(response) if response else exchange.get("error", "no response")
    return (
        f'<div class="exchange"><h3><code>{_e(exchange["probe"])}</code>: '
        f"{_e(request['method'])} {_e(request['path'])} → {_e(outcome)}</h3>"
        f'<div class="pair"><div><h4>Request</h4><pre>{_e(_pretty(request))}</pre></div>'
        f"<div><h4>Response</h4><pre>{_e(answer)}</pre></div></div></div>"
    )


def clause_evidence(clause: dict[str, Any], anchor: str) -> str:
    """One clause of a report as a ``<details>`` block with id ``anchor``: its statement, why the verdict,
    the drift entry, the verdict per request and the masked exchanges (the fleet page shows the same)."""
    exchanges = clause["evidence"]
    count = f"{len(exchanges)} exchange{'s' if len(exchanges) != 1 else ''}"
    recorded = "".join(_exchange(x) for x in exchanges) or f"<p>{_NO_EVIDENCE}</p>"
    return (
        f'<details id="{_e(anchor)}"><summary><code>{_e(clause["id"])}</code> '
        f'{_badge(clause["verdict"])}<span class="title">{_e(clause["title"])} ({count})</span></summary>'
        f'<div class="body"><p class="statement">{_e(clause["source"].capitalize())}: '
        f"{_e(clause['statement'])}</p>"
        f"<h3>Why this verdict</h3><pre>{_e(clause['detail'])}</pre>"
        f"{_drift(clause.get('drift'))}{_probes(clause['probes'])}"
        f"<h3>Evidence (secrets masked)</h3>{recorded}</div></details>"
    )


def _evidence(clauses: list[dict[str, Any]]) -> str:
    blocks = "".join(clause_evidence(clause, _anchor(clause["id"])) for clause in clauses)
    return f"<section><h2>Evidence</h2>{blocks}</section>"


def render_html(report: dict[str, Any]) -> str:
    """Render a report document (see ``build_report``) as one standalone HTML page."""
    clauses: list[dict[str, Any]] = report["clauses"]
    version = report.get("server_version") or "unknown"
    title = f"{outcome(report).label}: getImportProgress compliance of Rocket.Chat {version}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"{_banner(report)}{_header(report)}<main>{_tiles(report['summary'])}{_notes(report['notes'])}{_table(clauses)}"
        f"{_legend()}{_evidence(clauses)}</main>"
        f"<footer>Generated by rocketchat-contract {_e(report['suite_version'])} from the run of "
        f"{_e(report['started_at'])}. Verdicts follow the documentation page of "
        "GET /api/v1/getImportProgress and the known drift of each Rocket.Chat release."
        "</footer></body></html>\n"
    )
