"""`vtopo load`: a file of records into a collection, then the primary's statistics refreshed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vtopo.check.probe import refresh_statistics
from vtopo.load.index import BuildSettings
from vtopo.load.loader import Destination, LoadProgress, LoadReport, load_source
from vtopo.query import sharded
from vtopo.query.session import Sessions, describe, require_collection
from vtopo.query.target import Via, route
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import ResolvedTopology, resolve_topology
from vtopo.vectors.staging import DEFAULT_BATCH


@dataclass(frozen=True)
class LoadOutcome:
    report: LoadReport
    statistics_refreshed: bool = False  # the primary's foreign table was ANALYZEd


def load_file(resolved: ResolvedTopology, collection: str, path: Path, **options: Any) -> LoadReport:
    """One file into one collection, on a connection of its own (options: those of load_source).
    A sharded collection: each shard loads the rows whose bucket it owns (load/sharded.py)."""
    target = route(resolved.topology, collection, Via.direct)
    sessions = Sessions(resolved)
    try:
        if target.sharded:
            return sharded.load_on_shards(sessions, target, path, **options)
        conn = require_collection(sessions, target)
        destination = Destination(conn, resolved, target.database, target.collection, target.shape,
                                  lambda error: describe(error, sessions, target))
        return load_source(destination, path, **options)
    finally:
        sessions.close()



def load_collection(
    path: str | Path,
    collection: str,
    source: Path,
    *,
    format: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    env: str | None = None,
    progress: LoadProgress | None = None,
    build: BuildSettings = BuildSettings(),
) -> LoadOutcome:
    """After a bulk load, postgres_fdw keeps shipping filtered searches only with fresh
    statistics on the primary: an exposed remote collection's foreign table is analyzed."""
    resolved = resolve_topology(load_topology(path, env=env))
    report = load_file(resolved, collection, source, format=format, batch_size=batch_size, progress=progress,
                       build=build)
    refreshed = report.rows > 0 and refresh_statistics(resolved, collection)
    return LoadOutcome(report, refreshed)
