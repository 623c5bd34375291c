"""The real Vecs client (0.4.5) and vtopo share collections in both directions.

- Vecs opens a collection vtopo created, upserts, queries with every filter
  operator, sees vtopo's vector index as its own (no "no covering index"
  warning) and create_index replaces that index instead of adding one.
- vtopo adopts a collection and index Vecs created: nothing to change on
  them when they match the topology, an online replacement when the index
  parameters differ.
"""

from __future__ import annotations

import warnings

import vecs
from harness import topology_for
from query_support import vecs_url

import vtopo
from vtopo.catalog.model import ObjectKind
from vtopo.operations import apply_topology, make_plan
from vtopo.plan.model import Part
from vtopo.catalog.changes import Action

ROWS = [
    (f"p{i}", [1.0 + i, (i % 5) / 5, -(i % 3)], {"n": i, "kind": ["memo", "essay", "poem"][i % 3],
                                                   "tags": ["x", "y"] if i % 2 else ["z"], "done": i % 4 == 0})
    for i in range(40)
]
FILTERS = [
    {"n": {"$eq": 7}},
    {"kind": {"$eq": "poem"}},
    {"kind": {"$ne": "memo"}},
    {"n": {"$lt": 10}},
    {"n": {"$lte": 10}},
    {"n": {"$gt": 30}},
    {"n": {"$gte": 30}},
    {"kind": {"$in": ["memo", "poem"]}},
    {"tags": {"$contains": "x"}},
    {"done": {"$eq": True}},
    {"$and": [{"n": {"$gte": 5}}, {"$or": [{"kind": {"$eq": "essay"}}, {"tags": {"$contains": "z"}}]}]},
]


def vector_indexes(db, table: str) -> list[str]:
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass "
            "AND pg_get_indexdef(indexrelid) ~ '(hnsw|ivfflat)'", (f"vecs.{table}",)
        ).fetchall()
    return sorted(row[0].removeprefix("vecs.") for row in rows)


def plan_changes(path) -> set[tuple[str, str, str]]:
    plan, _ = make_plan(path)
    return {(change.kind.value, change.name, change.action.value) for change in plan.changes}


def test_vecs_opens_queries_and_reindexes_a_vtopo_collection(pg_dbs, make_topology):
    data, env = topology_for(pg_dbs, prefix="QV", collections={
        "papers": {"database": "pod1", "dimension": 3, "measure": "cosine", "index": {"method": "hnsw", "m": 16, "ef_construction": 64}},
    })
    path = make_topology(data, env)
    apply_topology(path, approve=lambda plan: True)
    [vtopo_index] = vector_indexes(pg_dbs.secondary1, "papers")

    client = vecs.create_client(vecs_url(pg_dbs.secondary1.dsn))
    try:
        papers = client.get_or_create_collection("papers", dimension=3)  # opens, does not create
        papers.upsert(ROWS)
        assert papers.index == vtopo_index
        assert papers.is_indexed_for_measure(vecs.IndexMeasure.cosine_distance)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Query does not have a covering index" would fail here
            results = {str(f): papers.query(data=[1, 0.5, 0], limit=40, filters=f, ef_search=100) for f in FILTERS}
        assert all(results.values()), results
        with vtopo.connect(path) as topo:
            mine = topo.collection("papers")
            for f in FILTERS:
                assert mine.query([1, 0.5, 0], limit=40, filters=f, ef_search=100) == results[str(f)], f

        papers.create_index(measure=vecs.IndexMeasure.cosine_distance, method=vecs.IndexMethod.hnsw)
        [vecs_index] = vector_indexes(pg_dbs.secondary1, "papers")  # replaced, not added
        assert vecs_index != vtopo_index and vecs_index.startswith("ix_vector_cosine_ops_hnsw_m16_efc64_")
        assert plan_changes(path) == set()  # same parameters: vtopo takes Vecs's index as its own
    finally:
        client.disconnect()


def test_vtopo_adopts_collections_and_indexes_vecs_created(pg_dbs, make_topology):
    made = {}
    for db, name in ((pg_dbs.primary, "local"), (pg_dbs.secondary1, "remote")):
        client = vecs.create_client(vecs_url(db.dsn))
        try:
            collection = client.get_or_create_collection(name, dimension=3)
            collection.upsert(ROWS)
            collection.create_index(measure=vecs.IndexMeasure.l2_distance, method=vecs.IndexMethod.ivfflat,
                                    index_arguments=vecs.IndexArgsIVFFlat(n_lists=5))
        finally:
            client.disconnect()
        made[name] = vector_indexes(db, name)
    data, env = topology_for(pg_dbs, prefix="QA", collections={
        "local": {"database": "app", "dimension": 3, "measure": "l2", "index": {"method": "ivfflat", "lists": 5}},
        "remote": {"database": "pod1", "dimension": 3, "measure": "l2", "index": {"method": "ivfflat", "lists": 5}},
    })
    path = make_topology(data, env)

    # Tables and vector indexes are taken as they are. The only additions are the
    # metadata GIN indexes: Vecs 0.4.5 means to create one (ix_meta_…) but never
    # commits it, and vtopo's (and Vecs's) $eq filters rely on it.
    assert plan_changes(path) == {("metadata_index", "local.*", "create"), ("metadata_index", "remote.*", "create")}
    apply_topology(path, approve=lambda plan: True)
    assert plan_changes(path) == set()
    assert vector_indexes(pg_dbs.primary, "local") == made["local"]
    assert vector_indexes(pg_dbs.secondary1, "remote") == made["remote"]


def test_a_topology_describing_what_vecs_made_adopts_it_with_an_empty_plan(pg_dbs, make_topology):
    """`gin_index: false` says what Vecs 0.4.5 leaves (no committed GIN index): nothing to change."""
    for db in (pg_dbs.primary, pg_dbs.secondary2):  # an existing deployment: pgvector everywhere
        client = vecs.create_client(vecs_url(db.dsn))
        client.disconnect()
    client = vecs.create_client(vecs_url(pg_dbs.secondary2.dsn))
    try:
        collection = client.get_or_create_collection("atlas", dimension=3)
        collection.upsert(ROWS)
        collection.create_index(measure=vecs.IndexMeasure.max_inner_product, method=vecs.IndexMethod.hnsw)
    finally:
        client.disconnect()
    data, env = topology_for(pg_dbs, prefix="QE", collections={
        "atlas": {"database": "pod2", "dimension": 3, "measure": "inner_product",
                  "index": {"method": "hnsw", "m": 16, "ef_construction": 64}, "gin_index": False},
    })
    assert plan_changes(make_topology(data, env)) == set()


def test_vtopo_replaces_a_vecs_index_with_other_parameters_online(pg_dbs, make_topology):
    client = vecs.create_client(vecs_url(pg_dbs.secondary1.dsn))
    try:
        collection = client.get_or_create_collection("drafts", dimension=3)
        collection.upsert(ROWS)
        collection.create_index(method=vecs.IndexMethod.hnsw)  # m=16, ef_construction=64
        [before] = vector_indexes(pg_dbs.secondary1, "drafts")
        data, env = topology_for(pg_dbs, prefix="QR", collections={
            "drafts": {"database": "pod1", "dimension": 3, "index": {"method": "hnsw", "m": 24, "ef_construction": 64}},
        })
        path = make_topology(data, env)
        plan, _ = make_plan(path)
        [index_change] = [c for c in plan.changes if c.kind is ObjectKind.vector_index]
        assert index_change.action is Action.replace and "m: 16 → 24" in index_change.reason
        [step] = [s for s in plan.steps if s.change is index_change]
        assert step.part is Part.online_replace
        assert step.statements[0].sql.startswith("CREATE INDEX CONCURRENTLY")

        apply_topology(path, approve=lambda plan: True)
        [after] = vector_indexes(pg_dbs.secondary1, "drafts")
        assert after != before and after.startswith("ix_vector_cosine_ops_hnsw_m24_efc64_")
        reopened = client.get_or_create_collection("drafts", dimension=3)
        assert reopened.index == after
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert reopened.query(data=[1, 0, 0], limit=3)
        assert plan_changes(path) == set()
    finally:
        client.disconnect()

