"""Filters on promoted fields of every type use the typed form, with Vecs's results.

Direct, a filter on an indexed field compares the expression its B-tree index is built
on (EXPLAIN shows the index); through the primary it compares the view's typed column,
which postgres_fdw ships. The rows must be those of the plain jsonb evaluation (the SQL
Vecs runs) for values of every JSON type under every key: integral and fractional
numbers, numbers past integer and bigint range, strings that look like numbers,
booleans, null, arrays, objects, missing keys. No vector index: every search is exact,
so the order is the true distance order on every path.
"""

from __future__ import annotations

import dataclasses
import random
import re
import warnings

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_support import filled_client

from vtopo.query.errors import FilterFieldWarning
from vtopo.query.filters import parse_filter
from vtopo.query.statements import search_statement
from vtopo.query.target import route
from vtopo.spec.loader import load_topology

PREFIX = "QY"
FIELDS = {
    "label": {"type": "text", "index": True},
    "price_cents": {"type": "integer", "index": True},
    "views": {"type": "bigint", "index": True},
    "score": {"type": "numeric", "index": True},
    "in_stock": {"type": "boolean", "index": True},
    "published_at": {"type": "timestamptz"},  # cannot be indexed: filters stay jsonb
}
COLLECTIONS = {
    "wares": {
        "database": "pod2", "dimension": 3, "index": {"method": "none"},
        "metadata": FIELDS, "expose": {"view": "public.wares"},
    },
}
QUERY = [0.2, -0.5, 0.7]
ROWS = 1500

NUMBERS = [0, 1, 5, 5.0, 2.5, -1, -7, 1000, 2147483647, -2147483647, -2147483648, 2147483648, 3e9,
           9223372036854775807, 9223372036854775808, 1e20, 0.1, 1e-5, -0.0]
OTHERS = ["5", "a", "", "true", True, False, None, [5], [1, "a"], {"x": 5}, {},
          "2024-01-01T00:00:00Z", "2024-01-01 00:00:00+00", "2023-06-30"]


def _value(rng: random.Random, key: str):
    if key == "in_stock" and rng.random() < 0.6:
        return rng.choice([True, False])
    if key == "label" and rng.random() < 0.6:
        return rng.choice(["alpha", "beta", "gamma"])
    if key == "published_at" and rng.random() < 0.6:
        return f"2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T00:00:00Z"
    if rng.random() < 0.5:
        return rng.randrange(-20, 400)  # the common case: small integers, selective equality
    return rng.choice(NUMBERS + OTHERS)


def _rows():
    rng = random.Random(21)
    rows = []
    for i in range(ROWS):
        metadata = {key: _value(rng, key) for key in FIELDS if rng.random() < 0.85}
        rows.append((f"w{i:05d}", [round(rng.uniform(-1, 1), 6) for _ in range(3)], metadata))
    return rows


@pytest.fixture(scope="module")
def world(applied):
    with filled_client(applied, "wares", _rows(), applied.dbs.secondary2) as topo:
        yield topo, load_topology(applied.path)


def statement(topology, filters, *, via="direct", plain=False):
    target = route(topology, "wares", via)
    if plain:  # the SQL Vecs runs: no typed form at all
        target = dataclasses.replace(target, promoted={}, indexed=frozenset())
    return search_statement(target, parse_filter(filters), query=str(QUERY), measure="cosine", limit=1000,
                            include_value=False, include_metadata=False)


def plain_ids(applied, topology, filters):
    with psycopg.connect(applied.dbs.secondary2.dsn, autocommit=True) as conn:
        return [row[0] for row in conn.execute(*statement(topology, filters, plain=True)).fetchall()]


def assert_same_ids(world, applied, filters):
    topo, topology = world
    expected = plain_ids(applied, topology, filters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no vector index: every query notes it
        assert topo.collection("wares").query(QUERY, limit=1000, filters=filters) == expected, filters
        assert topo.collection("wares", via="primary").query(QUERY, limit=1000, filters=filters) == expected, filters
    return expected


VALUES = [5, 5.0, 0, -1, 2.5, 2147483647, 2147483648, -2147483648, 9223372036854775807, 1e20, 0.1, 1e-5,
          True, False, None, "5", "alpha", "2024-01-01T00:00:00Z", [5], {"x": 5}]
TYPED_FIELDS = ["label", "price_cents", "views", "score", "in_stock", "published_at"]
OPERATORS = ["$eq", "$ne", "$lt", "$lte", "$gt", "$gte"]
FIXED = [
    {field: {op: value}} for field in TYPED_FIELDS for op in OPERATORS for value in VALUES
    if not (op != "$eq" and isinstance(value, (list, dict)))
] + [
    {field: {"$in": values}} for field in TYPED_FIELDS
    for values in ([5, 7, 300], [5, "5", True], [2.5, 0.1], [True], [False, 0], ["alpha", "beta"],
                   [2147483648, 1], [-2147483648])
] + [
    {field: {"$contains": value}} for field in TYPED_FIELDS for value in (5, "a", True)
]


def _id(filters) -> str:
    return re.sub(r"\W+", "_", str(filters))[:70]


@pytest.mark.parametrize("filters", FIXED, ids=_id)
def test_typed_filters_return_the_rows_of_the_jsonb_form(world, applied, filters):
    assert_same_ids(world, applied, filters)


def test_the_fixed_filters_are_not_trivial(world, applied):
    counts = [len(plain_ids(applied, world[1], f)) for f in FIXED]
    assert sum(1 for c in counts if 0 < c < ROWS) >= len(FIXED) * 2 // 3, counts


values = st.sampled_from([v for v in VALUES if not isinstance(v, (list, dict))] + list(range(-3, 12)))
conditions = st.one_of(
    st.builds(lambda f, op, v: {f: {op: v}}, st.sampled_from(TYPED_FIELDS), st.sampled_from(OPERATORS), values),
    st.builds(lambda f, vs: {f: {"$in": vs}}, st.sampled_from(TYPED_FIELDS),
              st.lists(values.filter(lambda v: v is not None), max_size=4)),
)
filters_strategy = st.recursive(
    conditions,
    lambda children: st.builds(lambda op, parts: {op: parts}, st.sampled_from(["$and", "$or"]),
                               st.lists(children, min_size=1, max_size=3)),
    max_leaves=5,
)


def test_generated_typed_filters_return_the_rows_of_the_jsonb_form(world, applied):
    @settings(max_examples=120, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(filters_strategy)
    def check(filters):
        assert_same_ids(world, applied, filters)

    check()


# -- how the rows are found ------------------------------------------------------


def explain(applied, topology, filters, via="direct") -> str:
    text, params = statement(topology, filters, via=via)
    db = applied.dbs.secondary2 if via == "direct" else applied.dbs.primary
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        rows = conn.execute("EXPLAIN (VERBOSE, COSTS OFF) " + text, params).fetchall()
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize(("field", "filters"), [
    ("price_cents", {"price_cents": {"$eq": 123}}),
    ("price_cents", {"price_cents": {"$in": [123, 124]}}),
    ("price_cents", {"price_cents": {"$lt": -15}}),
    ("views", {"views": {"$gte": 398}}),
    ("score", {"score": {"$eq": 42}}),
    ("label", {"label": {"$eq": "gamma-ray"}}),
])
def test_a_direct_filter_on_an_indexed_field_uses_its_index(world, applied, field, filters):
    plan = explain(applied, world[1], filters)
    assert re.search(rf"(Index Scan using|Bitmap Index Scan on) vtopo_md_wares_{field}\b", plan), plan
    assert plain_ids(applied, world[1], filters) == assert_same_ids(world, applied, filters)


def test_before_the_typed_form_an_integer_range_read_every_row(world, applied):
    text, params = statement(world[1], {"price_cents": {"$lt": -15}}, plain=True)
    with psycopg.connect(applied.dbs.secondary2.dsn, autocommit=True) as conn:
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (COSTS OFF) " + text, params).fetchall())
    assert "vtopo_md_wares_price_cents" not in plan and "Seq Scan" in plan, plan


@pytest.mark.parametrize(("filters", "remote"), [
    ({"price_cents": {"$eq": 123}}, r"\(price_cents = 123\)"),
    ({"views": {"$in": [1, 2]}}, r"\(views = ANY \('\{1,2\}'::bigint\[\]\)\)"),
    ({"score": {"$lt": 2.5}}, r"\(\(score < 2\.5\) OR \(\(score IS NULL\) AND"),
    ({"in_stock": {"$eq": True}}, r"in_stock"),
])
def test_through_the_primary_the_typed_column_is_shipped(world, applied, filters, remote):
    plan = explain(applied, world[1], filters, via="primary")
    shipped = next(line for line in plan.splitlines() if "Remote SQL:" in line)
    assert re.search(remote, shipped), shipped
    assert "Filter:" not in plan, plan  # nothing is left for the primary to filter


# -- a misspelled field ----------------------------------------------------------


def test_a_misspelled_field_warns_with_the_declared_name(world):
    topo = world[0]
    for via in ("direct", "primary"):
        with pytest.warns(FilterFieldWarning, match=r"'price_cent' is not a declared metadata field .*did you mean 'price_cents'\?"):
            topo.collection("wares", via=via).query(QUERY, filters={"price_cent": {"$eq": 5}})
    with warnings.catch_warnings():
        warnings.simplefilter("error", FilterFieldWarning)  # free-form keys stay fine
        topo.collection("wares").query(QUERY, filters={"$and": [{"colour": {"$eq": "red"}}, {"price_cents": {"$eq": 5}}]})


def test_the_cli_prints_the_did_you_mean_warning_on_stderr(world, applied, capsys):
    from vtopo.cli import main

    def run(filters):
        try:
            main(["query", "wares", "-f", str(applied.path), "--vector", "[1, 0, 0]", "--filter", filters,
                  "--format", "json"])
        except SystemExit as done:
            assert done.code in (0, None)
        return capsys.readouterr()

    out = run('{"price_cent": {"$gte": 5}}')
    assert out.out.strip() == "[]"
    assert "warning: filter field 'price_cent' is not a declared metadata field of collection 'wares'" in out.err
    assert "did you mean 'price_cents'?" in out.err
    assert "warning:" not in run('{"colour": {"$eq": "red"}}').err
