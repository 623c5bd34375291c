"""`vtopo check`: prove that queries through the primary cost what they cost on the secondary.

For every exposed collection: EXPLAIN through the primary (top-k, promoted-field equality,
filtered top-k must be shipped), statistics on the foreign table, the remote vector and
field indexes usable for the collection's measure, the reader role's settings, and the
foreign table's columns against the remote view's.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Any

import psycopg

from vtopo.catalog.columns import BUCKET_COLUMN, PG_TYPE_NAMES, view_columns
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import BUCKETS, OPERATOR, VTOPO_SCHEMA
from vtopo.errors import DatabaseError, DatabaseUnreachable
from vtopo import kinds
from vtopo.db.connection import connect, connection, connection_failed, scrub, server_message
from vtopo.introspect.state import PlanContext
from vtopo.db.queries import fetch_all, query_text
from vtopo.render.statements import render_query, render_sql
from vtopo.shards.state import ShardState
from vtopo.spec.models import CollectionSpec
from vtopo.spec.names import server_name, shard_table_name, split_qualified

from .verdict import CheckResult, remote_sql_by_relation, served_by, shipped

K = ObjectKind
SAMPLE_FIELD_VALUES = {
    "text": "vtopo-check",
    "integer": 0,
    "bigint": 0,
    "numeric": 0,
    "boolean": True,
    "timestamptz": "2000-01-01T00:00:00Z",
}


def _explain(conn: psycopg.Connection, template: str, params: dict[str, Any], *, force_index: bool = False, **context: Any) -> Any:
    with conn.transaction():
        if force_index:
            conn.execute(query_text("check/force_index"))
        row = conn.execute(render_query(f"check/{template}.sql.j2", **context), params).fetchone()
    plan = row[0]
    return json.loads(plan) if isinstance(plan, str) else plan


class _Prober:
    def __init__(self, context: PlanContext, connections: dict[str, psycopg.Connection], analyze: bool = False) -> None:
        self.context = context
        self.topology = context.topology
        self.conns = connections
        self.results: list[CheckResult] = []
        self.analyze = analyze
        self.stats_cache: dict[str, dict[str, Any]] | None = None

    def record(self, collection: str, database: str, check: str, outcome: tuple[bool | None, str]) -> None:
        self.results.append(CheckResult(collection, database, check, outcome[0], outcome[1]))

    def guarded(self, collection: str, database: str, check: str, run) -> bool:
        """Record run()'s outcome, or its error as a failure; True when the error was a failure
        to connect (postgres_fdw could not reach the secondary)."""
        try:
            self.record(collection, database, check, run())
        except psycopg.Error as error:
            message = scrub(server_message(error), *self.context.resolved.secrets())
            unreachable = connection_failed(error)
            if unreachable:
                secondary = self.topology.collections[collection].database
                message = f"the primary cannot reach {secondary} through postgres_fdw: {message}"
            self.record(collection, database, check, (False, message if unreachable else f"query failed: {message}"))
            return unreachable
        return False

    def check_collection(self, name: str, spec: CollectionSpec) -> None:
        if spec.sharded:
            self.check_sharded(name, spec)
            return
        primary = self.topology.primary_name
        schema, relation, query, common = _probe_inputs(spec)
        fields = list(spec.metadata.items())
        unreachable = False
        if spec.database != primary:
            conn = self.conns[primary]
            unreachable = self.guarded(name, primary, "foreign table statistics", lambda: self.statistics(name, spec))
            shipping = [("top-k shipped", lambda: shipped(
                _explain(conn, "topk", {"query": query}, schema=schema, relation=relation, **common), "ORDER BY", "LIMIT"))]
            if fields:
                field, field_spec = fields[0]
                shipping.append((f"filter on {field} shipped", lambda: shipped(
                    _explain(conn, "field_equals", {"value": SAMPLE_FIELD_VALUES[field_spec.type.value]},
                             schema=schema, relation=relation, field=field, field_type=PG_TYPE_NAMES[field_spec.type.value]),
                    "WHERE", column=field)))
            shipping.append(("filtered top-k shipped", lambda: shipped(
                _explain(conn, "filtered_topk", {"query": query, "filter": self.sample_filter(name, spec)},
                         schema=schema, relation=relation, **common), "WHERE", "ORDER BY", "LIMIT")))
            for check, run in shipping:
                if unreachable:
                    # They would fail for a reason that is not theirs.
                    self.record(name, primary, check, (None, f"not judged: the primary cannot reach {spec.database}"))
                else:
                    self.guarded(name, primary, check, run)
            self.record(name, spec.database, "columns match the remote view", self.columns_match(name, name, spec.database))
            self.record(name, spec.database, "reader role settings", self.settings_match(spec.database))
            target_schema, target_relation = VTOPO_SCHEMA, name
        else:
            target_schema, target_relation = schema, relation
        if spec.expose.function_name is not None and unreachable:
            self.record(name, primary, "search function answers", (None, f"not judged: the primary cannot reach {spec.database}"))
        elif spec.expose.function_name is not None:
            self.guarded(name, primary, "search function answers", lambda: self.search_function(spec, query))
        self.check_indexes(name, spec, spec.database, target_schema, target_relation, common)

    def check_sharded(self, name: str, spec: CollectionSpec) -> None:
        """Per shard: the primary reads it with a shipped WHERE (filter and owned buckets), in
        the collection's order; its wiring, settings and indexes as for a secondary. Then the
        bucket maps of the view and the search function agree, every bucket has one owner."""
        primary = self.topology.primary_name
        conn = self.conns[primary]
        schema, relation, query, common = _probe_inputs(spec)
        view = self.context.live.get(key_of(primary, K.exposed_view, spec.expose.view))
        entries = [e for e in (view.spec_dict.get("shards") or []) if e.get("buckets")] if view is not None else []
        plan = self.guarded_value(lambda: _explain(conn, "filtered_topk", {"query": query, "filter": self.sample_filter(name, spec)},
                                                   schema=schema, relation=relation, **common))
        sent = remote_sql_by_relation(plan) if plan is not None else {}
        for entry in entries:
            shard, table = entry["shard"], entry["table"]
            if shard not in self.conns:
                continue
            self.record(name, shard, "filter shipped", _shard_shipped(sent.get(table), bool(entry.get("filtered"))))
            self.guarded(name, primary, f"foreign table statistics ({shard})", lambda: self.statistics(table, spec))
            self.record(name, shard, "columns match the remote view", self.columns_match(name, table, shard))
            self.record(name, shard, "reader role settings", self.settings_match(shard))
            self.check_indexes(name, spec, shard, VTOPO_SCHEMA, name, common)
        if view is not None:
            state = ShardState.from_entries(view.spec_dict.get("shards") or [])
            for shard in state.holding([]):
                if shard in self.conns:
                    self.results.append(self.write_guard(name, shard, state))
        self.record(name, primary, "bucket map", self.bucket_map(spec, view))
        if spec.expose.function_name is not None:
            self.guarded(name, primary, "search function answers", lambda: self.search_function(spec, query))

    def guarded_value(self, run):
        try:
            return run()
        except psycopg.Error:
            return None

    def bucket_map(self, spec: CollectionSpec, view: CatalogObject | None) -> tuple[bool | None, str]:
        if view is None:
            return False, f"view {spec.expose.view} is missing (run vtopo apply)"
        entries = view.spec_dict.get("shards") or []
        owned = [bucket for entry in entries for bucket in entry.get("buckets", [])]
        if sorted(owned) != list(range(BUCKETS)):
            return False, f"{len(set(owned))} of {BUCKETS} buckets have an owner, {len(owned) - len(set(owned))} have two"
        function = self.context.live.get(key_of(self.topology.primary_name, K.search_function, spec.expose.function_name or ""))
        if function is not None:
            searched = {s["server"]: s["buckets"] for s in function.spec_dict.get("shards") or []}
            read = {server_name(e["shard"]): e["buckets"] for e in entries if e.get("buckets")}
            if searched != read:
                return False, "the search function and the view read different buckets (run vtopo apply)"
        draining = {e["shard"]: len(e["draining"]) for e in entries if e.get("draining")}
        if draining:
            left = ", ".join(f"{shard}: {count}" for shard, count in sorted(draining.items()))
            return None, f"an interrupted rebalance left copies of moved buckets ({left}); vtopo apply deletes them"
        shares = ", ".join(f"{e['shard']} {len(e['buckets'])}" for e in entries)
        return True, f"{BUCKETS} buckets, one owner each ({shares}); view and search function agree"

    def write_guard(self, name: str, shard: str, state: ShardState) -> CheckResult:
        """The shard's guard takes writes to the buckets the map gives it, and no others."""
        check = "write guard"
        guard = self.context.live.get(key_of(shard, K.shard_guard, name))
        writable, frozen = state.guard(shard)
        if guard is None or guard.spec_dict.get("frozen") is None:
            return CheckResult(name, shard, check, False, "no write guard (or half of one): the shard takes writes to "
                               "any bucket, so an id could be held twice; run vtopo apply")
        live_writable, live_frozen = guard.spec_dict["writable"], guard.spec_dict["frozen"]
        if (live_writable, live_frozen) != (writable, frozen):
            return CheckResult(name, shard, check, False, f"takes writes to {len(live_writable)} buckets, the map gives it "
                               f"{len(writable)} (run vtopo apply)")
        if frozen:
            return CheckResult(name, shard, check, None, f"refuses writes to {len(frozen)} of its buckets: a rebalance "
                               "stopped while copying them; vtopo apply finishes the move", warning=True)
        return CheckResult(name, shard, check, True, f"takes writes to its {len(writable)} buckets only")

    def search_function(self, spec: CollectionSpec, query: str) -> tuple[bool, str]:
        """What client libraries call: it must answer (through its kept connection, for a remote collection)."""
        function = split_qualified(spec.expose.function_name)
        statement = render_query("check/search_function.sql.j2", function=function, vector_type=spec.type.value)
        (rows,) = self.conns[self.topology.primary_name].execute(statement, {"query": query}).fetchone()
        return True, f"{spec.expose.function_name}() returned {rows} row(s) for a top-10"

    def check_indexes(self, name: str, spec: CollectionSpec, database: str, schema: str, relation: str, common: dict[str, str]) -> None:
        conn = self.conns[database]
        vector_index = self.context.live.get(key_of(database, K.vector_index, name))
        if spec.index.method.value == "none":
            self.record(name, database, f"vector index for {spec.measure.value}", (None, "index method none"))
        else:
            expected = {vector_index.attrs_dict["index_name"]} if vector_index else set()
            query = "[" + ",".join(["1"] * spec.dimension) + "]"
            self.guarded(name, database, f"vector index for {spec.measure.value}", lambda: served_by(
                _explain(conn, "topk", {"query": query}, force_index=True, schema=schema, relation=relation, **common), expected))
        for field, field_spec in spec.metadata.items():
            if not field_spec.index:
                continue
            index = self.context.live.get(key_of(database, K.metadata_index, f"{name}.{field}"))
            expected = {index.attrs_dict["index_name"]} if index else set()
            self.guarded(name, database, f"index on {field}", lambda: served_by(
                _explain(conn, "field_equals", {"value": SAMPLE_FIELD_VALUES[field_spec.type.value]}, force_index=True,
                         schema=schema, relation=relation, field=field, field_type=PG_TYPE_NAMES[field_spec.type.value]), expected))

    def statistics(self, name: str, spec: CollectionSpec) -> tuple[bool | None, str]:
        """vtopo pins the foreign table's statistics so that shipping wins whatever arrives
        (kinds/foreign_table.py); without the pin, postgres_fdw may keep ORDER BY/LIMIT local."""
        primary = self.conns[self.topology.primary_name]
        # Reaching the secondary through the foreign table proves the wiring (and finds a pod that is down).
        primary.execute(render_query("check/foreign_count.sql.j2", name=name)).fetchone()
        stats = self.statistics_rows().get(name)
        if stats is not None and kinds.foreign_table.is_pinned(stats):
            return True, "pinned: shipping wins whatever the collection holds"
        was = "no foreign table" if stats is None else (
            "ANALYZEd (column statistics)" if stats["has_column_stats"] else f"{stats['reltuples']:.0f} rows estimated")
        if self.analyze and stats is not None:
            table = self.context.live.get(key_of(self.topology.primary_name, K.foreign_table, name))
            for statement in render_sql(table, "analyze"):
                primary.execute(statement)
            self.stats_cache = None
            return True, f"pinned now (was: {was})"
        return False, f"vtopo.{name} statistics are not pinned ({was}): searches may stay local; run vtopo apply"

    def statistics_rows(self) -> dict[str, dict[str, Any]]:
        if self.stats_cache is None:
            self.stats_cache = {row["name"]: row for row in _rows(self.conns[self.topology.primary_name], "foreign_stats")}
        return self.stats_cache

    def sample_filter(self, name: str, spec: CollectionSpec) -> str:
        """One real key/value of the collection's metadata; a value no row has when there is none."""
        row = self.conns[spec.databases[0]].execute(render_query("check/sample_filter.sql.j2", name=name)).fetchone()
        return json.dumps(row[0] if row else {"vtopo_check": "no such value"})

    def columns_match(self, name: str, table: str, database: str) -> tuple[bool, str]:
        """The primary's foreign table `table` against the exposure view of `name` on `database`."""
        local = self.context.live.get(key_of(self.topology.primary_name, K.foreign_table, table))
        remote = self.context.live.get(key_of(database, K.exposure_view, name))
        if local is None or remote is None:
            missing = "foreign table on the primary" if local is None else f"view vtopo.{name} on {database}"
            return False, f"{missing} is missing (run vtopo apply)"
        local_columns, remote_columns = local.spec_dict["columns"], remote.spec_dict["columns"]
        if local_columns != remote_columns:
            differing = [f"{l[0]}: {l[1]} here, {r[1]} remote" for l, r in zip(local_columns, remote_columns) if l != r]
            differing += [f"column count {len(local_columns)} here, {len(remote_columns)} remote"] if len(local_columns) != len(remote_columns) else []
            return False, "; ".join(differing)
        return True, f"{len(local_columns)} columns, {local_columns[1][1]}"

    def settings_match(self, database: str) -> tuple[bool | None, str]:
        wanted = [o for o in self.context.desired.in_database(database) if o.kind is K.role_setting]
        if not wanted:
            return None, "no search settings"
        wrong = [_setting_problem(o, self.context.live.get(o.key)) for o in wanted]
        wrong = [w for w in wrong if w]
        if wrong:
            return False, "; ".join(wrong)
        return True, ", ".join(f"{o.spec_dict['setting']}={o.spec_dict['value']}" for o in wanted)


def _probe_inputs(spec: CollectionSpec) -> tuple[str, str, str, dict[str, str]]:
    """The exposed view's schema and name, a query vector, and the template values every probe takes."""
    schema, relation = split_qualified(spec.expose.view)
    query = "[" + ",".join(["1"] * spec.dimension) + "]"
    return schema, relation, query, {"operator": OPERATOR[spec.measure.value], "vector_type": spec.type.value}


def _shard_shipped(sent: str | None, filtered: bool) -> tuple[bool, str]:
    """The shard's Remote SQL of a filtered search through the view carries the WHERE and
    ORDER BY (and its own buckets, while a move is in flight there)."""
    if sent is None:
        return False, "no remote scan of this shard in the plan"
    if "WHERE" not in sent or "ORDER BY" not in sent:
        return False, f"WHERE and ORDER BY not shipped: {sent[:160]}"
    if filtered and "vtopo_bucket" not in sent:
        return False, "a move is in flight here but the shard is not limited to its own buckets"
    return True, "WHERE and ORDER BY shipped" + (" (its own buckets: a move is in flight)" if filtered else "")


def _setting_problem(wanted: CatalogObject, live: CatalogObject | None) -> str | None:
    spec = wanted.spec_dict
    if live is None:
        return f"{spec['setting']} not set on {spec['role']}"
    if live.spec_dict["value"] != spec["value"]:
        return f"{spec['setting']}={live.spec_dict['value']} on {spec['role']}, want {spec['value']}"
    return None


def _rows(conn: psycopg.Connection, name: str) -> list[dict[str, Any]]:
    return fetch_all(conn, f"check/{name}")


def run_checks(context: PlanContext, *, analyze: bool = False, collections: set[str] | None = None) -> list[CheckResult]:
    """Check every exposed collection (or those named). A database vtopo cannot connect to is
    one failure; the collections that live there are not checked, the others are."""
    topology = context.topology
    exposed = {name: spec for name, spec in topology.collections.items()
               if spec.expose is not None and (collections is None or name in collections)}
    needed = {topology.primary_name} | {database for spec in exposed.values() for database in spec.databases}
    if topology.primary_name in context.unreachable:
        raise context.unreachable[topology.primary_name]  # every check runs through the primary
    unreachable = {db: error.reason for db, error in context.unreachable.items() if db in needed}
    results: list[CheckResult] = []
    with ExitStack() as stack:
        connections = {}
        for database in sorted(needed - set(unreachable)):
            try:
                conn = connect(database, context.resolved.dsns[database])
            except DatabaseUnreachable as error:
                if database == topology.primary_name:
                    raise
                unreachable[database] = error.reason
                continue
            stack.callback(conn.close)
            connections[database] = conn
        for database, reason in sorted(unreachable.items()):
            left = sorted(name for name, spec in exposed.items() if database in spec.databases)
            skipped = f"; not checked: {', '.join(left)}" if left else ""
            results.append(CheckResult("", database, "database reachable", False, f"{reason}{skipped}"))
        prober = _Prober(context, connections, analyze=analyze)
        for name, spec in exposed.items():
            if set(spec.databases) & set(unreachable):
                continue
            try:
                prober.check_collection(name, spec)
            except psycopg.OperationalError as error:
                message = scrub(server_message(error), *context.resolved.secrets())
                raise DatabaseError(spec.database, f"check of {name} failed: {message}") from None
        return results + prober.results


def refresh_statistics(resolved, collection: str) -> bool:
    """Pin the statistics of the primary's foreign table of an exposed remote collection again
    (after a bulk load: cheap, and undoes a hand-run ANALYZE). False when there is none."""
    topology = resolved.topology
    spec = topology.collections[collection]
    primary = topology.primary_name
    if spec.expose is None or spec.database == primary:
        return False
    columns = view_columns(spec.type.value, spec.dimension, {f: s.type.value for f, s in spec.metadata.items()})
    if spec.sharded:  # one foreign table per shard, each ending with the bucket column
        names, columns = [shard_table_name(collection, shard) for shard in spec.shards], [*columns, BUCKET_COLUMN]
    else:
        names = [collection]
    with connection(primary, resolved.dsns[primary]) as conn:
        for name in names:
            table = kinds.foreign_table.new(primary, name, server="", columns=columns, options={})
            try:
                for statement in render_sql(table, "analyze"):
                    conn.execute(statement)
            except psycopg.Error as error:
                message = scrub(server_message(error), *resolved.secrets())
                raise DatabaseError(primary, f"pinning the statistics of vtopo.{name} failed: {message}") from None
    return True
