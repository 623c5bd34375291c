"""Quoting: every value reaches SQL through ident/literal/keyword/type_name/integer/secret."""

from __future__ import annotations

import re

import pytest
import render_objects as r

from vtopo import kinds
from vtopo.catalog.columns import view_columns
from vtopo.render.environment import UnquotedValue, environment, ident, integer, keyword, literal, type_name
from vtopo.render.statements import render_sql
from vtopo.spec.models import IndexMethod
from vtopo.spec.secrets import Sensitive

ESCAPED_PASSWORD = "'kelp''; DROP ROLE core; --'"


def rendered(obj, action: str, **kwargs) -> str:
    return "\n".join(render_sql(obj, action, **kwargs))


def render_template(source: str, **values) -> str:
    return environment().from_string(source).render(**values)


# --- identifiers and literals -----------------------------------------------


@pytest.mark.parametrize(
    "parts, expected",
    [
        (("corals",), '"corals"'),
        (("vecs", "corals"), '"vecs"."corals"'),
        (("Mixed Case",), '"Mixed Case"'),
        (('say "hi"',), '"say ""hi"""'),
        (("o'brien",), "\"o'brien\""),
    ],
)
def test_identifiers_are_always_double_quoted(parts, expected):
    assert ident(*parts) == expected


@pytest.mark.parametrize("bad", ["", None, 3])
def test_an_identifier_must_be_a_non_empty_string(bad):
    with pytest.raises(UnquotedValue):
        ident("vecs", bad)


@pytest.mark.parametrize(
    "value, expected",
    [("reef", "'reef'"), ("o'brien", "'o''brien'"), ("a;b", "'a;b'"), (7, "7"), ("", "''")],
)
def test_literals_are_single_quoted_with_quotes_doubled(value, expected):
    assert literal(value) == expected


def test_every_identifier_in_rendered_sql_is_quoted():
    sql = rendered(r.foreign_table, "create") + rendered(r.collection, "create") + rendered(r.table_grant, "create")
    for name in ("vtopo", "corals", "vtopo_reef", "vecs", "public", "marine_app", "schema_name"):
        assert f'"{name}"' in sql
        assert re.search(rf'(?<!["\'\w]){name}(?!["\w])', sql) is None, name


def test_a_metadata_field_name_is_an_identifier_and_a_literal():
    sql = rendered(r.field_indexes["o_brien"], "create")
    assert "(metadata ->> 'o_brien')" in sql
    assert "'vtopo:{\"field\":\"o_brien\",\"type\":\"text\"}'" in sql
    view = rendered(r.exposure_view, "create")
    assert "(metadata ->> 'o_brien') AS \"o_brien\"" in view


def test_a_field_name_with_a_quote_cannot_break_out():
    """Spec validation only allows plain names; the templates hold even without it."""
    index = kinds.metadata_index.new(r.REEF, "corals", "o'brien", field_type="text", index_name="vtopo_md_corals_obrien")
    assert "(metadata ->> 'o''brien')" in rendered(index, "create")
    view = kinds.exposure_view.new(r.REEF, "corals", columns=view_columns("vector", 3, {"o'brien": "integer"}), fields={"o'brien": "integer"})
    sql = rendered(view, "create")
    assert "(metadata -> 'o''brien')::integer END) AS \"o'brien\"" in sql
    assert "'o'brien'" not in sql


@pytest.mark.parametrize("view", [r.exposure_view, r.local_exposed_view], ids=["exposure_view", "exposed_view"])
def test_view_columns_follow_the_order_of_spec_columns(view):
    """Introspection reads columns by position: the SQL must create them in spec order."""
    expected = [name for name, _ in view.spec_dict["columns"][3:]]
    created = re.findall(r' AS "([^"]+)"', rendered(view, "create"))
    assert created == expected


def test_view_columns_in_non_alphabetical_order():
    fields = {"zeta": "text", "alpha": "numeric"}
    view = kinds.exposure_view.new(r.REEF, "corals", columns=view_columns("vector", 3, fields), fields=fields)
    assert re.findall(r' AS "([^"]+)"', rendered(view, "create")) == ["zeta", "alpha"]


# --- secrets ----------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, action, old",
    [
        (r.reader_role, "create", None),
        (r.reader_role, "update", r.reader_role),
        (r.user_mapping, "create", None),
        (r.user_mapping, "update", r.user_mapping),
    ],
    ids=["role-create", "role-update", "mapping-create", "mapping-update"],
)
def test_a_password_is_masked_for_people_and_escaped_for_execution(obj, action, old):
    masked = rendered(obj, action, old=old)
    revealed = rendered(obj, action, old=old, reveal=True)
    assert "'(sensitive)'" in masked
    assert r.READER_PASSWORD not in masked and "kelp" not in masked
    assert ESCAPED_PASSWORD in revealed
    assert "(sensitive)" not in revealed
    assert masked.replace("'(sensitive)'", ESCAPED_PASSWORD) == revealed


def test_a_missing_secret_refuses_to_render():
    role = kinds.role.new(r.REEF, r.READER, login=True, purpose="reader", password=None)
    with pytest.raises(UnquotedValue, match="secret is missing"):
        render_sql(role, "create", reveal=True)


def test_a_secret_cannot_pass_through_literal():
    with pytest.raises(UnquotedValue, match="secret"):
        literal(Sensitive("hidden"))
    with pytest.raises(UnquotedValue):
        render_template("SELECT {{ pw|literal }}", pw=Sensitive("hidden"))


# --- the finalize guard -----------------------------------------------------

SNEAKY = "x; DROP TABLE vecs.corals"


@pytest.mark.parametrize(
    "source",
    [
        "SELECT {{ value }}",
        "SELECT {{ number }}",
        "SELECT {{ spec.name }}",
        "SELECT {{ ident('a') ~ value }}",
        "SELECT {{ value ~ ident('a') }}",
        "{% set joined = ident('a') ~ value %}SELECT {{ joined }}",
        "SELECT {{ [ident('a'), value]|join(', ') }}",
        "SELECT {{ [value]|join(', ') }}",
        "SELECT {{ value|safe }}",
        "SELECT {{ value|e }}",
        "SELECT {{ value|escape }}",
        "SELECT {{ value|forceescape }}",
        "{% macro m(v) %}{{ v }}{% endmacro %}SELECT {{ m(value) }}",
    ],
)
def test_a_plain_value_reaching_the_output_raises(source):
    with pytest.raises(UnquotedValue):
        render_template(source, value=SNEAKY, number=3, spec={"name": SNEAKY})


@pytest.mark.parametrize(
    "source, expected",
    [
        ("SELECT {{ value|literal }}", "SELECT 'x; DROP TABLE vecs.corals'"),
        ("SELECT {{ ident('a') ~ ident('b') }}", 'SELECT "a""b"'),
        ("SELECT {{ [ident('a'), value|literal]|join(', ') }}", "SELECT \"a\", 'x; DROP TABLE vecs.corals'"),
        ("SELECT {{ (value ~ '_pkey')|ident }}", 'SELECT "x; DROP TABLE vecs.corals_pkey"'),
        ("{% macro m(v) %}{{ v|ident }}{% endmacro %}SELECT {{ m(value) }}", 'SELECT "x; DROP TABLE vecs.corals"'),
    ],
)
def test_quoted_values_and_their_combinations_render(source, expected):
    assert render_template(source, value=SNEAKY) == expected


# --- keyword, type_name, integer ----------------------------------------------


@pytest.mark.parametrize(
    "value", ["hnsw", "ivfflat", "vector_cosine_ops", "halfvec_ip_ops", "SELECT", "USAGE", "SET", "hnsw.ef_search", "ivfflat.probes", IndexMethod.hnsw]
)
def test_keyword_accepts_its_vocabulary(value):
    assert keyword(value) == getattr(value, "value", value)


@pytest.mark.parametrize(
    "value",
    ["hnsw; drop table x", "HNSW", "hnsw ", "vector_cosine_ops--", "DELETE", "search_path", "hnsw.ef_search = 1; --", "ivfflat.Probes", ""],
)
def test_keyword_rejects_everything_else(value):
    with pytest.raises(UnquotedValue, match="not an allowed SQL keyword"):
        keyword(value)


def test_a_role_setting_outside_the_vocabulary_cannot_be_rendered():
    with pytest.raises(UnquotedValue):
        render_sql(kinds.role_setting.new(r.REEF, r.READER, "search_path", "public"), "create")


@pytest.mark.parametrize(
    "value", ["vector(3)", "halfvec(4000)", "text", "integer", "bigint", "numeric", "boolean", "jsonb", "character varying", "timestamp with time zone"]
)
def test_type_name_accepts_column_types(value):
    assert type_name(value) == value


@pytest.mark.parametrize("value", ["vector(3); drop", "vector(3)) --", "vector(x)", "vector(123456)", "text[]", "money", "", None, 3])
def test_type_name_rejects_everything_else(value):
    with pytest.raises(UnquotedValue):
        type_name(value)


def test_a_collection_of_a_forged_type_cannot_be_rendered():
    forged = kinds.collection.new(r.REEF, "corals", dimension=3, vector_type="vector(3); DROP TABLE x; --")
    with pytest.raises(UnquotedValue):
        render_sql(forged, "create")


@pytest.mark.parametrize("value, ok", [(16, True), (0, True), (True, False), ("16", False), (16.0, False), (None, False)])
def test_integer_accepts_only_ints(value, ok):
    if ok:
        assert integer(value) == str(value)
    else:
        with pytest.raises(UnquotedValue):
            integer(value)
