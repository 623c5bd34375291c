"""One apply's connections: a session per database holding vtopo's advisory lock."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from vtopo.errors import DatabaseError, DatabaseUnreachable, PlanError
from vtopo.db.connection import connect
from vtopo.db.queries import fetch_all
from vtopo.spec.secrets import Sensitive

# Advisory lock key: "vtop" split over the two int4 halves pg_try_advisory_lock(int, int) takes.
LOCK_KEY = {"classid": 0x7674, "objid": 0x6F70}


def run(conn: psycopg.Connection, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return fetch_all(conn, f"apply/{name}", params)


@contextmanager
def statement_settings(conn: psycopg.Connection, settings: tuple[tuple[str, str], ...], *, local: bool) -> Iterator[None]:
    """Run one statement with `settings` (an index build's memory and workers), then put the
    session's values back: they never outlive the statement, in the session or on the server."""
    previous = [(name, run(conn, "session_setting", {"name": name, "value": value, "local": local})[0]["previous"])
                for name, value in settings]
    try:
        yield
    finally:
        # After a failure inside a transaction the rollback discards local settings anyway.
        if previous and not conn.closed and conn.info.transaction_status is not TransactionStatus.INERROR:
            for name, value in reversed(previous):
                run(conn, "session_setting", {"name": name, "value": value, "local": local})


def process_label() -> str:
    """This process as other sessions and the journal name it: `host pid N`."""
    return f"{socket.gethostname()} pid {os.getpid()}"


@dataclass(frozen=True)
class Timeouts:
    lock_timeout: str = "10s"
    statement_timeout: str = "5min"
    index_timeout: str = "0"  # concurrent index builds: no limit unless asked

    def apply(self, conn: psycopg.Connection, *, local: bool, index: bool = False) -> None:
        # A concurrent build waits for every older transaction in the database (lock waits that
        # block nobody: its SHARE UPDATE EXCLUSIVE lock never queues reads or writes). Under
        # lock_timeout, any transaction open longer than that, even a read elsewhere, would fail
        # the build; index_timeout bounds the whole build instead.
        run(
            conn,
            "timeouts",
            {
                "lock_timeout": self.index_timeout if index else self.lock_timeout,
                "statement_timeout": self.index_timeout if index else self.statement_timeout,
                "local": local,
            },
        )


class LockedSessions:
    """Connections to every database of a plan, each holding vtopo's advisory lock.

    Locks are taken in a fixed order (database name) so two applies cannot
    deadlock; a busy lock is retried until `lock_wait` seconds, then the
    holder is named in the error. With tolerate_unreachable, a database that cannot be
    connected to is left out and named in `unreachable` (the caller decides whether to go on).
    """

    def __init__(
        self, dsns: dict[str, Sensitive], *, lock_wait: float = 60.0, topology_name: str | None = None,
        tolerate_unreachable: bool = False,
    ) -> None:
        self.dsns = dsns
        self.lock_wait = lock_wait
        self.tolerate_unreachable = tolerate_unreachable
        self.unreachable: dict[str, DatabaseUnreachable] = {}
        self.application_name = f"vtopo apply {topology_name or ''} ({process_label()})".replace("  ", " ")
        self.connections: dict[str, psycopg.Connection] = {}

    def __enter__(self) -> LockedSessions:
        try:
            for database in sorted(self.dsns):
                try:
                    conn = connect(database, self.dsns[database])
                except DatabaseUnreachable as error:
                    if not self.tolerate_unreachable:
                        raise
                    self.unreachable[database] = error
                    continue
                self.connections[database] = conn
                conn.execute("SELECT set_config('application_name', %s, false)", (self.application_name[:63],))
                self._acquire(database, conn)
        except BaseException:
            self.close()
            raise
        return self

    def _acquire(self, database: str, conn: psycopg.Connection) -> None:
        deadline = time.monotonic() + self.lock_wait
        delay = 0.05
        while True:
            if run(conn, "try_lock", LOCK_KEY)[0]["locked"]:
                return
            if time.monotonic() >= deadline:
                holder = run(conn, "lock_holder", LOCK_KEY)
                who = "another session"
                if holder:
                    h = holder[0]
                    who = f"{h['application_name'] or 'a session'} (pid {h['pid']}, user {h['user_name']}, since {h['since']})"
                raise PlanError(
                    f"database {database!r}: another vtopo apply holds the lock: {who}",
                    hint=f"waited {self.lock_wait:g}s; wait for it to finish or raise --lock-wait",
                )
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for conn in self.connections.values():
            try:
                if not conn.closed:
                    conn.rollback() if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE else None
                    run(conn, "unlock", LOCK_KEY)
            except psycopg.Error:
                pass  # a broken connection releases its session lock anyway
            finally:
                conn.close()
        self.connections.clear()

    def cancel_running(self) -> None:
        """Ask the server to cancel whatever each session is running (an interrupt; see apply.interrupt)."""
        for conn in list(self.connections.values()):
            try:
                if not conn.closed:
                    conn.cancel_safe(timeout=5)
            except (psycopg.Error, OSError):
                pass  # a session that cannot be cancelled is stopped when its statement ends

    def get(self, database: str) -> psycopg.Connection:
        conn = self.connections.get(database)
        if conn is None or conn.closed:
            raise DatabaseError(database, "the connection was lost during apply")
        return conn
