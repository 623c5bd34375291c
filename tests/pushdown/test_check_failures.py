"""`vtopo check` fails (exit 1) and names the cause when the wiring stops shipping searches,
and passes again once the cause is gone. Each test starts from an applied topology whose
check passes, breaks one thing by hand on the real servers, and runs the real CLI.
"""

from __future__ import annotations

import re

import pytest
import yaml
from harness import run_vtopo
from psycopg import sql
from pushdown_helpers import (
    explain,
    load_rows,
    operator,
    query_vectors,
    remote_sql,
    search_sql,
    shorten,
    single_remote_sql,
    top_k_clause,
    topology_over,
)

from vtopo.catalog.names import metadata_index_name
from vtopo.check.verdict import CheckResult

NAME, DIMENSION, ROWS = "notes", 8, 500
COLLECTIONS = {
    NAME: {
        "database": "pod1",
        "dimension": DIMENSION,
        "measure": "cosine",
        "index": {"method": "hnsw", "m": 8, "ef_construction": 32},
        "metadata": {"label": {"type": "text", "index": True}},
        "expose": {"view": "public.notes"},
    }
}
LABELS = "jsonb_build_object('label', 'label-' || (i % 20))"
QUERY = query_vectors(seed=5, count=1, dimension=DIMENSION)[0]


@pytest.fixture
def wired(pg_dbs, tmp_path, monkeypatch):
    """`notes` applied (empty: its foreign table was analyzed with 0 rows)."""
    topology = topology_over(pg_dbs, tmp_path, COLLECTIONS, prefix="PDC")
    for name, value in topology.env.items():
        monkeypatch.setenv(name, value)
    topology.apply()
    return topology


@pytest.fixture
def loaded(wired):
    """`notes` with 500 rows and fresh statistics: every check passes."""
    load_rows(wired.db_of(NAME), NAME, count=ROWS, dimension=DIMENSION, metadata=LABELS)
    results = wired.run_checks(analyze=True)
    assert all(r.passed is True for r in results), results
    return wired


def assert_check_fails(wired, check: str, *details: str) -> dict[str, CheckResult]:
    """`vtopo check` exits 1 and its report marks `check` FAIL; the check's detail (read in
    process, unabridged) says `details`. Returns the results by check name."""
    text = wired.vtopo_check()
    assert text.returncode == 1, text.stdout + text.stderr
    assert re.search(rf"^\s*{re.escape(check)}\s+\S+\s+FAIL\b", text.stdout, flags=re.M), text.stdout
    assert "check(s) failed." in text.stdout
    assert not details or details[0] in text.stdout, text.stdout  # the cause, as the user reads it
    results = by_check(wired.run_checks())
    for part in details:
        assert part in results[check].detail, results[check]
    return results


def by_check(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.check: result for result in results}


def failures(results: dict[str, CheckResult]) -> list[str]:
    return [name for name, result in results.items() if result.passed is False]


def top_k_plan(wired) -> str:
    with wired.primary.connect() as conn:
        return explain(conn, search_sql(("public", NAME), operator("cosine"), QUERY))


def test_without_extensions_vector_on_the_server_top_k_is_not_shipped(loaded):
    with loaded.primary.connect() as conn:
        conn.execute(sql.SQL("ALTER SERVER {} OPTIONS (DROP extensions)").format(sql.Identifier(loaded.server("pod1"))))
    # What the check sees, seen here too: the whole table comes back and is sorted on the primary.
    plan = top_k_plan(loaded)
    assert single_remote_sql(plan) == f"SELECT id, embedding FROM vtopo.{NAME}", shorten(plan)
    assert not re.search(top_k_clause("<=>"), single_remote_sql(plan))

    results = assert_check_fails(loaded, "top-k shipped", "ORDER BY", "LIMIT", "stay on the primary")
    assert failures(results) == ["top-k shipped", "filtered top-k shipped"]
    # A text equality needs no pgvector operator: it is still shipped.
    assert results["filter on label shipped"].passed is True

    loaded.apply()  # the plan puts the option back
    assert failures(by_check(loaded.run_checks())) == []
    assert re.search(top_k_clause("<=>"), single_remote_sql(top_k_plan(loaded)))


def test_without_the_remote_field_index_the_index_check_fails(loaded):
    with loaded.db_of(NAME).connect() as conn:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier("vecs", metadata_index_name(NAME, "label"))))
    results = assert_check_fails(loaded, "index on label", "no index can serve it")
    assert failures(results) == ["index on label"]


def test_a_different_remote_dimension_fails_columns_match_with_both_dimensions(loaded):
    role, _ = loaded.reader("pod1")
    with loaded.db_of(NAME).connect() as conn, conn.transaction():
        # The remote view now hands out 4-dimensional vectors; the primary still expects 8.
        conn.execute("DROP VIEW vtopo.notes")
        conn.execute("CREATE VIEW vtopo.notes AS SELECT id, (vec::real[])[1:4]::vector(4) AS embedding, metadata, "
                     "(metadata ->> 'label') AS label FROM vecs.notes")
        conn.execute(sql.SQL("GRANT SELECT ON vtopo.notes TO {}").format(sql.Identifier(role)))
    results = assert_check_fails(loaded, "columns match the remote view", "embedding: vector(8) here, vector(4) remote")
    assert results["columns match the remote view"].database == "pod1"


def test_hand_analyzed_statistics_fail_the_check_until_analyze_pins_them(wired):
    """An ANALYZE taken while the collection was small keeps searches local once it grew: the
    problem the pin prevents. check names it; --analyze (what apply does) pins again."""
    load_rows(wired.db_of(NAME), NAME, count=5, dimension=DIMENSION, metadata=LABELS)
    with wired.primary.connect() as conn:
        conn.execute("ANALYZE vtopo.notes")
    load_rows(wired.db_of(NAME), NAME, count=1995, start=6, dimension=DIMENSION, metadata=LABELS, seed=0.7)
    assert "LIMIT" not in single_remote_sql(top_k_plan(wired))  # the whole collection would cross the wire
    assert_check_fails(wired, "foreign table statistics", "statistics are not pinned (ANALYZEd (column statistics))", "run vtopo apply")

    fixed = wired.vtopo_check("--analyze")
    assert fixed.returncode == 0, fixed.stdout
    assert "pinned now (was: ANALYZEd (column statistics))" in fixed.stdout

    results = by_check(wired.run_checks())
    assert failures(results) == []
    assert results["foreign table statistics"].detail == "pinned: shipping wins whatever the collection holds"
    with wired.primary.connect() as conn:
        plan = explain(conn, search_sql(("public", NAME), "<=>", QUERY, where="label = 'label-3'"))
    assert re.search(r"WHERE \(\(label = 'label-3'(::text)?\)\) " + top_k_clause("<=>"), single_remote_sql(plan)), shorten(plan)


def test_an_empty_or_tiny_collection_is_already_shipped(wired):
    """Pinned statistics do not depend on the rows: the check judges every search, even at 0 or 5 rows."""
    for count in (0, 5):
        if count:
            load_rows(wired.db_of(NAME), NAME, count=count, dimension=DIMENSION, metadata=LABELS)
        results = wired.run_checks()
        assert failures(by_check(results)) == [], results
        shipping = [r for r in results if r.check.endswith("shipped")]
        assert shipping and all(r.passed is True for r in shipping), shipping
        assert re.search(top_k_clause("<=>"), single_remote_sql(top_k_plan(wired)))


def test_an_unreachable_secondary_is_the_one_failure_with_its_reason(loaded):
    # The primary's foreign server points at a port where nothing listens: the statistics check
    # fails with the connection's own reason, and the shipping checks, which would fail only
    # for lack of statistics, are not judged.
    with loaded.primary.connect() as conn:
        conn.execute(sql.SQL("ALTER SERVER {} OPTIONS (SET port '1')").format(sql.Identifier(loaded.server("pod1"))))
    results = assert_check_fails(loaded, "foreign table statistics", "the primary cannot reach pod1 through postgres_fdw",
                                 "Connection refused")
    assert failures(results) == ["foreign table statistics"]
    shipping = [name for name in results if name.endswith("shipped")]
    assert shipping and all(results[name].passed is None for name in shipping), results
    assert all(results[name].detail == "not judged: the primary cannot reach pod1" for name in shipping)

    loaded.apply()  # the plan puts the port back
    assert failures(by_check(loaded.run_checks())) == []


def test_apply_names_why_the_primary_cannot_reach_a_secondary(pg_dbs, tmp_path, monkeypatch):
    # fdw.port points where nothing listens: no DDL step reaches the secondary through the
    # foreign server (statistics are pinned, not ANALYZEd), so apply's closing check is the
    # first use, and it fails with the connection's reason.
    topology = topology_over(pg_dbs, tmp_path, COLLECTIONS, prefix="PDU")
    topology.data["databases"]["pod1"]["fdw"]["port"] = 1
    topology.path.write_text(yaml.safe_dump(topology.data, sort_keys=False))
    env = {**topology.env, "COLUMNS": "250"}
    failed = run_vtopo("apply", "-f", str(topology.path), "--auto-approve", env=env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "the primary cannot reach pod1 through postgres_fdw" in failed.stdout and "Connection refused" in failed.stdout, failed.stdout
    assert "the topology is applied, but some checks failed" in failed.stderr, failed.stderr

    # Fixed: apply updates the server; the check passes.
    del topology.data["databases"]["pod1"]["fdw"]["port"]
    topology.path.write_text(yaml.safe_dump(topology.data, sort_keys=False))
    fixed = run_vtopo("apply", "-f", str(topology.path), "--auto-approve", env=env)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "~ foreign_server vtopo_pod1" in fixed.stdout and "All checks passed." in fixed.stdout, fixed.stdout
    for name, value in topology.env.items():
        monkeypatch.setenv(name, value)
    assert failures(by_check(topology.run_checks())) == []


def test_a_foreign_table_left_unpinned_is_remaining_work_for_the_next_plan(pg_dbs, tmp_path, monkeypatch):
    # The step after a foreign table's create pins its statistics; if it never ran (apply was
    # stopped right there), nothing in the catalogs differs from the topology, yet the work is
    # not done: the next plan shows the pin, and applying it converges.
    topology = topology_over(pg_dbs, tmp_path, COLLECTIONS, prefix="PDA")
    for name, value in topology.env.items():
        monkeypatch.setenv(name, value)
    topology.apply()
    with topology.primary.connect() as conn:
        conn.execute("SELECT pg_clear_relation_stats('vtopo', %s)", (NAME,))  # the state before the pin
    env = {**topology.env, "COLUMNS": "250"}

    remaining = run_vtopo("plan", "-f", str(topology.path), "--format", "json", "--detailed-exitcode", env=env)
    assert remaining.returncode == 2, remaining.stdout + remaining.stderr
    changes = yaml.safe_load(remaining.stdout)["changes"]
    assert [(c["database"], c["kind"], c["name"], c["action"]) for c in changes] == [("app", "foreign_table", NAME, "update")]
    text = run_vtopo("plan", "-f", str(topology.path), env=env)
    assert "statistics not pinned" in text.stdout and "pg_restore_relation_stats" in text.stdout, text.stdout

    topology.apply()  # converges: the plan afterwards is empty
    with topology.primary.connect() as conn:
        (reltuples,) = conn.execute("select reltuples from pg_class where oid = %s::regclass", (f"vtopo.{NAME}",)).fetchone()
    assert reltuples == 1e9
