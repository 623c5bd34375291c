"""The facts `vtopo capacity` reports, as read from each database (no advice here)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServerMemory:
    """The server's memory settings, in bytes."""

    shared_buffers: int
    effective_cache_size: int
    maintenance_work_mem: int
    block_size: int
    buffercache: bool  # pg_buffercache installed: cached fractions are known
    buffercache_available: bool  # ... or at least installable


@dataclass(frozen=True)
class CollectionSize:
    name: str
    present: bool  # False: in the topology, not (yet) in the database
    rows_estimate: int | None = None  # None: never analyzed
    rows_exact: int | None = None  # only with --exact
    table_bytes: int | None = None
    indexes_bytes: int | None = None  # every index of the collection
    vector_index: str | None = None
    vector_index_method: str | None = None  # hnsw | ivfflat
    vector_index_bytes: int | None = None
    vector_index_valid: bool | None = None  # False: a build that did not finish (searches cannot use it)
    vector_index_cached: float | None = None  # fraction in shared buffers; None: unknown


@dataclass(frozen=True)
class ReaderLimits:
    """The role the primary logs in as, and the limits that hold for it in this database."""

    role: str
    settings: dict[str, str]
    connection_limit: int | None  # None: unlimited

    @property
    def statement_timeout(self) -> str | None:
        value = self.settings.get("statement_timeout")
        return None if value in (None, "0") else value


@dataclass(frozen=True)
class DatabaseCapacity:
    database: str
    primary: bool
    memory: ServerMemory | None = None
    collections: list[CollectionSize] = field(default_factory=list)
    reader: ReaderLimits | None = None  # secondaries with a reader role the primary maps to
    unreachable: str | None = None  # why the database could not be read
