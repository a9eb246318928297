"""Which clauses a run was asked to judge: the whole catalogue, or what ``-k``, deselection or node ids left.

A report records its selection (``{"clauses": [...], "probes": {clause: [...]}}``): the clauses asked, in
catalogue order, and for a clause judged per probe of which only some probes were asked, those probes. A
selection narrower than the catalogue makes a report PARTIAL; ``rocketchat-contract verify`` refuses a report
whose clauses are not its selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rocketchat_contract.contract.catalogue import Clause, contract

Selection = dict[str, Any]
"""``{"clauses": [clause id, ...], "probes": {clause id: [probe, ...]}}``, as JSON."""


def _per_probe(clause: Clause) -> tuple[str, ...]:
    """The probes a clause is judged on one by one (its tests are parametrized by them); none for a check."""
    return clause.probes if clause.expect is not None and isinstance(clause.probes, tuple) else ()


def whole_catalogue() -> Selection:
    """Every clause of the catalogue, every probe: what a run judges when nothing narrows it."""
    return {"clauses": [clause.id for clause in contract().clauses], "probes": {}}


def selection_of(tests: Iterable[tuple[str, str | None]]) -> Selection:
    """The selection of the contract tests a session collected, each as (clause id, probe or None); clause ids
    the catalogue does not know are left out (no run judges them)."""
    whole: set[str] = set()
    some: dict[str, set[str]] = {}
    for clause_id, probe in tests:
        if probe is None:
            whole.add(clause_id)
        else:
            some.setdefault(clause_id, set()).add(probe)
    clauses, probes = [], {}
    for clause in contract().clauses:
        if clause.id not in whole and clause.id not in some:
            continue
        clauses.append(clause.id)
        every = _per_probe(clause)
        if clause.id not in whole and every and set(every) - some[clause.id]:
            probes[clause.id] = [probe for probe in every if probe in some[clause.id]]
    return {"clauses": clauses, "probes": probes}


def asked_probes(selection: Selection, clause_id: str) -> set[str] | None:
    """The probes of ``clause_id`` the run was asked to judge; None when all of them."""
    narrowed = selection["probes"].get(clause_id)
    return None if narrowed is None else set(narrowed)


def not_judged(selection: Selection) -> list[str]:
    """What of the catalogue the run was not asked to judge, in catalogue order: a clause by its id, a probe of a
    clause judged only in part as ``clause[probe]``."""
    asked = set(selection["clauses"])
    missing = []
    for clause in contract().clauses:
        if clause.id not in asked:
            missing.append(clause.id)
            continue
        some = asked_probes(selection, clause.id)
        if some is not None:
            missing += [f"{clause.id}[{probe}]" for probe in _per_probe(clause) if probe not in some]
    return missing


def problems(selection: Selection) -> list[str]:
    """What in a recorded selection no run could have asked: a clause or probe the catalogue does not have, a
    clause out of catalogue order or twice, probes narrowed for a clause not asked."""
    catalogue = {clause.id: clause for clause in contract().clauses}
    order = list(catalogue)
    found = []
    unknown = [cid for cid in selection["clauses"] if cid not in catalogue]
    if unknown:
        found.append(f"its selection names clauses the catalogue does not have: {', '.join(unknown)}")
    known = [cid for cid in selection["clauses"] if cid in catalogue]
    if known != sorted(set(known), key=order.index):
        found.append("its selection lists clauses twice or out of catalogue order")
    for clause_id, probes in selection["probes"].items():
        clause = catalogue.get(clause_id)
        if clause is None or clause_id not in selection["clauses"]:
            found.append(f"its selection narrows the probes of {clause_id}, a clause it does not ask for")
            continue
        every = _per_probe(clause)
        if not probes or not set(probes) < set(every) or probes != [p for p in every if p in probes]:
            found.append(f"its selection of {clause_id}'s probes is not a part of them in order: {', '.join(probes)}")
    return found
