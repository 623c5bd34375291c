"""`vtopo check`'s rows for replicas: each one reachable, in recovery, its replay lag, and the
collections' indexes present and valid there (reads through the primary may land on it).

Unreachable is a failure; lag past the replica's `max_lag`, or a replica that is no longer in
recovery, is a warning: reads still work, but may be stale or come from a promoted server.
"""

from __future__ import annotations

import psycopg

from vtopo.catalog.model import Catalog, ObjectKind
from vtopo.db.connection import connection, scrub, server_message
from vtopo.db.queries import fetch_all
from vtopo.errors import DatabaseUnreachable
from vtopo.introspect.state import PlanContext
from vtopo.replication import REPLAY_WAIT_SECONDS, replica_label, replayed_within, wal_position
from vtopo.spec.models import ReplicaSpec
from vtopo.spec.secrets import Sensitive

from .verdict import CheckResult

_INDEX_KINDS = (ObjectKind.vector_index, ObjectKind.metadata_index)
_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1, "min": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> float:
    """'30s', '500ms', '2min' (the spec's duration pattern) as seconds; no unit means ms, as in PostgreSQL."""
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz ")
    unit = text[len(number):].strip() or "ms"
    return float(number) * _SECONDS[unit]


def replica_results(context: PlanContext, collections: set[str] | None) -> list[CheckResult]:
    topology = context.topology
    resolved = context.resolved
    checked = {name: spec for name, spec in topology.collections.items() if collections is None or name in collections}
    databases = sorted(db for db in resolved.replica_dsns
                       if collections is None or any(db in spec.databases for spec in checked.values()))
    results: list[CheckResult] = []
    for database in databases:
        position = None if database in context.unreachable else wal_position(database, resolved.dsns[database])
        held = sorted(name for name, spec in checked.items() if database in spec.databases)
        catalog = context.live if database in context.read else context.desired
        wanted = _index_names(catalog, database, held)
        for replica, dsn in zip(topology.databases[database].replicas, resolved.replica_dsns[database]):
            results += _replica(context, database, replica, dsn, position, wanted)
    return results


def _index_names(catalog: Catalog, database: str, collections: list[str]) -> dict[str, set[str]]:
    """collection -> the index names its database's own server has (or the topology asks for)."""
    wanted: dict[str, set[str]] = {name: set() for name in collections}
    for obj in catalog.in_database(database):
        if obj.kind in _INDEX_KINDS and obj.spec_dict.get("collection") in wanted and obj.managed:
            wanted[obj.spec_dict["collection"]].add(obj.attrs_dict["index_name"])
    return wanted


def _replica(context: PlanContext, database: str, replica: ReplicaSpec, dsn: Sensitive,
             position: str | None, wanted: dict[str, set[str]]) -> list[CheckResult]:
    label = replica_label(dsn)
    check = f"replica {label}"
    try:
        with connection(database, dsn, connect_timeout=5) as conn:
            if position is not None:  # judged once it had the time to replay what its database has
                replayed_within(conn, position, REPLAY_WAIT_SECONDS)
            state = fetch_all(conn, "replicas/replay", {"primary_lsn": position})[0]
            indexes = fetch_all(conn, "replicas/indexes", {"collections": sorted(wanted)})
    except DatabaseUnreachable as error:
        return [CheckResult("", database, check, False, f"unreachable: {error.reason}; reads through the primary skip it")]
    except psycopg.Error as error:
        return [CheckResult("", database, check, False, scrub(server_message(error), *context.resolved.secrets()))]
    rows = [_state_row(database, check, replica, state, position)]
    for collection, names in sorted(wanted.items()):
        rows.append(_index_row(collection, database, label, names, indexes))
    return rows


def _state_row(database: str, check: str, replica: ReplicaSpec, state: dict, position: str | None) -> CheckResult:
    if not state["in_recovery"]:
        return CheckResult("", database, check, None, "not in recovery (promoted?): reads may use it, vtopo never writes to it",
                           warning=True)
    lag_bytes, lag_seconds = state["lag_bytes"], state["lag_seconds"]
    behind = "unknown bytes (the database's own server is down)" if position is None else f"{lag_bytes} bytes"
    since = "unknown" if lag_seconds is None else f"{lag_seconds:.1f} s"
    detail = f"in recovery, replay lag {behind}, {since} (warns above {replica.max_lag})"
    if lag_seconds is not None and lag_seconds > duration_seconds(replica.max_lag):
        return CheckResult("", database, check, None, f"lagging: {detail}; reads from it may be stale", warning=True)
    return CheckResult("", database, check, True, detail)


def _index_row(collection: str, database: str, label: str, names: set[str], indexes: list[dict]) -> CheckResult:
    check = f"indexes on replica {label}"
    found = {row["index_name"]: row["valid"] for row in indexes if row["collection"] == collection}
    missing = sorted(names - set(found))
    invalid = sorted(name for name in names & set(found) if not found[name])
    if not names:
        return CheckResult(collection, database, check, None, "the collection has no indexes to compare")
    if missing or invalid:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"invalid {', '.join(invalid)}"] if invalid else [])
        return CheckResult(collection, database, check, False,
                           f"{'; '.join(problems)}: searches answered there read every row (replay behind, or a build in flight)")
    return CheckResult(collection, database, check, True, f"{len(names)} present and valid")
