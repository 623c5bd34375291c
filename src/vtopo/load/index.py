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
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable

import psycopg

from vtopo.apply.build_progress import BuildWatcher
from vtopo.apply.session import statement_settings
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.db.queries import fetch_all
from vtopo.desired.build import build_desired
from vtopo.kinds.indexes import VECTOR_METHODS
from vtopo.render.statements import render_sql
from vtopo.spec.resolve import ResolvedTopology

from .errors import LoadError

# A collection holding at most this many rows per incoming row loads without its vector index,
# which is built afterwards: rebuilding the whole graph is then cheaper than inserting into it.
DEFER_RATIO = 1.0
MAX_AUTO_MEMORY = 1 << 30  # sized maintenance_work_mem stays below 1 GB unless given


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
        chosen = tuple(build_settings(self.conn, self.desired, rows, vector_bytes, settings).items())
        watching = nullcontext() if progress is None else BuildWatcher(self.database, self.resolved.dsns[self.database]).build(
            self.conn, lambda report: progress(report.phase, report.done or 0, report.total or 0))
        with statement_settings(self.conn, chosen, local=False), watching:
            for statement in render_sql(self.desired, "create", concurrently=True, reveal=True):
                self.conn.execute(statement.encode())
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
    """maintenance_work_mem: enough to hold the HNSW graph (so the build never spills) or what
    pgvector requires for IVFFlat's k-means (below it the build is refused), at least the
    server's own value, at most MAX_AUTO_MEMORY; workers: the server's
    max_parallel_maintenance_workers, within max_parallel_workers. Both settable."""
    [server] = fetch_all(conn, "load/maintenance_settings")
    memory = given.maintenance_work_mem
    if memory is None:
        spec = index.spec_dict
        if spec["method"] == "hnsw":
            wanted = int(rows * (vector_bytes + 2 * spec["params"].get("m", 0) * 16 + 200) * 1.25)
        elif spec["method"] == "ivfflat":
            wanted = int(ivfflat_memory(rows, spec["params"]["lists"], vector_bytes,
                                        halfvec=spec["opclass"].startswith("halfvec")) * 1.1) + (1 << 20)
        else:
            wanted = 0
        memory = f"{max(server['memory'], min(wanted, MAX_AUTO_MEMORY)) // 1024}kB"
    workers = given.workers if given.workers is not None else min(server["workers"], server["worker_cap"])
    return {"maintenance_work_mem": memory, "max_parallel_maintenance_workers": str(workers)}


def ivfflat_memory(rows: int, lists: int, vector_bytes: int, *, halfvec: bool = False) -> int:
    """Bytes pgvector requires of maintenance_work_mem to build an IVFFlat index over `rows`
    (its ComputeCenters and ElkanKmeans, 0.8): 50 samples per list (at least 10,000) and, for
    k-means, a float per sample and list, a float per pair of lists, and the centers."""
    item = (vector_bytes + 7) // 8 * 8  # MAXALIGN of one stored vector
    room = max(lists * 50, 10_000)  # samples allocated for (pgvector caps it by the table's pages: less, never more)
    samples = min(room, rows)
    needed = room * item
    if samples <= lists:  # too few rows for k-means: centers are picked, nothing more is allocated
        return needed
    aggregate = lists * (2 * vector_bytes - 8) if halfvec else 0  # halfvec centers are summed as float4
    return (needed + 2 * lists * item + aggregate + 4 * samples * lists + 4 * lists * lists
            + 4 * (2 * samples + 3 * lists))
