"""Preflight: postgres_fdw sends pgvector operators qualified with the primary's schema for the
extension (`OPERATOR(public.<=>)`), so vector must live in the same schema on the primary and
on every secondary it reads. A schema mismatch stops the plan; a version difference is a note.

Unit tests over DatabaseFacts, then the same refusal on the real servers, before any DDL.
"""

from __future__ import annotations

import pytest
from harness import run_vtopo
from psycopg import sql
from pushdown_helpers import topology_over

from vtopo.errors import PlanError
from vtopo.introspect.live import DatabaseFacts
from vtopo.introspect.preflight import check_vector_compatibility


def installed(name: str, schema: str = "public", version: str = "0.8.0") -> DatabaseFacts:
    return DatabaseFacts(
        name=name,
        extensions={"vector": {"name": "vector", "version": version, "schema": schema}},
        available={"vector": {"name": "vector", "default_version": version, "installed_version": version, "install_schema": "public"}},
    )


def installable(name: str, install_schema: str | None = "public") -> DatabaseFacts:
    """vector not installed yet: this plan's CREATE EXTENSION would put it in `install_schema`."""
    return DatabaseFacts(
        name=name,
        available={"vector": {"name": "vector", "default_version": "0.8.0", "installed_version": None, "install_schema": install_schema}},
    )


def test_same_schema_and_version_everywhere_passes_without_notes():
    facts = {"app": installed("app"), "pod1": installed("pod1"), "pod2": installed("pod2")}
    assert check_vector_compatibility("app", ["pod1", "pod2"], facts) == []


def test_a_schema_mismatch_stops_the_plan_naming_the_database_and_both_schemas():
    facts = {"app": installed("app", schema="extensions"), "pod1": installed("pod1", schema="public")}
    with pytest.raises(PlanError) as raised:
        check_vector_compatibility("app", ["pod1"], facts)
    message = str(raised.value)
    assert message.startswith("database 'pod1': extension vector lives in schema 'public'")
    assert "'extensions' on the primary 'app'" in message and "remote queries would fail" in message
    assert "same schema" in raised.value.hint


def test_every_mismatching_secondary_is_named_at_once():
    facts = {"app": installed("app"), "pod1": installed("pod1", schema="ext1"), "pod2": installed("pod2"),
             "pod3": installed("pod3", schema="ext3")}
    with pytest.raises(PlanError) as raised:
        check_vector_compatibility("app", ["pod1", "pod2", "pod3"], facts)
    lines = str(raised.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["database 'pod1'", "database 'pod3'"]
    assert "'ext1'" in lines[0] and "'ext3'" in lines[1]


def test_a_version_difference_is_a_note_not_an_error():
    facts = {"app": installed("app", version="0.8.0"), "pod1": installed("pod1", version="0.7.4"), "pod2": installed("pod2")}
    notes = check_vector_compatibility("app", ["pod1", "pod2"], facts)
    assert notes == [
        "pgvector 0.8.0 on 'app' but 0.7.4 on 'pod1': operators and settings of the newer version may not exist on the older"
    ]


def test_a_schema_mismatch_wins_over_a_version_difference():
    facts = {"app": installed("app", version="0.8.0"), "pod1": installed("pod1", schema="ext", version="0.7.4")}
    with pytest.raises(PlanError, match="database 'pod1'"):
        check_vector_compatibility("app", ["pod1"], facts)


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param({"app": installable("app"), "pod1": installable("pod1")}, id="created-on-both-in-the-same-schema"),
        pytest.param({"app": installed("app"), "pod1": installable("pod1")}, id="created-on-the-secondary-where-the-primary-has-it"),
        pytest.param({"app": installable("app"), "pod1": installed("pod1")}, id="created-on-the-primary-where-the-secondary-has-it"),
        pytest.param({"app": installed("app")}, id="secondary-not-read"),
        pytest.param({"app": installed("app"), "pod1": installable("pod1", install_schema=None)}, id="no-schema-to-create-in"),
        pytest.param({"app": installed("app"), "pod1": DatabaseFacts(name="pod1")}, id="nothing-known"),
    ],
)
def test_what_cannot_conflict_passes(facts):
    assert check_vector_compatibility("app", ["pod1"], facts) == []


def test_a_secondary_that_would_create_vector_elsewhere_stops_the_plan():
    """Supabase-style primary (vector in `extensions`), fresh secondary (would get it in public)."""
    facts = {"app": installed("app", schema="extensions"), "pod1": installable("pod1", install_schema="public")}
    with pytest.raises(PlanError) as raised:
        check_vector_compatibility("app", ["pod1"], facts)
    assert str(raised.value) == (
        "database 'pod1': extension vector would be created in schema 'public', "
        "but lives in 'extensions' on the primary 'app'; remote queries would fail"
    )


def test_a_primary_that_would_create_vector_elsewhere_stops_the_plan():
    facts = {"app": installable("app", install_schema="public"), "pod1": installed("pod1", schema="extensions")}
    with pytest.raises(PlanError, match="database 'pod1': extension vector lives in schema 'extensions', "
                                        "but would be created in 'public' on the primary 'app'"):
        check_vector_compatibility("app", ["pod1"], facts)


# --- on the real servers ------------------------------------------------------------------------

COLLECTIONS = {"notes": {"database": "pod1", "dimension": 3, "index": {"method": "hnsw"}, "expose": {"view": "public.notes"}}}


def vector_in_extensions_schema(db) -> None:
    """What Supabase does: vector in schema `extensions`, on the search_path of new sessions."""
    with db.connect() as conn:
        conn.execute("CREATE SCHEMA extensions")
        conn.execute("CREATE EXTENSION vector SCHEMA extensions")
        conn.execute(sql.SQL("ALTER DATABASE {} SET search_path = \"$user\", public, extensions").format(sql.Identifier(db.dbname)))


@pytest.mark.parametrize("side, command", [("primary", ["plan"]), ("secondary", ["apply", "--auto-approve"])])
def test_a_schema_mismatch_is_refused_before_any_change(pg_dbs, tmp_path, monkeypatch, side, command):
    wired = topology_over(pg_dbs, tmp_path, COLLECTIONS, prefix="PDP")
    for name, value in wired.env.items():
        monkeypatch.setenv(name, value)
    vector_in_extensions_schema(pg_dbs.primary if side == "primary" else pg_dbs.secondary1)

    result = run_vtopo(*command, "-f", str(wired.path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "database 'pod1': extension vector" in result.stderr
    assert "'extensions'" in result.stderr and "'public'" in result.stderr and "primary 'app'" in result.stderr
    assert "Traceback" not in result.stderr

    with pg_dbs.secondary1.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname IN ('vecs', 'vtopo')").fetchone() == (0,)
    with pg_dbs.primary.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_foreign_server").fetchone() == (0,)


def test_a_remote_search_function_needs_dblink_on_the_primary():
    """Checked before any DDL: the function's CREATE EXTENSION dblink would fail at apply."""
    from vtopo.desired.build import build_desired
    from vtopo.introspect.preflight import check_extensions
    from vtopo.spec.loader import parse_topology

    text = """
version: 1
databases:
  app: {primary: true, dsn: "postgresql://a@h/app"}
  pod: {dsn: "postgresql://a@h/pod", fdw: {password: "${env:X}"}}
collections:
  docs: {database: pod, dimension: 3, expose: {view: public.docs}}
"""
    desired = build_desired(parse_topology(text, "t.yaml", env=""))
    with_all = {"vector": {"name": "vector"}, "postgres_fdw": {"name": "postgres_fdw"}}
    facts = {"app": DatabaseFacts(name="app", available=dict(with_all)), "pod": DatabaseFacts(name="pod", available=dict(with_all))}
    with pytest.raises(PlanError, match="database 'app': extension dblink .* is not available") as raised:
        check_extensions(desired, facts)
    assert "expose.function: false" in raised.value.hint
    facts["app"].available["dblink"] = {"name": "dblink"}
    check_extensions(desired, facts)  # installable: nothing to say
