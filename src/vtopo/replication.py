"""Waiting for a database's replicas to replay what was just written there.

DDL reaches a streaming standby within milliseconds, but reads through the primary may land
on a replica at once: apply waits (briefly) until every replica has replayed the changes, so
the new reader role, views and indexes are there too, and check judges replicas after the
same wait.
"""

from __future__ import annotations

import time

import psycopg
from psycopg.conninfo import conninfo_to_dict

from vtopo.db.connection import connection
from vtopo.db.queries import fetch_all
from vtopo.diagnostics import Diagnostic, warning
from vtopo.errors import DatabaseUnreachable
from vtopo.spec.resolve import ResolvedTopology
from vtopo.spec.secrets import Sensitive

REPLAY_WAIT_SECONDS = 10.0
_POLL = 0.05


def replica_label(dsn: Sensitive) -> str:
    """host:port of a replica (never its password), for messages and check rows."""
    parts = conninfo_to_dict(dsn.reveal())
    return f"{parts.get('host') or parts.get('hostaddr') or 'localhost'}:{parts.get('port') or 5432}"


def wal_position(database: str, dsn: Sensitive) -> str | None:
    """Where the database's own server is in its WAL (None when it cannot be asked)."""
    try:
        with connection(database, dsn, connect_timeout=5) as conn:
            return fetch_all(conn, "replicas/wal_position")[0]["lsn"]
    except (DatabaseUnreachable, psycopg.Error):
        return None


def replayed_within(conn: psycopg.Connection, position: str, seconds: float) -> bool:
    """Wait until the replica of `conn` has replayed up to `position`, at most `seconds`."""
    deadline = time.monotonic() + seconds
    while not fetch_all(conn, "replicas/replayed", {"lsn": position})[0]["replayed"]:
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    return True


def wait_for_replicas(resolved: ResolvedTopology, databases: set[str], *, seconds: float = REPLAY_WAIT_SECONDS) -> list[Diagnostic]:
    """After changes to `databases`: wait until each of their replicas has replayed them.
    A replica that is down or slower than `seconds` is a warning, never a failure."""
    problems: list[Diagnostic] = []
    for database in sorted(databases):
        replicas = resolved.replica_dsns.get(database) or []
        position = wal_position(database, resolved.dsns[database]) if replicas else None
        if position is None:
            continue
        for dsn in replicas:
            label = replica_label(dsn)
            try:
                with connection(database, dsn, connect_timeout=5) as conn:
                    caught_up = replayed_within(conn, position, seconds)
            except DatabaseUnreachable as error:
                problems.append(warning(f"replica {label} of {database} is unreachable ({error.reason}); it gets the changes "
                                        "when it is back", where=database))
                continue
            except psycopg.Error:
                continue
            if not caught_up:
                problems.append(warning(f"replica {label} of {database} has not replayed the changes after {seconds:.0f}s: "
                                        "reads through the primary that land on it may not see them yet", where=database))
    return problems
