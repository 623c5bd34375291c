"""Plain advice from capacity facts: where the numbers say searches will read from disk,
builds will be slow, or a pod is unprotected. Pure: facts in, advice out."""

from __future__ import annotations

from dataclasses import dataclass

from .facts import CollectionSize, DatabaseCapacity

# Below this fraction of a (fitting) vector index in shared buffers, the first searches read from disk.
COLD_FRACTION = 0.5


@dataclass(frozen=True)
class Advice:
    database: str
    collection: str | None
    severity: str  # warning | note
    message: str


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def advise(databases: list[DatabaseCapacity]) -> list[Advice]:
    found: list[Advice] = []
    for database in databases:
        if database.memory is None:
            continue
        for collection in database.collections:
            found += _collection_advice(database, collection)
        reader = database.reader
        if reader is not None and reader.statement_timeout is None:
            found.append(Advice(
                database.database, None, "warning",
                f"reader role {reader.role} has no statement_timeout in this database: one runaway query "
                f"through the primary can hold this pod's CPU; set databases.{database.database}.reader.statement_timeout",
            ))
    return found


def _collection_advice(database: DatabaseCapacity, collection: CollectionSize) -> list[Advice]:
    memory = database.memory
    assert memory is not None
    name, index, size = collection.name, collection.vector_index, collection.vector_index_bytes

    def advice(severity: str, message: str) -> Advice:
        return Advice(database.database, name, severity, message)

    if not collection.present:
        return [advice("note", f"collection {name} is not in the database yet (vtopo apply creates it)")]
    if index is None or size is None:
        return []
    found = []
    if collection.vector_index_method == "hnsw" and size > memory.shared_buffers:
        found.append(advice(
            "warning",
            f"HNSW index {index} ({human_bytes(size)}) is larger than shared_buffers "
            f"({human_bytes(memory.shared_buffers)}): searches will read from disk: raise shared_buffers, or shard",
        ))
    elif collection.vector_index_cached is not None and collection.vector_index_cached < COLD_FRACTION:
        found.append(advice(
            "note",
            f"only {collection.vector_index_cached:.0%} of {index} is in shared buffers: the next searches read it "
            "from disk (prewarm: true keeps it loaded)",
        ))
    if size > memory.effective_cache_size:
        found.append(advice(
            "warning",
            f"{index} ({human_bytes(size)}) is larger than the server's cache (effective_cache_size "
            f"{human_bytes(memory.effective_cache_size)}): move {name} to a pod of its own, or shard it",
        ))
    if collection.vector_index_method == "hnsw" and size > memory.maintenance_work_mem:
        found.append(advice(
            "note",
            f"{index}'s graph ({human_bytes(size)}) does not fit maintenance_work_mem "
            f"({human_bytes(memory.maintenance_work_mem)}): rebuilds will be slow; raise maintenance_work_mem for builds",
        ))
    return found
