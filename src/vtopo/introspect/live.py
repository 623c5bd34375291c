"""Live state: read every database's catalogs into the shared object model.

A fixed number of catalog queries per database, whatever the number of
collections; all databases are read in parallel.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from vtopo.catalog import objects as o
from vtopo.catalog.model import Catalog, CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import JOURNAL_TABLE, MARKER, READER_SETTING, VECS_SCHEMA, VTOPO_SCHEMA
from vtopo.catalog.scram import UNREADABLE
from vtopo.errors import DatabaseError
from vtopo.db.queries import fetch_all
from vtopo.render.statements import render_query
from vtopo.spec.secrets import Sensitive

from .classify import classify_indexes
from vtopo.db.connection import connection, scrub, server_message

K = ObjectKind
_TYPE_FROM_PG = {v: k for k, v in o.PG_TYPE_NAMES.items()}


@dataclass(frozen=True)
class Wanted:
    """Names the desired state uses, so introspection can find look-alikes it must not clobber."""

    view_names: list[str] = field(default_factory=list)
    role_names: list[str] = field(default_factory=list)
    server_names: list[str] = field(default_factory=list)
    schema_names: list[str] = field(default_factory=list)

    @classmethod
    def from_catalog(cls, desired: Catalog, database: str) -> Wanted:
        objs = desired.in_database(database)
        return cls(
            view_names=sorted(x.name for x in objs if x.kind is K.exposed_view),
            role_names=sorted(x.name for x in objs if x.kind is K.role),
            server_names=sorted(x.name for x in objs if x.kind is K.foreign_server),
            schema_names=sorted(x.name for x in objs if x.kind is K.schema),
        )


@dataclass
class DatabaseFacts:
    """What one database told us: its server facts and the managed objects it holds."""

    name: str
    user: str = ""
    superuser: bool = False
    server_version: int = 0
    extensions: dict[str, dict[str, Any]] = field(default_factory=dict)
    available: dict[str, dict[str, Any]] = field(default_factory=dict)
    objects: list[CatalogObject] = field(default_factory=list)
    queries: int = 0


def _run(conn: psycopg.Connection, facts: DatabaseFacts, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    facts.queries += 1
    return fetch_all(conn, f"introspect/{name}", params)


def _marker(comment: str | None) -> dict[str, Any] | None:
    if not comment or not comment.startswith(MARKER):
        return None
    try:
        data = json.loads(comment[len(MARKER):])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _options(items: list[str] | None) -> dict[str, str]:
    return dict(item.split("=", 1) for item in (items or []) if "=" in item)


def _fields(columns: list[list[str]]) -> dict[str, str]:
    return {name: _TYPE_FROM_PG.get(pg_type, pg_type) for name, pg_type in columns[3:]}


def introspect_database(name: str, dsn: Sensitive, wanted: Wanted, statement_timeout_ms: int = 30000) -> DatabaseFacts:
    facts = DatabaseFacts(name=name)
    with connection(name, dsn) as conn:
        try:
            conn.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
            _read(conn, facts, wanted)
        except psycopg.Error as error:
            raise DatabaseError(name, f"reading the catalog failed: {scrub(server_message(error), dsn)}") from None
    return facts


def _read(conn: psycopg.Connection, facts: DatabaseFacts, wanted: Wanted) -> None:
    db = facts.name
    who = _run(conn, facts, "privilege")[0]
    facts.user, facts.superuser, facts.server_version = who["user_name"], who["superuser"], who["server_version"]
    facts.available = {row["name"]: row for row in _run(conn, facts, "available")}
    add = facts.objects.append
    for row in _run(conn, facts, "extensions"):
        facts.extensions[row["name"]] = row
        add(o.extension(db, row["name"], version=row["version"], schema=row["schema"]))

    roles = _run(conn, facts, "roles", {"role_names": wanted.role_names})
    known_roles = {row["name"] for row in roles}
    verifiers: dict[str, str | None] = {}
    if who["can_read_authid"]:
        verifiers = {r["name"]: r["verifier"] for r in _run(conn, facts, "role_passwords", {"role_names": sorted(known_roles)})}
    for row in roles:
        marker = _marker(row["comment"])
        purpose = (marker or {}).get("purpose", "unmarked")
        if who["can_read_authid"]:
            verifier = verifiers.get(row["name"])
            password = Sensitive(verifier) if verifier else None
        else:
            password = UNREADABLE
        add(o.role(db, row["name"], login=row["login"], purpose=purpose, password=password, managed=marker is not None))
        if purpose == "reader":
            for setting in row["settings"] or []:
                key, _, value = setting.partition("=")
                if READER_SETTING.fullmatch(key):
                    add(o.role_setting(db, row["name"], key, value))

    for row in _run(conn, facts, "schemas", {"schema_names": wanted.schema_names}):
        add(o.schema(db, row["name"]))
        for privilege, grantee in row["grants"]:
            if row["name"] == VTOPO_SCHEMA or grantee in known_roles:
                add(o.grant(db, privilege, key_of(db, K.schema, row["name"]), target=[row["name"]], role_name=grantee))

    for row in _run(conn, facts, "collections"):
        add(o.collection(db, row["name"], dimension=row["dimension"], vector_type=row["type"], rows=row["rows_estimate"]))
        for privilege, grantee in row["grants"]:
            if grantee in known_roles and privilege == "SELECT":
                add(o.grant(db, privilege, key_of(db, K.collection, row["name"]), target=[VECS_SCHEMA, row["name"]], role_name=grantee))
    for obj in classify_indexes(db, _run(conn, facts, "indexes"), _marker):
        add(obj)

    servers = _run(conn, facts, "servers", {"server_names": wanted.server_names})
    for row in servers:
        marker = _marker(row["comment"])
        add(
            o.foreign_server(
                db,
                row["name"],
                remote_database=(marker or {}).get("database", ""),
                options=_options(row["options"]),
                managed=marker is not None,
            )
        )
        for user_name, options, _ in row["mappings"] or []:
            if user_name != "public":
                continue
            mapping_options = _options(options) if options is not None else None
            if mapping_options is None:
                password: Sensitive | None = UNREADABLE
            else:
                password = Sensitive(mapping_options["password"]) if "password" in mapping_options else None
            add(o.user_mapping(db, row["name"], user=(mapping_options or {}).get("user"), password=password))

    for row in _run(conn, facts, "relations", {"view_names": wanted.view_names}):
        _add_relation(facts, row, known_roles)


def _add_relation(facts: DatabaseFacts, row: dict[str, Any], known_roles: set[str]) -> None:
    db, add = facts.name, facts.objects.append
    columns = [list(c) for c in (row["columns"] or [])]
    marker = _marker(row["comment"])
    qualified = f"{row['schema']}.{row['name']}"
    if row["schema"] == VTOPO_SCHEMA and row["name"] == JOURNAL_TABLE and row["kind"] == "r":
        return  # the apply journal: vtopo's own bookkeeping, not a managed object
    if row["schema"] == VTOPO_SCHEMA and row["kind"] == "v":
        obj = o.exposure_view(db, row["name"], columns=columns, fields=_fields(columns), version=(marker or {}).get("format", 0))
    elif row["schema"] == VTOPO_SCHEMA and row["kind"] == "f":
        obj = o.foreign_table(db, row["name"], server=row["server"] or "", columns=columns, options=_options(row["foreign_options"]))
        # reltuples -1: never analyzed; postgres_fdw then keeps filtered searches on the primary.
        obj = o.with_attrs(obj, analyzed=row["reltuples"] is not None and row["reltuples"] >= 0)
    elif row["schema"] == VTOPO_SCHEMA:
        # Something else (a table...) in vtopo's schema is not ours: never dropped, but if the
        # topology wants its view or foreign table at that name, the plan must stop (a conflict)
        # instead of planning a CREATE that fails at apply time.
        add(o.unmanaged(o.exposure_view(db, row["name"], columns=columns, fields={}, version=0)))
        add(o.unmanaged(o.foreign_table(db, row["name"], server="", columns=columns, options={})))
        return
    else:
        source = (marker or {}).get("source") or ["", ""]
        obj = o.exposed_view(
            db,
            qualified,
            collection_name=(marker or {}).get("collection", ""),
            source=list(source),
            columns=columns,
            fields=_fields(columns),
            managed=marker is not None and row["kind"] == "v",
        )
        if "security_invoker=true" not in (row["options"] or []):
            obj = o.with_spec(obj, security_invoker=False)
    add(obj)
    if not obj.managed:
        return
    for privilege, grantee in row["grants"]:
        add(o.grant(db, privilege, obj.key, target=[row["schema"], row["name"]], role_name=grantee))


def introspect_all(
    dsns: dict[str, Sensitive], wanted: dict[str, Wanted], *, max_workers: int = 8
) -> dict[str, DatabaseFacts]:
    """Read all databases in parallel; the first failure is raised (named by database)."""
    names = list(dsns)
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(names)))) as pool:
        futures = {name: pool.submit(introspect_database, name, dsns[name], wanted.get(name, Wanted())) for name in names}
        return {name: futures[name].result() for name in names}


def live_catalog(facts: dict[str, DatabaseFacts]) -> Catalog:
    catalog = Catalog()
    for database in facts.values():
        for obj in database.objects:
            if catalog.get(obj.key) is None:
                catalog.add(obj)
    return catalog


def count_rows(name: str, dsn: Sensitive, collections: list[str]) -> dict[str, int]:
    """Exact row counts of the given collections (one query)."""
    if not collections:
        return {}
    query = str(render_query("introspect/row_counts.sql.j2", names=sorted(set(collections))))
    with connection(name, dsn) as conn:
        try:
            with conn.cursor(row_factory=dict_row) as cursor:
                return {row["name"]: row["rows"] for row in cursor.execute(query).fetchall()}
        except psycopg.Error as error:
            raise DatabaseError(name, f"counting rows failed: {scrub(server_message(error), dsn)}") from None
