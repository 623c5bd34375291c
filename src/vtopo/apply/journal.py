"""The apply journal: what each apply did per database, kept on the primary.

One row per (apply, database) in `vtopo._apply_journal`, written after each
database's phase, each write its own transaction on a connection of its own
(so killing the apply's session, or a rolled-back transaction, never takes the
record with it). It is bookkeeping, not a managed object: introspection skips
it, so it never shows up in a plan. Writing it never fails an apply; a
problem becomes a warning. Errors are stored secret-free.

`vtopo status` reads the last entry per database (read_last_applies).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Iterable

import psycopg

from vtopo.version import __version__
from vtopo.catalog.names import JOURNAL_TABLE, VTOPO_SCHEMA
from vtopo.errors import DatabaseError, VtopoError
from vtopo.db.connection import connect, scrub, server_message
from vtopo.db.queries import fetch_all
from vtopo.diagnostics import Diagnostic, warning
from vtopo.spec.secrets import Sensitive

from .session import process_label

JOURNAL = f"{VTOPO_SCHEMA}.{JOURNAL_TABLE}"
KEEP_PER_DATABASE = 50  # older entries are pruned when an apply starts


class ApplyStatus(StrEnum):
    """Where an apply got in one database: not started → running → applied | partial | failed | interrupted.

    The values are what the journal stores and `vtopo status --format json` shows."""

    not_started = "not started"
    running = "running"  # or interrupted: nothing recorded a result
    applied = "applied"
    partial = "partial"  # the apply stopped (another database failed) after some of its steps
    failed = "failed"
    interrupted = "interrupted"  # SIGINT / SIGTERM: failed_step is where it stopped


class FailureState(StrEnum):
    """What a failed database keeps of the apply (the words `vtopo status` shows)."""

    rolled_back = "rolled back"
    steps_stay = "the steps before it stay applied"
    nothing_applied = "nothing was applied before it"


def failure_state(*, rolled_back: bool | None, steps_done: int) -> FailureState:
    """The one reading of a failure: its transaction rolled back, or it had committed with
    or without steps done before the failing one."""
    if rolled_back:
        return FailureState.rolled_back
    return FailureState.steps_stay if steps_done else FailureState.nothing_applied


def _run(conn: psycopg.Connection, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return fetch_all(conn, f"journal/{name}", params)


class ApplyJournal:
    """Writes one apply's rows. Every method swallows database errors into `problems`."""

    def __init__(
        self,
        database: str,
        dsn: Sensitive,
        *,
        secrets: Iterable[Sensitive | None] = (),
        topology: str | None = None,
        environment: str | None = None,
        targets: Iterable[str] = (),
    ) -> None:
        self.database = database
        self.dsn = dsn
        self.secrets = [dsn, *secrets]
        self.apply_id = uuid.uuid4().hex[:12]
        self.started_at = datetime.now(timezone.utc)
        self.topology = topology
        self.environment = environment
        self.targets = list(targets)
        self.applied_by = process_label()
        self.problems: list[Diagnostic] = []  # warnings: the journal could not be written
        self._conn: psycopg.Connection | None = None
        self._failures = 0
        self._ready = False

    # --- connection ------------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection | None:
        if self._failures >= 2:
            return None  # give up quietly after two failures: the apply matters more
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.database, self.dsn, connect_timeout=5)
            _run(self._conn, "timeouts", {"application_name": f"vtopo journal ({self.applied_by})"[:63]})
        if not self._ready:
            _run(self._conn, "create")
            _run(self._conn, "prune", {"keep": KEEP_PER_DATABASE})
            self._ready = True
        return self._conn

    def _attempt(self, what: str, action) -> None:
        try:
            conn = self._connection()
            if conn is not None:
                action(conn)
        except (psycopg.Error, VtopoError) as error:
            self._failures += 1
            text = error.message if isinstance(error, VtopoError) else server_message(error)
            message = scrub(f"could not {what} in the apply journal ({JOURNAL} in database {self.database!r}): {text}", *self.secrets)
            problem = warning(message, where=self.database)
            if problem not in self.problems:
                self.problems.append(problem)
            self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    # --- writing ---------------------------------------------------------------------------------

    def record(
        self,
        database: str,
        status: ApplyStatus | str,
        *,
        planned: int,
        applied: list[str],
        failed_step: str | None = None,
        error: str | None = None,
        rolled_back: bool | None = None,
        finished: bool = False,
    ) -> None:
        params = {
            "apply_id": self.apply_id,
            "database": database,
            "status": ApplyStatus(status).value,  # ValueError for a status the journal does not know
            "steps_planned": planned,
            "steps_done": json.dumps(applied),
            "failed_step": failed_step,
            "error": scrub(error, *self.secrets) if error else None,
            "rolled_back": rolled_back,
            "apply_started_at": self.started_at,
            "finished": finished,
            "topology": self.topology,
            "environment": self.environment,
            "targets": json.dumps(self.targets),
            "applied_by": self.applied_by,
            "vtopo_version": __version__,
        }
        self._attempt("record the state of database " + repr(database), lambda conn: _run(conn, "record", params))


# --- reading (vtopo status) ------------------------------------------------------------------------


@dataclass
class JournalEntry:
    """The last apply that touched one database."""

    apply_id: str
    database: str
    status: ApplyStatus | str  # a str: a status written by another vtopo version
    steps_planned: int
    steps_done: list[str] = field(default_factory=list)
    failed_step: str | None = None
    error: str | None = None
    rolled_back: bool | None = None
    apply_started_at: str = ""
    updated_at: str = ""
    finished_at: str | None = None
    topology: str | None = None
    environment: str | None = None
    targets: list[str] = field(default_factory=list)
    applied_by: str | None = None
    vtopo_version: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value


def _status(value: str) -> ApplyStatus | str:
    try:
        return ApplyStatus(value)
    except ValueError:
        return value


def read_last_applies(
    database: str, dsn: Sensitive, databases: list[str], *, secrets: Iterable[Sensitive | None] = ()
) -> dict[str, JournalEntry] | None:
    """The last journal entry per database (None: no journal yet on this primary)."""
    try:
        with connect(database, dsn, connect_timeout=10) as conn:
            _run(conn, "timeouts", {"application_name": "vtopo status"})
            if not _run(conn, "exists")[0]["present"]:
                return None
            rows = _run(conn, "last", {"databases": list(databases)})
    except psycopg.Error as error:
        raise DatabaseError(database, f"reading the apply journal failed: {scrub(server_message(error), dsn, *secrets)}") from None
    entries = {}
    for row in rows:
        values = {key: _iso(value) for key, value in row.items()}
        values["steps_done"] = list(row["steps_done"] or [])
        values["targets"] = list(row["targets"] or [])
        values["status"] = _status(row["status"])
        entries[row["database"]] = JournalEntry(**values)
    return entries
