"""Hazards, attached where a change is made: lost rows, index rebuilds, locks, secrets."""

from __future__ import annotations

from vtopo.catalog.model import ObjectKind

from vtopo.catalog.changes import Action, Change, Hazard, HazardKind

K = ObjectKind


def collections_needing_counts(changes: list[Change]) -> dict[str, list[str]]:
    """database → collections that a plan would drop or rebuild (their rows must be counted)."""
    wanted: dict[str, list[str]] = {}
    for change in changes:
        if change.kind is K.collection and change.action in (Action.delete, Action.replace):
            wanted.setdefault(change.database, []).append(change.name)
    return wanted


def _collection_hazard(change: Change, rows: int, prevented: bool) -> Hazard:
    verb = "drops" if change.action is Action.delete else "drops and re-creates"
    why = "" if change.action is Action.delete else f" ({change.reason})"
    if rows == 0:
        return Hazard(HazardKind.deletes_data, f"{verb} collection {change.name}{why}; it is empty", blocking=prevented, prevented=prevented)
    return Hazard(
        HazardKind.deletes_data,
        f"{verb} collection {change.name}{why}: {rows} rows would be lost",
        blocking=True,
        prevented=prevented,
    )


def attach_hazards(changes: list[Change], row_counts: dict[tuple[str, str], int], prevent_destroy: set[str]) -> None:
    for change in changes:
        kind, action = change.kind, change.action
        if kind is K.collection and action in (Action.delete, Action.replace):
            rows = row_counts.get((change.database, change.name), 0)
            change.hazards.append(_collection_hazard(change, rows, change.name in prevent_destroy))
        elif kind in (K.vector_index, K.metadata_index) and action is Action.replace:
            change.hazards.append(Hazard(HazardKind.rebuilds_index, "index is rebuilt online (CREATE INDEX CONCURRENTLY, then the old one is dropped)"))
        elif kind in (K.exposure_view, K.exposed_view, K.foreign_table) and action in (Action.replace, Action.delete):
            change.hazards.append(Hazard(HazardKind.long_lock, "takes an exclusive lock; queries on it wait until the transaction commits"))
        # Grantee roles (NOLOGIN, no password) carry no secret.
        if kind in (K.role, K.user_mapping) and action in (Action.create, Action.update) and change.subject.secrets:
            change.hazards.append(Hazard(HazardKind.touches_secret, "sets a password from the topology's secret reference"))
        if kind is K.foreign_server and action is Action.update:
            change.hazards.append(Hazard(HazardKind.closes_connections, "changing server options closes cached postgres_fdw connections"))
