"""The filter language without a database: what is refused, and the SQL it becomes.

Vecs's own validator (vecs.collection.build_filters) is the reference: every
filter it refuses, vtopo refuses; every filter vtopo accepts, Vecs accepts
and turns into a real condition (never the silent `WHERE NULL`).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy
from hypothesis import given, settings
from hypothesis import strategies as st
from vecs.collection import build_filters, build_table
from vecs.exc import FilterError as VecsFilterError

from vtopo.query.compile import compile_filter
from vtopo.query.errors import FilterError
from vtopo.query.filters import parse_filter, parse_filter_json
from vtopo.render.statements import render_query

METADATA = build_table("t", sqlalchemy.MetaData(schema="vecs"), 3).c.metadata


def vecs_clause(filters):
    """Vecs's clause, or the exception class it raises."""
    try:
        return build_filters(METADATA, filters)
    except Exception as error:  # noqa: BLE001 - any refusal counts
        return type(error)


VECS_REFUSES = [
    [],
    "year",
    {"a": {"$eq": 1}, "b": {"$eq": 2}},
    {"$and": {"a": {"$eq": 1}}},
    {"$or": "a"},
    {"a": {"$eq": 1, "$ne": 2}},
    {"a": {"$like": "x"}},
    {"a": {"$in": "abc"}},
    {"a": {"$in": [None]}},
    {"a": {"$in": [[1]]}},
    {"a": {"$contains": [1]}},
    {"a": {"$contains": None}},
    {"$and": [{"a": {"$eq": 1}}, "b"]},
]


@pytest.mark.parametrize("bad", VECS_REFUSES, ids=json.dumps)
def test_what_vecs_refuses_vtopo_refuses(bad):
    assert vecs_clause(bad) is VecsFilterError
    with pytest.raises(FilterError):
        parse_filter(bad)


SILENT_IN_VECS = [
    ({"year": 2020}, 'give an operator: {"year": {"$eq": 2020}}'),
    ({"year": {}}, "no operator"),
    ({"$and": [{}]}, "an empty condition {} matches nothing"),
    ({"$nor": [{"a": {"$eq": 1}}]}, "unknown logical operator '$nor'"),
    ({"$not": {"$eq": 1}}, "unknown logical operator '$not'"),
    ({"$and": []}, "$and needs at least one condition"),
    ({"$or": []}, "$or needs at least one condition"),
]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # SQLAlchemy on Vecs's empty and_()/or_()
@pytest.mark.parametrize(("silent", "message"), SILENT_IN_VECS, ids=lambda v: json.dumps(v) if isinstance(v, dict) else "")
def test_forms_vecs_silently_answers_wrongly_are_errors_with_a_fix(silent, message):
    assert not isinstance(vecs_clause(silent), type)  # Vecs accepts it...
    with pytest.raises(FilterError) as raised:
        parse_filter(silent)
    assert message in raised.value.message


def test_errors_name_the_place_in_the_filter():
    with pytest.raises(FilterError) as raised:
        parse_filter({"$and": [{"a": {"$eq": 1}}, {"$or": [{"year": {"$gtt": 3}}]}]})
    assert raised.value.message.startswith("filter $and[1].$or[0].year: unknown operator '$gtt'")


def test_malformed_json_is_reported_with_its_position():
    with pytest.raises(FilterError) as raised:
        parse_filter_json('{"a": {"$eq": 1}')
    assert "not valid JSON" in raised.value.message and "column 17" in raised.value.message


def test_no_filter_and_empty_filter_mean_every_row_as_in_vecs():
    assert parse_filter(None) is None
    assert parse_filter({}) is None


# A loose grammar: mostly valid shapes with wrong pieces mixed in.
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2, allow_nan=False),
                         st.sampled_from(["a", "", "$eq"]))
operators = st.sampled_from(["$eq", "$ne", "$lt", "$lte", "$gt", "$gte", "$in", "$contains", "$nin", "eq"])
fields = st.sampled_from(["a", "b", "$and", "$or", "$x"])
loose = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(fields, inner, max_size=2),
        st.dictionaries(fields, st.dictionaries(operators, inner, max_size=2), max_size=2),
    ),
    max_leaves=8,
)
# Filters of the right shape with wrong pieces now and then (bare values, {}, $nor, []).
json_values = st.one_of(json_scalars, st.lists(json_scalars, max_size=3), st.dictionaries(fields, json_scalars, max_size=2))
near_leaf = st.one_of(
    st.builds(lambda f, op, v: {f: {op: v}}, st.sampled_from(["a", "b"]), operators, json_values),
    st.builds(lambda f, v: {f: v}, st.sampled_from(["a", "b"]), json_scalars),
    st.just({"a": {}}),
)
near_valid = st.recursive(
    near_leaf,
    lambda inner: st.builds(lambda op, parts: {op: parts}, st.sampled_from(["$and", "$or", "$and", "$or", "$nor"]),
                            st.lists(inner, max_size=3)),
    max_leaves=6,
)


def _has_silent_part(clause) -> bool:
    """Vecs's WHERE NULL: a None clause, or one built from a None part."""
    if clause is None:
        return True
    return "NULL" in str(clause.compile(compile_kwargs={"literal_binds": False}))


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.one_of(near_valid, loose))
def test_vtopo_is_never_looser_than_vecs(candidate):
    try:
        tree = parse_filter(candidate)
    except FilterError:
        return
    if tree is None:
        assert candidate in (None, {})
        return
    clause = vecs_clause(candidate)
    assert not isinstance(clause, type), f"Vecs refuses {candidate!r} ({clause}) but vtopo accepts it"
    assert not _has_silent_part(clause), f"vtopo accepts {candidate!r}, which Vecs turns into WHERE NULL"


def render(filters, promoted=None, view=False):
    node, params = compile_filter(parse_filter(filters), promoted=promoted)
    sql = render_query("query/search.sql.j2", schema="vecs", relation="t", vector_column="vec", vector_type="vector",
                       operator="<=>", limit=5, include_value=False, include_metadata=False, filter=node, view=view)
    return sql.split("WHERE ", 1)[1].split("\nORDER BY")[0], params


@pytest.mark.parametrize(("filters", "direct"), [
    ({"n": {"$eq": 7}}, "metadata @> %(v0)s::jsonb"),
    ({"n": {"$eq": None}}, "metadata @> %(v0)s::jsonb"),
    ({"s": {"$eq": "x"}}, "(metadata -> %(v0)s::text) = %(v1)s::jsonb"),
    ({"s": {"$ne": "x"}}, "(metadata -> %(v0)s::text) <> %(v1)s::jsonb"),
    ({"n": {"$lt": 1}}, "(metadata -> %(v0)s::text) < %(v1)s::jsonb"),
    ({"n": {"$gte": 1}}, "(metadata -> %(v0)s::text) >= %(v1)s::jsonb"),
    ({"n": {"$in": [1, "a"]}}, "(metadata -> %(v0)s::text) IN (%(v1)s::jsonb, %(v2)s::jsonb)"),
    ({"n": {"$in": []}}, "FALSE"),
    ({"t": {"$contains": "x"}},
     "((metadata -> %(v0)s::text) @> %(v1)s::jsonb AND jsonb_typeof((metadata -> %(v0)s::text)) = 'array')"),
    ({"$or": [{"n": {"$eq": 1}}, {"n": {"$eq": 2}}]}, "(metadata @> %(v0)s::jsonb OR metadata @> %(v1)s::jsonb)"),
])
def test_direct_filters_are_vecs_sql(filters, direct):
    assert render(filters)[0] == direct


def test_through_the_view_filters_are_shippable_and_use_promoted_text_columns():
    promoted = {"url": "text", "year": "integer"}
    sql, params = render({"$and": [{"url": {"$eq": "/a"}}, {"year": {"$eq": 2020}}, {"t": {"$contains": 1}},
                                   {"url": {"$in": ["/a", "/b"]}}, {"year": {"$gt": 2000}}]}, promoted, view=True)
    assert sql == (
        '(("url" = %(v0)s AND metadata[%(v1)s::text] = %(v2)s::jsonb)'
        " AND metadata @> %(v3)s::jsonb"
        " AND (metadata[%(v4)s::text] @> %(v5)s::jsonb AND metadata[%(v4)s::text] @> '[]'::jsonb)"
        ' AND ("url" IN (%(v6)s, %(v7)s) AND metadata[%(v8)s::text] IN (%(v9)s::jsonb, %(v10)s::jsonb))'
        " AND metadata[%(v11)s::text] > %(v12)s::jsonb)"
    )
    assert params["v0"] == "/a" and params["v2"] == '"/a"' and params["v3"] == '{"year":2020}'


def test_user_values_never_reach_the_sql_text():
    evil = "x'); DROP TABLE vecs.t; --"
    for view, promoted in ((False, None), (True, {"url": "text"})):
        sql, params = render({"$or": [{evil: {"$eq": evil}}, {evil: {"$in": [evil]}}, {evil: {"$eq": 1}},
                                      {"url": {"$eq": evil}}, {"url": {"$in": [evil]}}]}, promoted, view=view)
        assert "DROP" not in sql
        assert evil in params.values()
