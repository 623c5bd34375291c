"""Hazards, attached where a change is made: each kind says which its changes carry."""

from __future__ import annotations

from vtopo.catalog.changes import Action, Change
from vtopo.kinds import HazardFacts, kind_of


def collections_needing_counts(changes: list[Change]) -> dict[str, list[str]]:
    """database → objects holding rows (collections) that a plan would drop or rebuild."""
    wanted: dict[str, list[str]] = {}
    for change in changes:
        if kind_of(change.kind).holds_rows and change.action in (Action.delete, Action.replace):
            wanted.setdefault(change.database, []).append(change.name)
    return wanted


def attach_hazards(changes: list[Change], facts: HazardFacts) -> None:
    for change in changes:
        change.hazards.extend(kind_of(change.kind).hazards(change, facts))
