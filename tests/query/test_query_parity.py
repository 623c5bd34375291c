"""Filter parity: vtopo returns the same ids as the real Vecs client, directly and through the primary.

One collection on a secondary, exposed on the primary with promoted fields
(`title` text, `year` integer), filled by Vecs's own upsert with metadata of
every JSON type under the same keys. For generated filters (every operator,
nested $and/$or, mixed value types) Vecs's Collection.query, vtopo's direct
query and vtopo's query through the primary's view must agree, in order.
The collection has no vector index, so every search is exact and the order
is the true distance order on every path.
"""

from __future__ import annotations

import re
import warnings

import psycopg
import pytest
import vecs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_support import COMPOSITES, SCALARS, TITLES, YEARS, mixed_rows, vecs_url

import vtopo
from vtopo.query.filters import parse_filter
from vtopo.query.statements import search_statement
from vtopo.query.target import route
from vtopo.spec.loader import load_topology

PREFIX = "QP"
COLLECTIONS = {
    "notes": {
        "database": "pod1",
        "dimension": 3,
        "measure": "cosine",
        "index": {"method": "none"},
        "metadata": {"title": {"type": "text", "index": True}, "year": {"type": "integer", "index": True}},
        "expose": {"view": "public.notes"},
    }
}
QUERY = [0.3, -0.2, 0.9]
FIELDS = ["k", "s", "tags", "title", "year", "absent"]


@pytest.fixture(scope="module")
def world(applied):
    """Rows written by Vecs; a Vecs collection handle and vtopo's direct and primary handles."""
    client = vecs.create_client(vecs_url(applied.dbs.secondary1.dsn))
    notes = client.get_or_create_collection("notes", dimension=3)
    notes.upsert(mixed_rows(300))
    with applied.dbs.primary.connect() as conn:
        conn.execute("ANALYZE vtopo.notes")  # statistics, as apply's ANALYZE gives a fresh foreign table
    topo = vtopo.connect(applied.path)
    try:
        yield notes, topo.collection("notes"), topo.collection("notes", via="primary")
    finally:
        topo.close()
        client.disconnect()


def vecs_ids(collection, filters):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no vector index: Vecs warns on every query
        return collection.query(data=QUERY, limit=1000, filters=filters)


def assert_same_ids(world, filters):
    vecs_notes, direct, primary = world
    expected = vecs_ids(vecs_notes, filters)
    assert direct.query(QUERY, limit=1000, filters=filters) == expected, filters
    assert primary.query(QUERY, limit=1000, filters=filters) == expected, filters
    return expected


EVERY_OPERATOR = [
    {"year": {"$eq": 2020}},
    {"year": {"$eq": None}},
    {"k": {"$eq": True}},
    {"k": {"$eq": 2.5}},
    {"title": {"$eq": "alpha"}},  # promoted text field: typed column through the primary
    {"title": {"$eq": "5"}},  # the string "5", not the number 5
    {"s": {"$eq": "a"}},
    {"k": {"$eq": [1, "a"]}},
    {"k": {"$eq": {"x": 1}}},
    {"title": {"$ne": "alpha"}},
    {"year": {"$ne": 2020}},
    {"year": {"$lt": 2021}},
    {"year": {"$lte": 2020}},
    {"year": {"$gt": 2020}},  # jsonb order: booleans, arrays and objects sort above numbers
    {"s": {"$gte": "a"}},
    {"k": {"$lt": None}},
    {"title": {"$in": ["alpha", "beta"]}},
    {"title": {"$in": ["5", 5]}},
    {"k": {"$in": [1, "a", True, 2.5]}},
    {"k": {"$in": []}},
    {"tags": {"$contains": "a"}},
    {"tags": {"$contains": 1}},
    {"tags": {"$contains": True}},
    {"$and": [{"year": {"$gte": 2020}}, {"title": {"$eq": "beta"}}]},
    {"$or": [{"k": {"$eq": 1}}, {"$and": [{"s": {"$ne": "b"}}, {"tags": {"$contains": "b"}}]}]},
]


@pytest.mark.parametrize("filters", EVERY_OPERATOR, ids=lambda f: re.sub(r"\W+", "_", str(f))[:60])
def test_every_operator_returns_the_ids_vecs_returns(world, filters):
    assert_same_ids(world, filters)


def test_the_fixed_filters_are_not_trivial(world):
    # Guard against a vacuous pass: most filters match some rows but not all.
    counts = [len(vecs_ids(world[0], f)) for f in EVERY_OPERATOR]
    assert sum(1 for c in counts if 0 < c < 300) >= len(EVERY_OPERATOR) - 3, counts


LEAF_VALUES = SCALARS + TITLES[:4] + YEARS[:5]
conditions = st.one_of(
    st.builds(lambda f, op, v: {f: {op: v}}, st.sampled_from(FIELDS),
              st.sampled_from(["$eq", "$ne", "$lt", "$lte", "$gt", "$gte"]), st.sampled_from(LEAF_VALUES + COMPOSITES)),
    st.builds(lambda f, vs: {f: {"$in": vs}}, st.sampled_from(FIELDS),
              st.lists(st.sampled_from([v for v in LEAF_VALUES if v is not None]), max_size=4)),
    st.builds(lambda f, v: {f: {"$contains": v}}, st.sampled_from(FIELDS),
              st.sampled_from([v for v in LEAF_VALUES if v is not None])),
)
filters_strategy = st.recursive(
    conditions,
    lambda children: st.builds(lambda op, parts: {op: parts}, st.sampled_from(["$and", "$or"]),
                               st.lists(children, min_size=1, max_size=3)),
    max_leaves=6,
)


def test_generated_filters_return_the_ids_vecs_returns(world):
    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(filters_strategy)
    def check(filters):
        assert_same_ids(world, filters)

    check()


# -- through the primary: the filter is shipped to the secondary ----------------


def explain_through_primary(applied, filters) -> str:
    topology = load_topology(applied.path)
    target = route(topology, "notes", "primary")
    text, params = search_statement(
        target, parse_filter(filters), query=str(QUERY), measure="cosine", limit=10,
        include_value=True, include_metadata=False,
    )
    with psycopg.connect(applied.dbs.primary.dsn, autocommit=True) as conn:
        rows = conn.execute("EXPLAIN (VERBOSE, COSTS OFF) " + text, params).fetchall()
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize("filters", EVERY_OPERATOR, ids=lambda f: re.sub(r"\W+", "_", str(f))[:60])
def test_explain_shows_the_filter_shipped(world, applied, filters):
    plan = explain_through_primary(applied, filters)
    if filters == {"k": {"$in": []}}:  # nothing is in an empty list: the planner reads nothing
        assert "One-Time Filter: false" in plan, plan
        return
    remote = next(line for line in plan.splitlines() if "Remote SQL:" in line)
    assert "Filter:" not in plan, plan  # nothing is left for the primary to filter
    assert " WHERE " in remote, plan


def test_eq_on_a_promoted_text_field_uses_the_typed_column_remotely(world, applied):
    plan = explain_through_primary(applied, {"title": {"$eq": "alpha"}})
    remote = next(line for line in plan.splitlines() if "Remote SQL:" in line)
    assert re.search(r"\(title = 'alpha'(::text)?\)", remote), remote
    # ... and the secondary answers it from the B-tree index on the promoted field.
    with applied.dbs.secondary1.connect() as conn:
        conn.execute("SET enable_seqscan = off")
        local = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN (COSTS OFF) SELECT id FROM vtopo.notes WHERE title = 'alpha'").fetchall())
    assert "vtopo_md_notes_title" in local, local
