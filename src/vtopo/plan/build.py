"""Turn changes into an ordered plan across databases (steps not rendered yet: render.steps does that).

Order: drops on the primary first (its foreign tables and views stop reading
the secondaries), then every secondary (drops in reverse dependency order,
then creates), then the primary's creates. Within a database the DDL runs in
one transaction; concurrent index builds and ANALYZE follow it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

from vtopo.catalog.changes import Action, Change
from vtopo.catalog.model import Catalog, fingerprint
from vtopo.kinds import HazardFacts, kind_of

from .hazards import attach_hazards
from .model import Part, Phase, Plan, Step


def _is_index(change: Change) -> bool:
    return kind_of(change.kind).is_index


def _distinct_index_name(change: Change) -> Change:
    """An online replacement needs a new index name while the old index still exists."""
    before, after = change.before, change.after
    if after is None or before is None or not _is_index(change):
        return change
    old_name = before.attrs_dict["index_name"]
    if after.attrs_dict["index_name"] != old_name:
        return change
    for generation in (1, 2):
        renamed = kind_of(after.kind).renamed(after, generation)
        if renamed.attrs_dict["index_name"] != old_name:
            return dataclasses.replace(change, after=renamed)
    return change


def _steps_for_database(database: str, changes: list[Change], is_primary: bool) -> list[Step]:
    holders = [c for c in changes if kind_of(c.kind).holds_rows]
    rebuilt_tables = {c.name for c in holders if c.action in (Action.create, Action.replace)}
    dropped_tables = {c.name for c in holders if c.action in (Action.delete, Action.replace)}

    def on_rebuilt(change: Change, tables: set[str]) -> bool:
        return _is_index(change) and change.subject.spec_dict["collection"] in tables

    drop_phase = Phase.primary_drops if is_primary else Phase.secondaries
    main_phase = Phase.primary if is_primary else Phase.secondaries
    # What an object replaced in the main phase still reads until its own drop there (a view over
    # the foreign table of a collection that becomes sharded), and the grants on it: dropped in
    # that phase, after it, so readers never see the view without what it reads.
    held = {key for c in changes if c.action is Action.replace and c.before is not None for key in c.before.depends_on}
    held |= {c.before.key for c in changes if c.action is Action.delete and held.intersection(c.before.depends_on)}
    steps: list[Step] = []
    for change in sorted(changes, key=lambda c: (-c.kind.rank, c.name)):
        online = change.action is Action.replace and _is_index(change) and not on_rebuilt(change, rebuilt_tables)
        if change.action is Action.delete or (change.action is Action.replace and not online):
            concurrently = _is_index(change) and not on_rebuilt(change, dropped_tables)
            phase = drop_phase if change.action is Action.delete and change.before.key not in held else main_phase
            steps.append(Step(database, phase, change, Part.drop, concurrently=concurrently))
    for change in sorted(changes, key=lambda c: (c.kind.rank, c.name)):
        analyzed = kind_of(change.kind).analyzed
        if change.action is Action.delete:
            continue
        if change.action is Action.replace and _is_index(change) and not on_rebuilt(change, rebuilt_tables):
            steps.append(Step(database, main_phase, change, Part.online_replace, concurrently=True))
            continue
        if analyzed and change.action is Action.update:
            steps.append(Step(database, main_phase, change, Part.analyze))  # the one thing to update
            continue
        part = Part.update if change.action is Action.update else Part.create
        concurrently = _is_index(change) and not on_rebuilt(change, rebuilt_tables)
        steps.append(Step(database, main_phase, change, part, concurrently=concurrently))
        if analyzed:
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
    """The plan with its steps in order; their statements are empty until render.steps.render_plan."""
    changes = [_distinct_index_name(c) for c in changes]
    rebuilt = frozenset((c.database, c.name) for c in changes if kind_of(c.kind).holds_rows and c.action in (Action.create, Action.replace))
    attach_hazards(changes, HazardFacts(row_counts, frozenset(prevent_destroy), rebuilt))
    return Plan(
        topology_name=topology_name,
        primary=primary,
        databases=databases,
        changes=changes,
        steps=order_steps(changes, primary, databases),
        fingerprints={db: fingerprint(live.in_database(db)) for db in databases},
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        targets=list(targets or []),
        not_managed=not_managed(live),
    )


def not_managed(live: Catalog) -> list[tuple[str, str, str]]:
    """Tables found in vecs that vtopo did not create and the topology does not name (left alone)."""
    return sorted((o.database, o.kind.value, o.name) for o in live if not o.managed and kind_of(o.kind).holds_rows)
