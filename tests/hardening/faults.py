"""Fault injection for apply: kill the apply's backend at a chosen statement, watch
pg_stat_activity for a statement and act on it, hold locks that make statements wait, and
read the outcome (catalog snapshots, the journal, `vtopo status`).

The apply's sessions are recognised by their application_name ("vtopo apply …", set by
LockedSessions); the journal's own connection is "vtopo journal …" and is never touched.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import psycopg

from harness import PgDatabase
from integration.helpers import Topo, rows, scalar, snapshot, vtopo

from vtopo.operations import make_plan
from vtopo.plan.model import Statement, Step

APPLY_SESSIONS = "vtopo apply%"


def apply_backends(db: PgDatabase) -> list[dict[str, Any]]:
    """The apply's sessions on db: pid, state, query, wait_event_type."""
    found = rows(
        db,
        "select pid, state, query, wait_event_type from pg_stat_activity"
        " where datname = %s and application_name like %s and pid <> pg_backend_pid()",
        (db.dbname, APPLY_SESSIONS),
    )
    return [dict(zip(("pid", "state", "query", "wait_event_type"), row)) for row in found]


def terminate(db: PgDatabase, pid: int) -> bool:
    """pg_terminate_backend, waiting (up to 10 s) until the backend is gone."""
    return bool(scalar(db, "select pg_terminate_backend(%s, 10000)", (pid,)))


class KillAtStatement:
    """A Progress for an in-process apply: right before the first statement `when` accepts,
    run `action` (default: terminate the apply's session on `db`). The statement is then sent
    to a dead session, inside the database's open transaction or concurrent build."""

    def __init__(self, database: str, when: Callable[[Step, Statement], bool], action: Callable[[], None]) -> None:
        self.database, self.when, self.action = database, when, action
        self.fired_at: str | None = None

    @classmethod
    def terminating(cls, database: str, db: PgDatabase, when: Callable[[Step, Statement], bool]) -> KillAtStatement:
        def kill() -> None:
            pids = [b["pid"] for b in apply_backends(db)]
            assert len(pids) == 1, pids
            assert terminate(db, pids[0])

        return cls(database, when, kill)

    def step_started(self, step: Step, statement: Statement) -> None:
        if self.fired_at is None and step.database == self.database and self.when(step, statement):
            self.fired_at = f"{step.part.value} {step.change.kind.value} {step.change.name}"
            self.action()

    def database_done(self, database, phase, count) -> None:
        pass


@dataclass(eq=False)
class Watcher(threading.Thread):
    """Polls the apply's sessions on db until one runs a query matching `pattern` and waits on
    a lock (so it is caught mid-statement, deterministically), then runs act(pid)."""

    db: PgDatabase
    pattern: str
    act: Callable[[int], None]
    timeout: float = 60.0
    caught: str | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        regex = re.compile(self.pattern, re.IGNORECASE | re.DOTALL)
        try:
            while time.monotonic() < deadline:
                for backend in apply_backends(self.db):
                    if backend["state"] == "active" and backend["wait_event_type"] == "Lock" and regex.search(backend["query"] or ""):
                        self.caught = backend["query"]
                        self.act(backend["pid"])
                        return
                time.sleep(0.02)
            self.error = f"no apply session ran {self.pattern!r} within {self.timeout}s"
        except Exception as error:  # reported by the test, never swallowed
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.done.set()

    def joined(self) -> str:
        self.join(self.timeout + 5)
        assert self.error is None, self.error
        assert self.caught is not None
        return self.caught


@contextlib.contextmanager
def holding(db: PgDatabase, *statements: str) -> Iterator[psycopg.Connection]:
    """An open transaction on db that ran `statements` (locks, uncommitted writes) until the block ends."""
    conn = psycopg.connect(db.dsn, autocommit=False, connect_timeout=10)
    try:
        for statement in statements:
            conn.execute(statement)
        yield conn
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.rollback()
        conn.close()


# --- outcomes ------------------------------------------------------------------------------------

DATABASES = ("app", "pod1", "pod2")


# The journal creates schema vtopo on the primary when it first writes (CREATE SCHEMA IF NOT
# EXISTS, as the plan's own step does): after a failed first apply that step is no longer due.
JOURNAL_SCHEMA = ("app", "schema", "vtopo", "create")


def changes(plan) -> set[tuple[str, str, str, str]]:
    return {(c.database, c.kind.value, c.name, c.action.value) for c in plan.changes}


def step_labels(plan, database: str) -> list[str]:
    """What the report and the journal call the plan's steps in one database, in order."""
    return [f"{s.part.value} {s.change.kind.value} {s.change.name}" for s in plan.steps if s.database == database]


def remaining_after(plan, *, done: set[str]) -> set[tuple[str, str, str, str]]:
    """The plan's changes in the databases not in `done` (what a next plan must show)."""
    return {c for c in changes(plan) if c[0] not in done} - {JOURNAL_SCHEMA}


def current_plan(topo: Topo):
    return make_plan(topo.path)[0]


def assert_old_or_planned(topo: Topo, before: dict[str, set], *, old: set[str] = frozenset(), planned: set[str] = frozenset()) -> None:
    """Each named database is exactly in its old state (catalog snapshot unchanged) or in its
    planned state (a fresh plan has nothing left for it): never half-applied."""
    remaining = current_plan(topo)
    for key in sorted(set(old) | set(planned)) or DATABASES:
        now = snapshot(topo.db(key))
        left = sorted((c.kind.value, c.name, c.action.value) for c in remaining.changes_in(key))
        if key in old:
            assert now == before[key], f"{key} is not in its old state: appeared {sorted(now - before[key])}, gone {sorted(before[key] - now)}"
        elif key in planned:
            assert not left, f"{key} is not in its planned state; still to do: {left}"
        else:
            assert now == before[key] or not left, f"{key} is half-applied: still to do {left}"


def status_json(topo: Topo) -> dict[str, Any]:
    """`vtopo status --format json` (the CLI, reading the journal on the primary)."""
    return json.loads(vtopo("status", "-f", str(topo.path), "--format", "json").stdout)


def journal_rows(topo: Topo) -> list[dict[str, Any]]:
    found = rows(
        topo.db("app"),
        "select apply_id, database, status, steps_planned, steps_done, failed_step, error, rolled_back, finished_at is not null"
        " from vtopo._apply_journal order by apply_started_at, database",
    )
    keys = ("apply_id", "database", "status", "steps_planned", "steps_done", "failed_step", "error", "rolled_back", "finished")
    return [dict(zip(keys, row)) for row in found]


def vector_indexes_of(db: PgDatabase, table: str) -> list[tuple[str, bool, list[str]]]:
    """(name, valid, options) of every vector index on vecs.<table>."""
    return [
        (name, valid, sorted(options or []))
        for name, valid, options in rows(
            db,
            "select i.relname, ix.indisvalid, i.reloptions from pg_index ix join pg_class i on i.oid = ix.indexrelid"
            " join pg_am am on am.oid = i.relam where ix.indrelid = to_regclass(%s) and am.amname in ('hnsw', 'ivfflat')"
            " order by i.relname",
            (f"vecs.{table}",),
        )
    ]
