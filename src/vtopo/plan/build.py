"""Turn changes into an ordered plan across databases.

Order: drops on the primary first (its foreign tables and views stop reading
the secondaries), then every secondary (drops in reverse dependency order,
then creates), then the primary's creates. Within a database the DDL runs in
one transaction; concurrent index builds and ANALYZE follow it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

from vtopo.catalog import objects as o
from vtopo.catalog.model import Catalog, ObjectKind, fingerprint
from vtopo.catalog.names import gin_index_name, metadata_index_name, vector_index_name
from vtopo.render.steps import INDEX_KINDS, render_step

from .hazards import attach_hazards
from .model import Part, Phase, Plan, Step
from vtopo.catalog.changes import Action, Change

K = ObjectKind


def _distinct_index_name(change: Change) -> Change:
    """An online replacement needs a new index name while the old index still exists."""
    before, after = change.before, change.after
    if after is None or before is None or after.kind not in INDEX_KINDS:
        return change
    old_name = before.attrs_dict["index_name"]
    if after.attrs_dict["index_name"] != old_name:
        return change
    spec = after.spec_dict
    for generation in (1, 2):
        if after.kind is K.vector_index:
            name = vector_index_name(spec["collection"], spec["opclass"], spec["method"], spec["params"], generation)
        elif spec["field"] == "*":
            name = gin_index_name(spec["collection"], generation)
        else:
            name = metadata_index_name(spec["collection"], spec["field"], generation)
        if name != old_name:
            return dataclasses.replace(change, after=o.with_attrs(after, index_name=name))
    return change


def _steps_for_database(database: str, changes: list[Change], is_primary: bool) -> list[Step]:
    rebuilt_tables = {c.name for c in changes if c.kind is K.collection and c.action in (Action.create, Action.replace)}
    dropped_tables = {c.name for c in changes if c.kind is K.collection and c.action in (Action.delete, Action.replace)}

    def on_rebuilt(change: Change, tables: set[str]) -> bool:
        return change.kind in INDEX_KINDS and change.subject.spec_dict["collection"] in tables

    drop_phase = Phase.primary_drops if is_primary else Phase.secondaries
    main_phase = Phase.primary if is_primary else Phase.secondaries
    steps: list[Step] = []
    for change in sorted(changes, key=lambda c: (-c.kind.rank, c.name)):
        online = change.action is Action.replace and change.kind in INDEX_KINDS and not on_rebuilt(change, rebuilt_tables)
        if change.action is Action.delete or (change.action is Action.replace and not online):
            concurrently = change.kind in INDEX_KINDS and not on_rebuilt(change, dropped_tables)
            phase = drop_phase if change.action is Action.delete else main_phase
            steps.append(Step(database, phase, change, Part.drop, concurrently=concurrently))
    for change in sorted(changes, key=lambda c: (c.kind.rank, c.name)):
        if change.action is Action.delete:
            continue
        if change.action is Action.replace and change.kind in INDEX_KINDS and not on_rebuilt(change, rebuilt_tables):
            steps.append(Step(database, main_phase, change, Part.online_replace, concurrently=True))
            continue
        if change.kind is K.foreign_table and change.action is Action.update:
            steps.append(Step(database, main_phase, change, Part.analyze))  # the one thing to update
            continue
        part = Part.update if change.action is Action.update else Part.create
        concurrently = change.kind in INDEX_KINDS and not on_rebuilt(change, rebuilt_tables)
        steps.append(Step(database, main_phase, change, part, concurrently=concurrently))
        if change.kind is K.foreign_table:
            steps.append(Step(database, main_phase, change, Part.analyze))
    return steps


PHASE_ORDER = {Phase.primary_drops: 0, Phase.secondaries: 1, Phase.primary: 2}


def order_steps(changes: list[Change], primary: str, databases: list[str]) -> list[Step]:
    steps: list[Step] = []
    for database in databases:
        mine = [c for c in changes if c.database == database]
        steps.extend(_steps_for_database(database, mine, database == primary))
    position = {name: index for index, name in enumerate(databases)}
    steps.sort(key=lambda s: (PHASE_ORDER[s.phase], position[s.database]))  # stable: keeps per-database order
    for step in steps:
        step.statements = render_step(step)
    return steps


def build_plan(
    *,
    topology_name: str | None,
    primary: str,
    databases: list[str],
    changes: list[Change],
    live: Catalog,
    row_counts: dict[tuple[str, str], int],
    prevent_destroy: set[str],
    targets: list[str] | None = None,
) -> Plan:
    changes = [_distinct_index_name(c) for c in changes]
    attach_hazards(changes, row_counts, prevent_destroy)
    return Plan(
        topology_name=topology_name,
        primary=primary,
        databases=databases,
        changes=changes,
        steps=order_steps(changes, primary, databases),
        fingerprints={db: fingerprint(live.in_database(db)) for db in databases},
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        targets=list(targets or []),
    )
