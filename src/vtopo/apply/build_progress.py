"""How far a concurrent index build is: pg_stat_progress_create_index, polled from a
connection of its own while the apply's session runs CREATE INDEX CONCURRENTLY."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import psycopg

from vtopo.db.connection import connect
from vtopo.db.queries import fetch_all
from vtopo.errors import VtopoError
from vtopo.spec.secrets import Sensitive

POLL_SECONDS = 0.5


@dataclass(frozen=True)
class BuildReport:
    """One reading: PostgreSQL's phase name and the counters that phase advances."""

    phase: str
    done: int | None = None
    total: int | None = None

    @property
    def percent(self) -> float | None:
        if not self.total or self.done is None:
            return None
        return min(100.0, 100.0 * self.done / self.total)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> BuildReport:
        # Each phase advances one pair: blocks while scanning the table, tuples while loading
        # or sorting them, lockers while waiting for older transactions.
        for prefix in ("tuples", "blocks", "lockers"):
            if row.get(f"{prefix}_total"):
                return cls(row["phase"], row[f"{prefix}_done"], row[f"{prefix}_total"])
        return cls(row["phase"])


class BuildWatcher:
    """Reports a build's progress every POLL_SECONDS; best effort (a failed poll just stops)."""

    def __init__(self, database: str, dsn: Sensitive, interval: float = POLL_SECONDS) -> None:
        self.database = database
        self.dsn = dsn
        self.interval = interval

    @contextmanager
    def build(self, conn: psycopg.Connection, report: Callable[[BuildReport], None]) -> Iterator[None]:
        done = threading.Event()
        thread = threading.Thread(
            target=self._poll, args=(conn.info.backend_pid, report, done), name="vtopo-index-progress", daemon=True
        )
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=10)

    def _poll(self, pid: int, report: Callable[[BuildReport], None], done: threading.Event) -> None:
        try:
            with connect(self.database, self.dsn, connect_timeout=5) as conn:
                while not done.wait(self.interval):
                    rows = fetch_all(conn, "apply/index_progress", {"pid": pid})
                    if rows and not done.is_set():
                        report(BuildReport.from_row(rows[0]))
        except (psycopg.Error, VtopoError, OSError):
            return  # progress is a courtesy; the build itself is checked by the executor
