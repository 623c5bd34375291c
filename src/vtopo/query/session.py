"""Connections to the topology's databases for queries and writes, and their errors.

One connection per database, opened on first use (autocommit: each
statement commits unless run inside `conn.transaction()`). Database errors
become DatabaseError with a one-line message that names the collection and
never the DSN.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg import errors as pg_errors

from vtopo.catalog.names import GUARD_SQLSTATE
from vtopo.errors import DatabaseError
from vtopo.db.connection import connect, connect_first, scrub, server_message
from vtopo.spec.resolve import ResolvedTopology

from .errors import unreachable_secondary_hint
from .target import Target


class Sessions:
    """Writes go to each database's own server; reads of a database with replicas go where its
    `reads` chooses (spec/reads.py), and to the next live server when that one goes away."""

    def __init__(self, resolved: ResolvedTopology) -> None:
        self.resolved = resolved
        self._connections: dict[str, psycopg.Connection] = {}
        self._readers: dict[str, psycopg.Connection] = {}

    def connection(self, database: str) -> psycopg.Connection:
        conn = self._connections.get(database)
        if conn is None or conn.closed or conn.broken:
            conn = connect(database, self.resolved.dsns[database])
            self._connections[database] = conn
        return conn

    def has_replicas(self, database: str) -> bool:
        return bool(self.resolved.replica_dsns.get(database))

    def reading(self, database: str) -> psycopg.Connection:
        """A connection for reads of `database`: its own server or one of its replicas."""
        if not self.has_replicas(database):
            return self.connection(database)
        conn = self._readers.get(database)
        if conn is None or conn.closed or conn.broken:
            conn = connect_first(database, self.resolved.read_dsns(database))
            self._readers[database] = conn
        return conn

    def close(self) -> None:
        for conn in [*self._connections.values(), *self._readers.values()]:
            conn.close()
        self._connections.clear()
        self._readers.clear()


@contextmanager
def database_errors(sessions: Sessions, target: Target) -> Iterator[None]:
    """Turn psycopg errors into a DatabaseError about the collection (secrets scrubbed)."""
    try:
        yield
    except psycopg.Error as error:
        raise describe(error, sessions, target) from None


def describe(error: psycopg.Error, sessions: Sessions, target: Target) -> DatabaseError:
    resolved = sessions.resolved
    detail = scrub(server_message(error), *resolved.secrets())
    apply_hint = _apply_hint(sessions)
    if isinstance(error, pg_errors.UndefinedTable):
        what = "table" if not target.through_view else "view"
        return DatabaseError(
            target.database,
            f"collection {target.collection!r}: {what} {target.schema}.{target.relation} does not exist",
            hint=apply_hint,
        )
    if isinstance(error, pg_errors.UndefinedColumn) and target.through_view:
        return DatabaseError(
            target.database,
            f"collection {target.collection!r}: view {target.schema}.{target.relation} does not match the topology: {detail}",
            hint=apply_hint,
        )
    if isinstance(error, pg_errors.SqlclientUnableToEstablishSqlconnection) and target.through_view:
        secondary = target.spec.database or ", ".join(target.spec.databases)
        return DatabaseError(
            target.database,
            f"collection {target.collection!r}: the primary could not reach database {secondary!r} "
            f"through postgres_fdw: {detail}",
            hint=unreachable_secondary_hint(detail, secondary, resolved.topology.source_path),
        )
    if getattr(error, "sqlstate", None) == GUARD_SQLSTATE:  # a shard's write guard: its words, and its hint
        hint = getattr(getattr(error, "diag", None), "message_hint", None)
        return DatabaseError(target.database, f"collection {target.collection!r}: {detail}", hint=hint)
    return DatabaseError(target.database, f"collection {target.collection!r}: {detail}")


def _apply_hint(sessions: Sessions) -> str:
    """What to run when the database does not hold the collection the topology declares."""
    return f"run: vtopo plan -f {sessions.resolved.topology.source_path} (then vtopo apply)"


def live_vector_type(conn: psycopg.Connection, name: str) -> str | None:
    """`vector(384)` for an existing collection table vecs.<name>, else None."""
    from .statements import collection_type_statement

    row = conn.execute(*collection_type_statement(name)).fetchone()
    return row[0] if row else None


def require_collection(sessions: Sessions, target: Target, *, read: bool = False) -> psycopg.Connection:
    """The connection to the collection's database (for reads: maybe a replica's), once its
    table is known to match the topology."""
    conn = sessions.reading(target.database) if read else sessions.connection(target.database)
    with database_errors(sessions, target):
        live = live_vector_type(conn, target.collection)
    apply_hint = _apply_hint(sessions)
    if live is None:
        raise DatabaseError(target.database, f"collection {target.collection!r} does not exist (no table vecs.{target.collection})",
                            hint=apply_hint)
    if live != str(target.shape):
        raise DatabaseError(
            target.database,
            f"collection {target.collection!r} is {live} in the database but {target.shape} in the topology",
            hint=apply_hint,
        )
    return conn
