"""Fresh databases per test, and cleanup of what a test leaves in its servers.

Databases are per test; roles are cluster-wide, so after each test every role
that did not exist at session start is dropped (the code under test creates
roles, e.g. the FDW login roles).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql

from .servers import ServerInfo, ServerSet

_SUFFIX = {"primary": "p", "secondary1": "s1", "secondary2": "s2"}


@dataclass(frozen=True)
class PgDatabase:
    """One fresh database on one server (the superuser owns it)."""

    server: ServerInfo
    dbname: str

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def user(self) -> str:
        return self.server.user

    @property
    def password(self) -> str:
        return self.server.password

    @property
    def peer_host(self) -> str:
        """Host another server of the set uses to reach this one (postgres_fdw)."""
        return self.server.peer_host

    @property
    def peer_port(self) -> int:
        return self.server.peer_port

    @property
    def dsn(self) -> str:
        """libpq URI with the superuser password."""
        return self.server.dsn(self.dbname)

    def connect(self, **kwargs) -> psycopg.Connection:
        """A new psycopg 3 connection in autocommit mode (close it, or use `with`)."""
        return psycopg.connect(self.dsn, autocommit=True, connect_timeout=10, **kwargs)


@dataclass(frozen=True)
class PgDatabases:
    """`pg_dbs`: .primary, .secondary1, .secondary2 (iterable in that order)."""

    primary: PgDatabase
    secondary1: PgDatabase
    secondary2: PgDatabase

    def __iter__(self) -> Iterator[PgDatabase]:
        return iter((self.primary, self.secondary1, self.secondary2))


def roles(server: ServerInfo) -> set[str]:
    with server.connect() as conn:
        return {name for (name,) in conn.execute("select rolname from pg_roles")}


def create_databases(servers: ServerSet) -> PgDatabases:
    token = uuid.uuid4().hex[:10]
    # A different name on each server: a connection to the wrong server fails loudly.
    dbs = [PgDatabase(server, f"t_{token}_{_SUFFIX[server.name]}") for server in servers]
    for db in dbs:
        with db.server.connect() as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(db.dbname)))
    return PgDatabases(*dbs)


def drop_databases(dbs: PgDatabases, servers: ServerSet) -> None:
    """Drop the test's databases, then every role created since the session started."""
    leftovers = []
    for db in dbs:
        with db.server.connect() as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(db.dbname)))
    for server in servers:
        with server.connect() as conn:
            for role in sorted(roles(server) - servers.baseline_roles[server.name]):
                name = sql.Identifier(role)
                try:
                    # Only `postgres` is left that may hold its objects or grants.
                    conn.execute(sql.SQL("reassign owned by {} to current_user").format(name))
                    conn.execute(sql.SQL("drop owned by {}").format(name))
                    conn.execute(sql.SQL("drop role {}").format(name))
                except psycopg.Error as error:
                    leftovers.append(f"{server.name}: role {role}: {error}".strip())
    if leftovers:
        raise RuntimeError("test cleanup could not drop roles:\n" + "\n".join(leftovers))


@contextmanager
def fresh_databases(servers: ServerSet) -> Iterator[PgDatabases]:
    """Fresh databases for a test or a module, dropped on exit with every role created since
    the session started. A module sharing one must not also use `pg_dbs`: the cleanup of
    either would drop the roles of the other's topology."""
    dbs = create_databases(servers)
    try:
        yield dbs
    finally:
        drop_databases(dbs, servers)
