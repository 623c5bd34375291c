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


def test_stale_statistics_fail_the_check_until_analyze(wired):
    load_rows(wired.db_of(NAME), NAME, count=2000, dimension=DIMENSION, metadata=LABELS)
    assert_check_fails(wired, "foreign table statistics", "estimates 0 rows, holds 2000", "vtopo check --analyze")

    fixed = wired.vtopo_check("--analyze")
    assert fixed.returncode == 0, fixed.stdout
    assert "re-analyzed: 2000 rows (was 0)" in fixed.stdout

    results = by_check(wired.run_checks())
    assert failures(results) == []
    assert results["foreign table statistics"].detail == "2000 rows estimated, 2000 rows"
    with wired.primary.connect() as conn:
        plan = explain(conn, search_sql(("public", NAME), "<=>", QUERY, where="label = 'label-3'"))
    assert re.search(r"WHERE \(\(label = 'label-3'(::text)?\)\) " + top_k_clause("<=>"), single_remote_sql(plan)), shorten(plan)


def test_a_collection_smaller_than_k_passes_the_check(wired):
    """Five rows: fetching them all costs what LIMIT 10 would, so the planner keeps it local."""
    load_rows(wired.db_of(NAME), NAME, count=5, dimension=DIMENSION, metadata=LABELS)
    results = wired.run_checks()
    assert not [r for r in results if r.passed is False], results
    skipped = {r.check: r.detail for r in results if r.passed is None}
    assert skipped["top-k shipped"] == "collection holds 5 rows, no more than a top-10: nothing to ship yet"
    assert remote_sql(top_k_plan(wired))  # still read through the foreign table


def test_an_estimate_below_k_is_stale_and_analyze_fixes_it(wired):
    """Statistics of 5 rows for 60: ORDER BY/LIMIT stay local, and --analyze must cure it."""
    load_rows(wired.db_of(NAME), NAME, count=5, dimension=DIMENSION, metadata=LABELS)
    with wired.primary.connect() as conn:
        conn.execute("ANALYZE vtopo.notes")
    load_rows(wired.db_of(NAME), NAME, count=55, start=6, dimension=DIMENSION, metadata=LABELS, seed=0.7)

    results = {r.check: r for r in wired.run_checks()}
    assert results["foreign table statistics"].passed is False
    assert "estimates 5 rows, holds 60: searches stay local" in results["foreign table statistics"].detail

    results = {r.check: r for r in wired.run_checks(analyze=True)}
    assert results["foreign table statistics"].detail == "re-analyzed: 60 rows (was 5)"
    assert results["top-k shipped"].passed is True, results["top-k shipped"]
    assert not [r for r in results.values() if r.passed is False], results


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
    # fdw.port points where nothing listens: the first use of the foreign server (ANALYZE after
    # create) fails, and the error, the journal and `vtopo status` give the connection's reason.
    topology = topology_over(pg_dbs, tmp_path, COLLECTIONS, prefix="PDU")
    topology.data["databases"]["pod1"]["fdw"]["port"] = 1
    topology.path.write_text(yaml.safe_dump(topology.data, sort_keys=False))
    env = {**topology.env, "COLUMNS": "250"}
    failed = run_vtopo("apply", "-f", str(topology.path), "--auto-approve", env=env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "could not connect to server" in failed.stderr and "Connection refused" in failed.stderr, failed.stderr
    status = run_vtopo("status", "-f", str(topology.path), env=env)
    assert "Connection refused" in status.stdout + status.stderr, status.stdout + status.stderr

    # Fixed: apply updates the server and analyzes the never-analyzed table.
    del topology.data["databases"]["pod1"]["fdw"]["port"]
    topology.path.write_text(yaml.safe_dump(topology.data, sort_keys=False))
    fixed = run_vtopo("apply", "-f", str(topology.path), "--auto-approve", env=env)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "never analyzed" in fixed.stdout and "All checks passed." in fixed.stdout, fixed.stdout
    for name, value in topology.env.items():
        monkeypatch.setenv(name, value)
    assert failures(by_check(topology.run_checks())) == []


def test_a_failed_analyze_is_remaining_work_for_the_next_plan(pg_dbs, tmp_path, monkeypatch):
    # A transient failure (the secondary's database takes no connection but a superuser's) stops
    # apply at the ANALYZE after the foreign table's create. Nothing in the catalogs differs from
    # the topology afterwards, yet the work is not done: the next plan shows the ANALYZE, and
    # applying it converges.
    topology = topology_over(pg_dbs, tmp_path, COLLECTIONS, prefix="PDA")
    for name, value in topology.env.items():
        monkeypatch.setenv(name, value)
    pod = topology.db_of(NAME)
    limit = "ALTER DATABASE {} CONNECTION LIMIT {}"
    with pod.connect() as conn:
        conn.execute(sql.SQL(limit).format(sql.Identifier(pod.dbname), sql.Literal(0)))
    env = {**topology.env, "COLUMNS": "250"}
    failed = run_vtopo("apply", "-f", str(topology.path), "--auto-approve", env=env)
    assert failed.returncode == 1 and "failed at analyze foreign_table notes" in failed.stdout + failed.stderr, failed.stderr
    with pod.connect() as conn:
        conn.execute(sql.SQL(limit).format(sql.Identifier(pod.dbname), sql.Literal(-1)))

    remaining = run_vtopo("plan", "-f", str(topology.path), "--format", "json", "--detailed-exitcode", env=env)
    assert remaining.returncode == 2, remaining.stdout + remaining.stderr
    changes = yaml.safe_load(remaining.stdout)["changes"]
    assert [(c["database"], c["kind"], c["name"], c["action"]) for c in changes] == [("app", "foreign_table", NAME, "update")]
    text = run_vtopo("plan", "-f", str(topology.path), env=env)
    assert "never analyzed" in text.stdout and f'ANALYZE "vtopo"."{NAME}"' in text.stdout, text.stdout

    topology.apply()  # converges: the plan afterwards is empty
    with topology.primary.connect() as conn:
        (reltuples,) = conn.execute("select reltuples from pg_class where oid = %s::regclass", (f"vtopo.{NAME}",)).fetchone()
    assert reltuples >= 0
