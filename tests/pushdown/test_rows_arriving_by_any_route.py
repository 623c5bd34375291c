"""Pushdown that never waits for ANALYZE: rows reach the secondary by any route (straight
INSERTs, as the Vecs client does), from empty, after 10x growth, with a filter value no
statistics ever saw, and searches through the primary's view are still shipped whole with
no vtopo command run. A hand-run ANALYZE (which would bring back the problem) shows in
`plan` as pending work, and apply puts the pin back.
"""

from __future__ import annotations

import json
import random
import re

import pytest
from harness import run_vtopo, topology_for
from integration.helpers import Topo
from pushdown_helpers import explain, search_sql, single_remote_sql

DIMENSION = 16
COLLECTIONS = {
    "shoes": {
        "database": "pod1", "dimension": DIMENSION, "measure": "cosine",
        "index": {"method": "hnsw", "m": 8, "ef_construction": 32},
        "metadata": {"brand": {"type": "text", "index": True}, "size": {"type": "integer"}},
        "expose": {"view": "public.shoes"},
    },
}


@pytest.fixture
def make_topo(pg_dbs, make_topology, monkeypatch):
    def make(collections, *, prefix: str) -> Topo:
        data, env = topology_for(pg_dbs, prefix=prefix, collections=collections)
        return Topo(make_topology(data, env), data, env, pg_dbs, monkeypatch)

    return make


def insert_rows(db, start: int, count: int, brand_of) -> None:
    rng = random.Random(start)
    with db.connect() as conn, conn.cursor() as cursor:
        cursor.executemany(
            "insert into vecs.shoes (id, vec, metadata) values (%s, %s::vector, %s)",
            [(f"s{i}", json.dumps([rng.random() for _ in range(DIMENSION)]), json.dumps({"brand": brand_of(i), "size": 30 + i % 15}))
             for i in range(start, start + count)],
        )


def assert_shipped(primary) -> None:
    """Top-k, a promoted-field filter and a filtered top-k all reach the secondary whole."""
    vector = json.dumps([0.5] * DIMENSION)
    with primary.connect() as conn:
        top_k = single_remote_sql(explain(conn, search_sql(("public", "shoes"), "<=>", vector)))
        assert re.search(r"ORDER BY .* LIMIT 10::bigint$", top_k), top_k
        field = single_remote_sql(explain(conn, "SELECT id FROM public.shoes WHERE brand = 'sqlbrand'"))
        assert "WHERE ((brand = 'sqlbrand'))" in field, field
        filtered = single_remote_sql(explain(conn, search_sql(("public", "shoes"), "<=>", vector, where="brand = 'sqlbrand'", k=5)))
        assert "WHERE ((brand = 'sqlbrand'))" in filtered and re.search(r"ORDER BY .* LIMIT 5::bigint$", filtered), filtered
        contained = single_remote_sql(explain(conn, search_sql(("public", "shoes"), "<=>", vector, where="metadata @> '{\"size\": 31}'")))
        assert "WHERE ((metadata @> '{\"size\": 31}'))" in contained and "LIMIT 10" in contained, contained


def test_searches_stay_shipped_however_rows_arrive(make_topo):
    topo = make_topo(COLLECTIONS, prefix="RA")
    topo.apply_auto()
    primary, pod = topo.db("app"), topo.db("pod1")

    assert_shipped(primary)  # empty
    insert_rows(pod, 0, 2_000, lambda i: ["acme", "zenith"][i % 2])
    assert_shipped(primary)  # loaded behind vtopo's back
    insert_rows(pod, 2_000, 18_000, lambda i: "sqlbrand" if i % 4 == 0 else "acme")
    assert_shipped(primary)  # 10x growth, with a value no statistics saw
    topo.assert_plan_empty()  # nothing to do: the pin does not depend on the rows


def test_a_hand_run_analyze_is_pending_work_and_apply_puts_the_pin_back(make_topo):
    topo = make_topo(COLLECTIONS, prefix="RB")
    topo.apply_auto()
    primary, pod = topo.db("app"), topo.db("pod1")
    insert_rows(pod, 0, 300, lambda i: "acme")
    with primary.connect() as conn:
        conn.execute("ANALYZE vtopo.shoes")  # real statistics: 300 rows, brand always acme

    result = run_vtopo("plan", "-f", str(topo.path), "--detailed-exitcode", env=topo.env)
    assert result.returncode == 2, result.stderr
    assert "~ foreign_table shoes" in result.stdout and "statistics not pinned" in result.stdout
    topo.apply_auto()
    topo.assert_plan_empty()
    assert_shipped(primary)
    with primary.connect() as conn:
        reltuples, has_column_stats = conn.execute(
            "select c.reltuples, exists (select 1 from pg_statistic s where s.starelid = c.oid) "
            "from pg_class c where c.oid = 'vtopo.shoes'::regclass").fetchone()
    assert reltuples == 1e9 and not has_column_stats


def test_a_database_wide_analyze_leaves_the_pin_alone(make_topo):
    topo = make_topo(COLLECTIONS, prefix="RC")
    topo.apply_auto()
    with topo.db("app").connect() as conn:
        conn.execute("ANALYZE")  # what routine maintenance runs: foreign tables are skipped
    topo.assert_plan_empty()
