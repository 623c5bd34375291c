"""Builders for plan tests: a primary with two secondaries, written inline as YAML.

"Live" catalogs are the desired catalogs of an earlier version of the topology
(the state an earlier apply left), changed where a test needs it.
"""

from __future__ import annotations

import textwrap
from typing import Any


from vtopo.desired.build import build_desired
from vtopo.spec.resolve import FdwTarget
from vtopo.catalog.model import Catalog, CatalogObject, Key, ObjectKind
from vtopo.diff.engine import diff_catalogs
from vtopo.operations import database_order
from vtopo.plan.build import build_plan
from vtopo.render.steps import render_plan
from vtopo.plan.model import Part, Plan, Step
from harness.topology import edited_topology
from vtopo.spec import Sensitive, Topology

K = ObjectKind
HUB, SHARD_A, SHARD_B = "hub", "shard_a", "shard_b"
PASSWORDS = {SHARD_A: "anemone-31'; --", SHARD_B: "barnacle-77"}

BASE_TOPOLOGY = textwrap.dedent(
    """
    version: 1
    name: lattice
    databases:
      hub:
        primary: true
        dsn: postgresql://hub.invalid/hub
      shard_a:
        dsn: postgresql://shard-a.invalid/a
        fdw: {password: "${env:LATTICE_A_PASSWORD}"}
      shard_b:
        dsn: postgresql://shard-b.invalid/b
        fdw: {password: "${env:LATTICE_B_PASSWORD}"}
    collections:
      papers:
        database: shard_a
        dimension: 3
        index: {method: hnsw, m: 8, ef_construction: 32}
        metadata: {venue: {type: text, index: true}}
        expose: {view: public.papers, grant: [analyst]}
      images:
        database: shard_b
        dimension: 4
        index: {method: ivfflat, lists: 20}
        expose: {view: public.images}
      notes:
        database: hub
        dimension: 2
        expose: {view: public.notes}
    """
)


def topology(changes: dict[str, Any] | None = None) -> Topology:
    """BASE_TOPOLOGY with values set at dotted paths; None removes a key."""
    return edited_topology(BASE_TOPOLOGY, changes, "lattice.yaml")


def catalog_of(topo: Topology, passwords: dict[str, str] | None = None) -> Catalog:
    passwords = PASSWORDS if passwords is None else passwords
    targets = {
        name: FdwTarget(host=f"{name}.internal", port="5432", dbname=name, user=f"vtopo_fdw_{name}", password=Sensitive(passwords[name]))
        for name in (SHARD_A, SHARD_B)
    }
    return build_desired(topo, targets)


def make_plan(
    wanted: Topology,
    live: Catalog,
    *,
    desired: Catalog | None = None,
    row_counts: dict[tuple[str, str], int] | None = None,
    prevent_destroy: set[str] | None = None,
) -> Plan:
    changes = diff_catalogs(desired or catalog_of(wanted), live)
    return render_plan(build_plan(
        topology_name=wanted.name,
        primary=wanted.primary_name,
        databases=database_order(wanted),
        changes=changes,
        live=live,
        row_counts=row_counts or {},
        prevent_destroy=prevent_destroy if prevent_destroy is not None else {n for n, c in wanted.collections.items() if c.prevent_destroy},
    ))


def steps_for(plan: Plan, key: Key) -> list[Step]:
    return [step for step in plan.steps if step.change.subject.key == key]


def only_step(plan: Plan, key: Key, part: Part | None = None) -> Step:
    steps = [step for step in steps_for(plan, key) if part is None or step.part is part]
    assert len(steps) == 1, (key, part, [(s.part, s.phase) for s in steps])
    return steps[0]


def subject(step: Step) -> CatalogObject:
    return step.change.subject
