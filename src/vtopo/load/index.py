"""The collection's vector index around a load: dropped before a first load, built after it.

pgvector's advice is to build the index after the initial load: HNSW inserts
slow down as the graph grows, a build after loading is many times faster.
The index is the one `vtopo apply` makes: its DDL is rendered from
templates/ddl/vector_index through the render layer (same name, method,
operator class, parameters), so `vtopo plan` is empty afterwards. The build
runs CONCURRENTLY (readers keep reading the loaded rows, by sequential scan,
meanwhile), with session `maintenance_work_mem` and parallel maintenance
workers sized from the server, and is checked for indisvalid.

If a load stops after the drop, the index is simply absent (or invalid, if a
build was cut short): `vtopo plan` shows it as a create, and the next
`vtopo load` or `vtopo apply` builds it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Callable

import psycopg

from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.db.connection import connect
from vtopo.db.queries import fetch_all
from vtopo.desired.build import build_desired
from vtopo.errors import VtopoError
from vtopo.kinds.indexes import VECTOR_METHODS
from vtopo.render.statements import render_sql
from vtopo.spec.resolve import ResolvedTopology

from .errors import LoadError

# A collection holding at most this many rows per incoming row loads without its vector index,
# which is built afterwards: rebuilding the whole graph is then cheaper than inserting into it.
DEFER_RATIO = 1.0
MAX_AUTO_MEMORY = 1 << 30  # sized maintenance_work_mem stays below 1 GB unless given
_POLL_SECONDS = 0.5


_MEMORY = re.compile(r"\d+\s*(kB|MB|GB|TB)?")


@dataclass(frozen=True)
class BuildSettings:
    """None: sized from the server and the rows (see build_settings)."""

    maintenance_work_mem: str | None = None
    workers: int | None = None

    def __post_init__(self) -> None:
        if self.maintenance_work_mem is not None and not _MEMORY.fullmatch(self.maintenance_work_mem.strip()):
            raise LoadError(f"--maintenance-work-mem {self.maintenance_work_mem!r} is not a size",
                            hint="give a number with kB, MB, GB or TB, as PostgreSQL writes it: 2GB, 512MB")
        if self.workers is not None and not 0 <= self.workers <= 1024:
            raise LoadError(f"--index-workers must be from 0 to 1024, got {self.workers}")


IndexProgress = Callable[[str, int, int], None]  # phase, done, total


class VectorIndexAround:
    """The desired vector index of one collection, and what the load did to it."""

    def __init__(self, conn: psycopg.Connection, resolved: ResolvedTopology, database: str, collection: str) -> None:
        self.conn = conn
        self.resolved = resolved
        self.database = database
        self.collection = collection
        self.desired: CatalogObject | None = build_desired(resolved.topology).get(
            key_of(database, ObjectKind.vector_index, collection))
        self.deferred = False

    @property
    def name(self) -> str | None:
        return self.desired.attrs_dict["index_name"] if self.desired is not None else None

    def live(self) -> dict[str, dict]:
        """The table's vector indexes now: name -> {valid, method, options, opclass}."""
        return {row["name"]: row for row in fetch_all(self.conn, "load/vector_indexes", {"table": self.collection})}

    def _ours(self, live: dict[str, dict]) -> str | None:
        """The one live vector index if it is the desired one under any name (an online replacement
        by apply gives it another), else None: another definition is apply's to replace."""
        if len(live) != 1 or self.desired is None:
            return None
        [(name, row)] = live.items()
        spec = self.desired.spec_dict
        params = dict(VECTOR_METHODS.get(row["method"], {}))
        for option in row["options"] or []:
            key, _, value = option.partition("=")
            if key in params and value.isdigit():
                params[key] = int(value)
        same = (row["method"], row["opclass"], params) == (spec["method"], spec["opclass"], spec["params"])
        return name if same else None

    def defer(self) -> bool:
        """Drop the desired index (valid, or left invalid by a cut build) before loading; False when
        there is none to set aside or the table has another vector index."""
        if self.desired is None:
            return False
        live = self.live()
        ours = self._ours(live)
        if live and ours is None:
            return False
        if ours is not None:
            self._drop(ours)
        self.deferred = True
        return True

    def needs_build(self) -> bool:
        """After the load: set aside, or absent/invalid after an earlier cut load (and no other vector index)."""
        if self.desired is None:
            return False
        if self.deferred:
            return True
        live = self.live()
        ours = self._ours(live)
        return not live or (ours is not None and not live[ours]["valid"])

    def build(self, rows: int, vector_bytes: int, settings: BuildSettings, progress: IndexProgress | None = None) -> None:
        """CREATE INDEX CONCURRENTLY as apply renders it, then indisvalid checked."""
        assert self.desired is not None
        live = self.live()
        leftover = self._ours(live)
        if leftover is not None and live[leftover]["valid"]:  # built meanwhile (a vtopo apply)
            self.deferred = False
            return
        if leftover is not None:  # left invalid by a cut build
            self._drop(leftover)
        for name, value in build_settings(self.conn, self.desired, rows, vector_bytes, settings).items():
            fetch_all(self.conn, "load/set_session", {"name": name, "value": value})
        watcher = None
        if progress is not None:
            try:
                watcher = _Watcher(self.resolved, self.database, self.conn.info.backend_pid, progress)
            except VtopoError:
                pass  # progress is best effort: no second session, no percent
        try:
            for statement in render_sql(self.desired, "create", concurrently=True, reveal=True):
                self.conn.execute(statement.encode())
        finally:
            if watcher is not None:
                watcher.stop()
        if not self.live().get(self.name, {}).get("valid"):
            self._drop(self.name)
            raise LoadError(f"collection {self.collection!r}: the vector index {self.name} was built but is not valid; "
                            "it was dropped", hint="re-run the load (or vtopo apply) to build it again")
        self.deferred = False

    def _drop(self, name: str) -> None:
        obj = self.desired.with_attrs(index_name=name)
        for statement in render_sql(obj, "delete", concurrently=True, reveal=True):
            self.conn.execute(statement.encode())


def build_settings(conn: psycopg.Connection, index: CatalogObject, rows: int, vector_bytes: int,
                   given: BuildSettings) -> dict[str, str]:
    """maintenance_work_mem: enough to hold the HNSW graph (so the build never spills), at least
    the server's own value, at most MAX_AUTO_MEMORY; workers: the server's
    max_parallel_maintenance_workers, within max_parallel_workers. Both settable."""
    [server] = fetch_all(conn, "load/maintenance_settings")
    memory = given.maintenance_work_mem
    if memory is None:
        spec = index.spec_dict
        per_row = vector_bytes + 2 * spec["params"].get("m", 0) * 16 + 200
        wanted = int(rows * per_row * 1.25) if spec["method"] == "hnsw" else 0
        memory = f"{max(server['memory'], min(wanted, MAX_AUTO_MEMORY)) // 1024}kB"
    workers = given.workers if given.workers is not None else min(server["workers"], server["worker_cap"])
    return {"maintenance_work_mem": memory, "max_parallel_maintenance_workers": str(workers)}


class _Watcher:
    """Polls pg_stat_progress_create_index from a second session while the build runs."""

    def __init__(self, resolved: ResolvedTopology, database: str, pid: int, progress: IndexProgress) -> None:
        self._stop = threading.Event()
        self._conn = connect(database, resolved.dsns[database])
        self._thread = threading.Thread(target=self._run, args=(pid, progress), daemon=True)
        self._thread.start()

    def _run(self, pid: int, progress: IndexProgress) -> None:
        try:
            while not self._stop.wait(_POLL_SECONDS):
                for row in fetch_all(self._conn, "load/index_progress", {"pid": pid}):
                    done, total = ((row["blocks_done"], row["blocks_total"]) if row["blocks_total"]
                                   else (row["tuples_done"], row["tuples_total"]))
                    progress(row["phase"], done or 0, total or 0)
        except psycopg.Error:
            pass  # progress is best effort: the build itself reports its errors
        finally:
            self._conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
