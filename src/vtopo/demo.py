"""`vtopo demo`: the whole job on local servers, step by step.

Starts embedded servers for the topology, plans, applies, upserts a few
sample vectors into every collection (on the database that holds it) and
runs a similarity search through each exposed view on the primary.
Running it again reuses the servers and finds nothing to change.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from vtopo.catalog.names import OPERATOR
from vtopo.db.connection import connection
from vtopo.operations.apply import ApplyOptions, apply_topology
from vtopo.operations.plan import make_plan
from vtopo.plan.model import Plan
from vtopo.render.statements import render_query
from vtopo.spec.loader import load_topology
from vtopo.spec.models import CollectionSpec, MetadataType
from vtopo.spec.names import split_qualified
from vtopo.spec.resolve import resolve_topology

SAMPLES = 5
SAMPLE_VALUES = {
    MetadataType.text: lambda i: f"sample-{i}",
    MetadataType.integer: lambda i: 2020 + i,
    MetadataType.bigint: lambda i: 10_000_000_000 + i,
    MetadataType.numeric: lambda i: i / 2,
    MetadataType.boolean: lambda i: i % 2 == 0,
    MetadataType.timestamptz: lambda i: f"2026-01-0{i + 1}T00:00:00Z",
}


@dataclass
class DemoReport:
    plan_before: Plan | None = None
    applied: bool = False
    rows_upserted: dict[str, int] = field(default_factory=dict)
    searches: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def sample_rows(name: str, spec: CollectionSpec) -> list[tuple[str, str, str]]:
    """Deterministic sample vectors (seeded by the collection name) with metadata for every field."""
    generator = random.Random(name)
    rows = []
    for i in range(SAMPLES):
        vector = [round(generator.uniform(-1, 1), 4) for _ in range(spec.dimension)]
        metadata = {field: SAMPLE_VALUES[f.type](i) for field, f in spec.metadata.items()}
        rows.append((f"{name}-{i}", json.dumps(vector), json.dumps(metadata)))
    return rows


def run_demo(
    topology_file: Path, say: Callable[[str], None], start_servers: Callable[[Path], dict[str, str]], env: str | None = None
) -> DemoReport:
    """start_servers: starts local servers and returns the environment that resolves the topology.
    env: the topology file's environment (None: $VTOPO_ENV, else the base)."""
    report = DemoReport()
    say(f"1/5 starting local servers for {topology_file}")
    os.environ.update(start_servers(topology_file))

    say("2/5 planning against the live databases")
    plan, _ = make_plan(topology_file, env=env)
    report.plan_before = plan
    counts = plan.summary()
    say(f"    {counts['create']} to create, {counts['update']} to update, {counts['replace']} to replace, {counts['delete']} to delete")

    say("3/5 applying (secondaries first, then the primary)")
    outcome = apply_topology(topology_file, approve=lambda _: True, options=ApplyOptions(), env=env)
    report.applied = outcome.result is not None
    say("    nothing to change" if outcome.plan.is_empty else "    applied; a fresh plan is empty" if outcome.remaining and outcome.remaining.is_empty else "    applied")

    topology = load_topology(topology_file, env)
    resolved = resolve_topology(topology)
    say("4/5 upserting sample vectors into every collection")
    for name, spec in topology.collections.items():
        rows = sample_rows(name, spec)
        query = render_query("demo/upsert.sql.j2", name=name, vector_type=spec.type.value)
        with connection(spec.database, resolved.dsns[spec.database]) as conn:
            with conn.cursor() as cursor:
                cursor.executemany(query, rows)
        report.rows_upserted[name] = len(rows)
        say(f"    {name}: {len(rows)} rows in database {spec.database}")

    say(f"5/5 similarity search through the primary ({topology.primary_name})")
    primary = topology.primary_name
    with connection(primary, resolved.dsns[primary]) as conn:
        for name, spec in topology.collections.items():
            if spec.expose is None:
                continue
            schema, view = split_qualified(spec.expose.view)
            query = render_query(
                "demo/search.sql.j2",
                schema=schema,
                view=view,
                operator=OPERATOR[spec.measure.value],
                vector_type=spec.type.value,
                limit=3,
            )
            probe = sample_rows(name, spec)[0][1]
            found = [(row[0], float(row[1])) for row in conn.execute(query, {"query": probe}).fetchall()]
            report.searches[name] = found
            shown = ", ".join(f"{row_id} ({distance:.3f})" for row_id, distance in found)
            say(f"    {spec.expose.view} ({spec.measure.value}): {shown}")
    return report
