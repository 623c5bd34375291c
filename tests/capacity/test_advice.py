"""Advice from capacity facts (pure logic)."""

from __future__ import annotations

from vtopo.capacity.advice import advise, human_bytes
from vtopo.capacity.facts import CollectionSize, DatabaseCapacity, ReaderLimits, ServerMemory

MB = 1024 * 1024


def memory(**overrides) -> ServerMemory:
    values = dict(shared_buffers=128 * MB, effective_cache_size=4096 * MB, maintenance_work_mem=64 * MB,
                  block_size=8192, buffercache=True, buffercache_available=True)
    return ServerMemory(**{**values, **overrides})


def collection(method="hnsw", size=10 * MB, cached=0.9, present=True) -> CollectionSize:
    return CollectionSize("docs", present=present, rows_estimate=1000, table_bytes=MB, indexes_bytes=size,
                          vector_index="docs_idx", vector_index_method=method, vector_index_bytes=size, vector_index_cached=cached)


def messages(*collections: CollectionSize, reader: ReaderLimits | None = None, **memory_overrides) -> list[str]:
    database = DatabaseCapacity("pod", False, memory(**memory_overrides), list(collections), reader)
    return [f"{a.severity}: {a.message}" for a in advise([database])]


def test_an_index_that_fits_and_is_cached_needs_no_advice():
    assert messages(collection()) == []


def test_an_hnsw_index_larger_than_shared_buffers_says_raise_or_shard():
    (message,) = messages(collection(size=200 * MB, cached=0.3), maintenance_work_mem=1024 * MB)
    assert message.startswith("warning: HNSW index docs_idx (200.0 MB) is larger than shared_buffers (128.0 MB)")
    assert "raise shared_buffers, or shard" in message


def test_a_cold_index_that_fits_suggests_prewarm():
    (message,) = messages(collection(cached=0.1))
    assert message.startswith("note: only 10% of docs_idx is in shared buffers")


def test_a_graph_larger_than_maintenance_work_mem_warns_of_slow_builds_for_hnsw_only():
    assert any("does not fit maintenance_work_mem" in m for m in messages(collection(size=100 * MB), shared_buffers=1024 * MB))
    assert not any("maintenance_work_mem" in m for m in messages(collection(method="ivfflat", size=100 * MB)))


def test_an_index_larger_than_the_cache_says_move_or_shard():
    found = messages(collection(method="ivfflat", size=5000 * MB))
    assert any("larger than the server's cache" in m and "move docs to a pod of its own, or shard it" in m for m in found)


def test_a_reader_without_statement_timeout_is_a_warning():
    unprotected = ReaderLimits("reader", {"hnsw.ef_search": "100"}, None)
    protected = ReaderLimits("reader", {"statement_timeout": "5s"}, 10)
    assert any("no statement_timeout" in m for m in messages(reader=unprotected))
    assert messages(reader=protected) == []
    assert ReaderLimits("reader", {"statement_timeout": "0"}, None).statement_timeout is None


def test_a_collection_not_created_yet_is_a_note():
    assert messages(collection(present=False)) == ["note: collection docs is not in the database yet (vtopo apply creates it)"]


def test_human_bytes():
    assert [human_bytes(n) for n in (512, 2048, 3 * MB, 5 * 1024 * MB)] == ["512 B", "2.0 kB", "3.0 MB", "5.0 GB"]
