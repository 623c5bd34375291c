"""Live state: read every database's catalogs into the shared object model.

Each kind turns catalog rows into its live objects (vtopo.kinds); the queries are
shared, so a database costs a fixed number of them whatever the number of
collections. All databases are read in parallel.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from vtopo.catalog.model import Catalog, CatalogObject, ObjectKind
from vtopo.db.connection import connection, scrub, server_message
from vtopo.errors import DatabaseError, DatabaseUnreachable
from vtopo.kinds import KINDS
from vtopo.kinds.reader import CatalogReader
from vtopo.spec.secrets import Sensitive


@dataclass(frozen=True)
class Wanted:
    """Names the desired state uses, per kind, so introspection can find look-alikes it must not clobber."""

    names: dict[ObjectKind, list[str]] = field(default_factory=dict)

    @classmethod
    def from_catalog(cls, desired: Catalog, database: str) -> Wanted:
        names: dict[ObjectKind, list[str]] = {}
        for obj in desired.in_database(database):
            names.setdefault(obj.kind, []).append(obj.name)
        return cls({kind: sorted(found) for kind, found in names.items()})


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


def introspect_database(name: str, dsn: Sensitive, wanted: Wanted, statement_timeout_ms: int = 30000) -> DatabaseFacts:
    with connection(name, dsn) as conn:
        try:
            conn.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
            return _read(CatalogReader(conn, name, wanted.names))
        except psycopg.Error as error:
            raise DatabaseError(name, f"reading the catalog failed: {scrub(server_message(error), dsn)}") from None


def _read(reader: CatalogReader) -> DatabaseFacts:
    """Every kind's live objects, in rank order (a kind may look at what earlier ones found)."""
    who = reader.who
    facts = DatabaseFacts(name=reader.database, user=who["user_name"], superuser=who["superuser"], server_version=who["server_version"])
    facts.available = {row["name"]: row for row in reader.rows("available")}
    facts.extensions = {row["name"]: row for row in reader.rows("extensions")}
    for kind in sorted(KINDS, key=lambda k: k.rank):
        for obj in KINDS[kind].introspect(reader):
            reader.found.setdefault(obj.key, obj)
            facts.objects.append(obj)
    facts.queries = reader.queries
    return facts


def introspect_all(
    dsns: dict[str, Sensitive], wanted: dict[str, Wanted], *, max_workers: int = 8
) -> dict[str, DatabaseFacts]:
    """Read all databases in parallel; the first failure is raised (named by database)."""
    return introspect_reachable(dsns, wanted, max_workers=max_workers, tolerate_unreachable=False)[0]


def introspect_reachable(
    dsns: dict[str, Sensitive], wanted: dict[str, Wanted], *, max_workers: int = 8, tolerate_unreachable: bool = True
) -> tuple[dict[str, DatabaseFacts], dict[str, DatabaseUnreachable]]:
    """Read all databases in parallel. A database vtopo cannot connect to is returned apart
    (so the others can still be planned and checked), unless not tolerated; any other failure
    is raised."""
    names = list(dsns)
    if not names:
        return {}, {}
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(names)))) as pool:
        futures = {name: pool.submit(introspect_database, name, dsns[name], wanted.get(name, Wanted())) for name in names}
        facts: dict[str, DatabaseFacts] = {}
        unreachable: dict[str, DatabaseUnreachable] = {}
        for name in names:
            try:
                facts[name] = futures[name].result()
            except DatabaseUnreachable as error:
                if not tolerate_unreachable:
                    raise
                unreachable[name] = error
        return facts, unreachable


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
    from vtopo.render.statements import render_query  # Jinja only when rows must be counted

    query = str(render_query("introspect/row_counts.sql.j2", names=sorted(set(collections))))
    with connection(name, dsn) as conn:
        try:
            with conn.cursor(row_factory=dict_row) as cursor:
                return {row["name"]: row["rows"] for row in cursor.execute(query).fetchall()}
        except psycopg.Error as error:
            raise DatabaseError(name, f"counting rows failed: {scrub(server_message(error), dsn)}") from None
