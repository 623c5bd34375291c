"""Direct = primary: a direct query runs with the search settings the reader role gives
queries arriving through the primary (issue 12).

The collection has metadata fields and no explicit iterative_scan, so the reader role gets
hnsw.iterative_scan = strict_order. A selective filter (47 rows of 20,000 match, on a field
no index serves) leaves an HNSW scan with ef_search 40 about no match among its candidates;
with the iterative scan it returns the full k, the same rows both ways.
"""

from __future__ import annotations

import random

import psycopg
import pytest
from query_support import filled_client

from vtopo.desired.settings import reader_settings
from vtopo.query.filters import parse_filter
from vtopo.query.search_settings import direct_settings
from vtopo.query.statements import search_statement, settings_statement
from vtopo.query.target import route
from vtopo.spec.loader import load_topology

PREFIX = "QS"
COLLECTIONS = {
    "items": {
        "database": "pod1", "dimension": 8,
        "metadata": {"category": {"type": "text"}, "price_cents": {"type": "integer", "index": True}},
        "expose": {"view": "public.items"},
    },
}
ROWS, RARE = 20_000, 47
RARE_FILTER = {"category": {"$eq": "rare"}}


def _rows():
    rng = random.Random(12)
    rare = set(rng.sample(range(ROWS), RARE))
    return [(f"i{i:05d}", [rng.uniform(-1, 1) for _ in range(8)],
             {"category": "rare" if i in rare else "common", "price_cents": rng.randrange(100_000)})
            for i in range(ROWS)]


@pytest.fixture(scope="module")
def topo(applied):
    with filled_client(applied, "items", _rows(), applied.dbs.secondary1) as client:
        yield client


def queries():
    rng = random.Random(5)
    return [[rng.uniform(-1, 1) for _ in range(8)] for _ in range(5)]


def test_direct_sets_exactly_what_the_reader_role_has(applied, topo):
    topology = load_topology(applied.path)
    target = route(topology, "items")
    assert target.settings == reader_settings(topology, "pod1")
    assert target.settings["hnsw.iterative_scan"] == "strict_order"  # the implicit default
    with applied.dbs.primary.connect() as conn:  # the role the primary logs in as on pod1
        (options,) = conn.execute(
            "SELECT umoptions FROM pg_user_mappings WHERE srvname = 'vtopo_pod1' AND usename = 'public'").fetchone()
    role = dict(item.split("=", 1) for item in options)["user"]
    with applied.dbs.secondary1.connect() as conn:  # its settings in pod1's database
        (config,) = conn.execute(
            "SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
            "JOIN pg_database d ON d.oid = s.setdatabase AND d.datname = current_database() "
            "WHERE r.rolname = %s", (role,)).fetchone()
    live = dict(item.split("=", 1) for item in config)
    applied_direct = direct_settings(target.settings, probes=None, ef_search=None)
    assert {name: applied_direct[name] for name in live} == live
    # Explicit per-query options still win.
    assert direct_settings(target.settings, probes=None, ef_search=120)["hnsw.ef_search"] == "120"


def test_a_selective_filtered_top_k_returns_the_same_full_k_both_ways(topo):
    direct, primary = topo.collection("items"), topo.collection("items", via="primary")
    for query in queries():
        rows = direct.query(query, limit=10, filters=RARE_FILTER)
        assert len(rows) == 10
        assert primary.query(query, limit=10, filters=RARE_FILTER) == rows
        cheap = {"$and": [RARE_FILTER, {"price_cents": {"$lt": 50_000}}]}  # the indexed field too
        rows = direct.query(query, limit=5, filters=cheap)
        assert len(rows) == 5 and primary.query(query, limit=5, filters=cheap) == rows


def test_without_the_reader_settings_the_direct_search_misses_rows(applied, topo):
    """The scenario of the issue: what direct returned before it applied the reader role's settings."""
    topology = load_topology(applied.path)
    target = route(topology, "items")
    counts = []
    with psycopg.connect(applied.dbs.secondary1.dsn) as conn:
        for query in queries():
            text, params = search_statement(target, parse_filter(RARE_FILTER), query=str(query), measure="cosine",
                                            limit=10, include_value=False, include_metadata=False)
            with conn.transaction():
                conn.execute(*settings_statement({"hnsw.ef_search": "40", "hnsw.iterative_scan": "off"}))
                counts.append(len(conn.execute(text, params).fetchall()))
    assert max(counts) < 10, counts
