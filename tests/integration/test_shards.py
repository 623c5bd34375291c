"""Sharded collections (`shards: [pod1, pod2]`): rows placed by a stable function of the id,
the primary's view returning every row once and shipping filters to every shard, the search
function's global top-k (searched on every shard at once), against real servers."""

from __future__ import annotations

import json
import random

import psycopg
import pytest

from vtopo.errors import VtopoError
from vtopo.shards.placement import BUCKETS, bucket_of, placement

from .helpers import Topo, rows, scalar
from .helpers import vtopo as vtopo_cli

DIMENSION = 8
GRANTEE = "shard_reader"
ROWS = 2000


def collections() -> dict:
    return {
        "notes": {
            "shards": ["pod1", "pod2"], "dimension": DIMENSION, "measure": "cosine",
            "index": {"method": "hnsw", "m": 8, "ef_construction": 64},
            "metadata": {"topic": {"type": "text", "index": True}, "year": {"type": "integer"}},
            "search": {"ef_search": 100},
            "expose": {"view": "public.notes", "grant": [GRANTEE]},
        },
    }


def vector(rng: random.Random) -> list[float]:
    return [round(rng.gauss(0, 1), 4) for _ in range(DIMENSION)]


def records(count: int, seed: int = 15) -> list[tuple[str, list[float], dict]]:
    rng = random.Random(seed)
    # 2% of the rows have topic "rare": a selective filter
    return [(f"note-{i}", vector(rng), {"topic": "rare" if i % 50 == 0 else f"t{i % 7}", "year": 2000 + i % 25})
            for i in range(count)]


def write_by_placement(topo: Topo, items) -> None:
    """Rows straight into the shard their id is placed on (as a Vecs client pointed at each would)."""
    owner = {bucket: shard for shard, buckets in placement(["pod1", "pod2"]).items() for bucket in buckets}
    for shard in ("pod1", "pod2"):
        mine = [(i, str(v), json.dumps(m)) for i, v, m in items if owner[bucket_of(i)] == shard]
        with topo.db(shard).connect() as conn, conn.cursor() as cursor:
            cursor.executemany("INSERT INTO vecs.notes (id, vec, metadata) VALUES (%s, %s::vector, %s::jsonb)", mine)


@pytest.fixture
def sharded(make_topo) -> Topo:
    topo = make_topo(collections(), prefix="SH")
    topo.setup_apply()
    return topo


def as_grantee(topo: Topo, query: str, params=()) -> list[tuple]:
    with topo.db("app").connect() as conn:
        conn.execute(f"SET ROLE {GRANTEE}")
        return conn.execute(query, params).fetchall()


def test_the_bucket_is_the_same_in_python_and_in_sql(sharded):
    ids = [f"id-{i}" for i in range(200)] + ["", "ünïcode", "a'b", "x" * 500]
    with sharded.db("pod1").connect() as conn:
        conn.execute("INSERT INTO vecs.notes (id, vec) SELECT i, array_fill(0.5, ARRAY[8])::vector FROM unnest(%s::text[]) AS i", (ids,))
        found = dict(conn.execute("SELECT id, vtopo_bucket FROM vtopo.notes").fetchall())
    assert found == {i: bucket_of(i) for i in ids}
    assert all(0 <= b < BUCKETS for b in found.values())


def test_every_row_once_through_the_view_and_filters_shipped_to_every_shard(sharded):
    items = records(ROWS)
    write_by_placement(sharded, items)
    counts = {shard: scalar(sharded.db(shard), "SELECT count(*) FROM vecs.notes") for shard in ("pod1", "pod2")}
    assert all(0.35 * ROWS <= n <= 0.65 * ROWS for n in counts.values()), counts
    ids = [r[0] for r in as_grantee(sharded, "SELECT id FROM public.notes")]
    assert sorted(ids) == sorted(i for i, _, _ in items)  # each row once
    plan = scalar(sharded.db("app"), "EXPLAIN (VERBOSE, FORMAT JSON) SELECT id FROM public.notes WHERE topic = 'rare' AND year > 2010")
    remote = [node["Remote SQL"] for node in _nodes(plan) if "Remote SQL" in node]
    assert len(remote) == 2 and all("topic" in sql and "year" in sql and "vtopo_bucket" in sql for sql in remote), remote
    # Rows a shard holds for buckets it does not own are not read (a copy left by a rebalance).
    stray = next(i for i, _, _ in items if i in _ids_on(sharded, "pod2"))
    with sharded.db("pod1").connect() as conn:
        conn.execute("INSERT INTO vecs.notes (id, vec) VALUES (%s, array_fill(0.1, ARRAY[8])::vector)", (stray,))
    assert len([r for r in as_grantee(sharded, "SELECT id FROM public.notes WHERE id = %s", (stray,))]) == 1


def test_the_search_function_returns_the_global_top_k(sharded):
    items = records(ROWS)
    write_by_placement(sharded, items)
    rng = random.Random(7)
    everything = {i: (v, m) for i, v, m in items}
    hits = total = 0
    for _ in range(20):
        query = vector(rng)
        exact = sorted(everything, key=lambda i: _cosine(everything[i][0], query))[:10]
        found = [r[0] for r in as_grantee(sharded, "SELECT id FROM public.match_notes(%s::vector, 10)", (str(query),))]
        hits += len(set(found) & set(exact))
        total += 10
    assert hits / total >= 0.95, hits / total
    rare = as_grantee(sharded, "SELECT id, metadata, distance FROM public.match_notes(%s::vector, 10, '{\"topic\": \"rare\"}')",
                      (str(vector(rng)),))
    assert len(rare) == 10 and all(m["topic"] == "rare" for _, m, _ in rare)
    assert [d for _, _, d in rare] == sorted(d for _, _, d in rare)  # nearest first across shards
    # Killed sessions on a shard: the next call reconnects.
    for shard in ("pod1", "pod2"):
        with sharded.db(shard).connect() as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename LIKE 'vtopo_fdw_%%' AND datname = current_database()")
    with sharded.db("app").connect() as conn:
        conn.execute(f"SET ROLE {GRANTEE}")
        first = conn.execute("SELECT id FROM public.match_notes(%s::vector, 5)", (str(vector(rng)),)).fetchall()
        for shard in ("pod1", "pod2"):
            with sharded.db(shard).connect() as pod:
                pod.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename LIKE 'vtopo_fdw_%%' AND datname = current_database()")
        again = conn.execute("SELECT id FROM public.match_notes(%s::vector, 5)", (str(vector(rng)),)).fetchall()
    assert len(first) == 5 and len(again) == 5


def test_the_plan_is_empty_after_apply_and_the_graph_shows_both_shards(sharded):
    sharded.assert_plan_empty()
    assert rows(sharded.db("pod1"), "SELECT to_regclass('vtopo.notes') IS NOT NULL") == [(True,)]


def _ids_on(topo: Topo, shard: str) -> set[str]:
    return {r[0] for r in rows(topo.db(shard), "SELECT id FROM vecs.notes")}


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = (sum(x * x for x in a) ** 0.5) * (sum(y * y for y in b) ** 0.5)
    return 1 - dot / norm


def _nodes(plan):
    stack = [plan[0]["Plan"] if isinstance(plan, list) else plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("Plans", []))


def test_the_python_api_routes_writes_by_id_and_merges_reads(sharded):
    import numpy as np

    import vtopo

    items = records(600, seed=3)
    with vtopo.connect(sharded.path) as client:
        notes = client.collection("notes")
        notes.upsert(items[:300])
        notes.upsert(ids=[i for i, _, _ in items[300:]], vectors=np.array([v for _, v, _ in items[300:]], dtype=np.float32),
                     metadata=[m for _, _, m in items[300:]])
        owner = {b: s for s, buckets in placement(["pod1", "pod2"]).items() for b in buckets}
        for shard in ("pod1", "pod2"):  # each id on the shard its bucket is placed on, and only there
            assert _ids_on(sharded, shard) == {i for i, _, _ in items if owner[bucket_of(i)] == shard}
        query = items[42][1]
        exact = sorted(items, key=lambda item: _cosine(item[1], query))[:5]
        found = notes.query(query, limit=5, include_value=True, ef_search=400)
        assert [i for i, _ in found] == [i for i, _, _ in exact]
        assert [d for _, d in found] == sorted(d for _, d in found)
        filtered = notes.query(query, limit=3, filters={"topic": {"$eq": "rare"}}, include_metadata=True, ef_search=400)
        assert len(filtered) == 3 and all(m["topic"] == "rare" for _, m in filtered)
        fetched = notes.fetch([items[1][0], items[2][0], "missing"])
        assert [f[0] for f in fetched] == [items[1][0], items[2][0]]
        with pytest.raises(VtopoError, match="record 1"):
            notes.upsert([("ok-1", [0.1] * DIMENSION, {}), ("bad", [0.1] * 3, {})])
        assert notes.fetch(["ok-1"]) == []  # nothing was written
        deleted = notes.delete(ids=[items[1][0], items[2][0]])
        assert sorted(deleted) == sorted([items[1][0], items[2][0]])
        assert sorted(notes.delete(filters={"topic": {"$eq": "rare"}})) == sorted(
            i for i, _, m in items if m["topic"] == "rare")
    listed = json.loads(sharded_query(sharded, "--vector", json.dumps(query), "--limit", "3", "--format", "json"))
    assert [r["id"] for r in listed] == [i for i, _, _ in exact if i not in (items[1][0], items[2][0])][:3]


def sharded_query(topo: Topo, *args: str) -> str:
    return vtopo_cli("query", "notes", "-f", str(topo.path), *args).stdout
