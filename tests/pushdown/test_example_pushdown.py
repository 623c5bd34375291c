"""The repository's topology.example.yaml, applied to the test servers and loaded with rows:
searches and filters through the primary reach the secondaries (EXPLAIN VERBOSE), return
what the secondaries return, and only to the roles the file grants them to.

docs (HNSW, cosine, url + year) lives on docs_pod, posts (IVFFlat, l2, author) on
media_pod, images (HNSW, inner product) on the primary itself.
"""

from __future__ import annotations

import re

import psycopg
import pytest
from harness import environment, fresh_databases
from psycopg import sql
from pushdown_helpers import (
    K,
    as_role,
    connect_as,
    example_topology,
    explain,
    ids,
    load_rows,
    operator,
    query_vectors,
    remote_sql,
    role_settings,
    search_direct,
    search_sql,
    shorten,
    single_remote_sql,
    top_k_clause,
    view_of,
)

ROWS = 2000
IMAGE_ROWS = 500
# Rows of each collection: ids and metadata the tests can name.
METADATA = {
    "docs": ("doc-", "jsonb_build_object('url', '/p' || i, 'year', 2000 + i % 20)"),
    "posts": ("post-", "jsonb_build_object('author', 'a' || i % 30)"),
    "images": ("img-", "'{}'::jsonb"),
}
# A promoted-field equality per remote collection (matching one row; one row in 30).
FIELD_FILTERS = {"docs": "url = '/p42'", "posts": "author = 'a3'"}
# Low-selectivity filters for a filtered top-k (5% and 3% of the rows).
LOW_SELECTIVITY = {"docs": "year = 2003", "posts": "author = 'a7'"}
REMOTE = ["docs", "posts"]


@pytest.fixture(scope="module")
def example(pg_servers, tmp_path_factory):
    with fresh_databases(pg_servers) as dbs:
        wired = example_topology(dbs, tmp_path_factory.mktemp("example"))
        with environment(wired.env):
            wired.apply()
            for name, spec in wired.collections.items():
                prefix, metadata = METADATA[name]
                load_rows(
                    wired.db_of(name),
                    name,
                    count=IMAGE_ROWS if name == "images" else ROWS,
                    dimension=spec["dimension"],
                    metadata=metadata,
                    id_prefix=prefix,
                    seed=0.1 * (1 + list(METADATA).index(name)),
                )
            # Rows arrived after apply, behind vtopo's back: the pinned statistics need nothing.
            statistics = [r for r in wired.run_checks(analyze=False) if r.check == "foreign table statistics"]
            assert statistics and all(r.passed and r.detail.startswith("pinned") for r in statistics), statistics
            yield wired


def query(wired, name: str, seed: int = 1) -> str:
    return query_vectors(seed, 1, wired.collections[name]["dimension"])[0]


# --- 1. what the primary ships -----------------------------------------------------------------


@pytest.mark.parametrize("name", REMOTE)
def test_top_k_through_the_primary_ships_order_by_and_limit(example, name):
    op = operator(example.collections[name]["measure"])
    with example.primary.connect() as conn:
        plan = explain(conn, search_sql(view_of(example, name), op, query(example, name)))
    remote = single_remote_sql(plan)
    assert re.search(top_k_clause(op), remote), shorten(plan)
    assert remote.startswith(f"SELECT id, embedding FROM vtopo.{name} ORDER BY"), shorten(remote)
    assert not re.search(r"^\s*(->\s*)?(Sort|Limit)\b", plan, flags=re.M), f"sorted or limited on the primary:\n{shorten(plan)}"


@pytest.mark.parametrize("name", REMOTE)
def test_promoted_field_equality_is_shipped_in_the_where(example, name):
    field, value = FIELD_FILTERS[name].split(" = ")
    with example.primary.connect() as conn:
        plan = explain(conn, sql.SQL("SELECT id, {field} FROM {view} WHERE {cond}").format(
            field=sql.Identifier(field), view=sql.Identifier(*view_of(example, name)), cond=sql.SQL(FIELD_FILTERS[name])))
    remote = single_remote_sql(plan)
    assert re.search(rf"FROM vtopo\.{name} WHERE \(\({field} = {re.escape(value)}(::text)?\)\)$", remote), shorten(plan)
    assert "Filter:" not in plan, f"a condition stayed on the primary:\n{shorten(plan)}"


@pytest.mark.parametrize("name", REMOTE)
@pytest.mark.parametrize("kind", ["contains-everything", "low-selectivity"])
def test_filtered_top_k_ships_where_order_by_and_limit(example, name, kind):
    op = operator(example.collections[name]["measure"])
    where = "metadata @> '{}'" if kind == "contains-everything" else LOW_SELECTIVITY[name]
    with example.primary.connect() as conn:
        plan = explain(conn, search_sql(view_of(example, name), op, query(example, name), where=where))
    remote = single_remote_sql(plan)
    condition = re.escape("metadata @> '{}'") if kind == "contains-everything" else re.escape(where)
    assert re.search(rf"FROM vtopo\.{name} WHERE \(\({condition}(::\w+)?\)\) " + top_k_clause(op), remote), shorten(plan)
    assert "Filter:" not in plan and not re.search(r"^\s*(->\s*)?(Sort|Limit)\b", plan, flags=re.M), shorten(plan)


def test_the_collection_on_the_primary_is_read_directly_and_its_index_fits_the_measure(example):
    op = operator(example.collections["images"]["measure"])
    with example.primary.connect() as conn, conn.transaction(force_rollback=True):
        # 512-dim vectors live in TOAST, so a seq scan looks cheap at this size: ask whether the
        # index CAN serve the search (its operator class must match <#>), as vtopo check does.
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = explain(conn, search_sql(view_of(example, "images"), op, query(example, "images")))
    assert not remote_sql(plan), shorten(plan)
    assert re.search(r"Index Scan using ix_vector_ip_ops_hnsw_m16_efc64_\w+ on vecs\.images", plan), shorten(plan)


def test_vtopo_check_passes_on_the_example(example):
    result = example.vtopo_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed." in result.stdout
    # Passed, not merely skipped: every check ran (in process, to read the details).
    results = {(r.collection, r.check): r for r in example.run_checks()}
    for name in REMOTE:
        field = FIELD_FILTERS[name].split(" = ")[0]
        for check in ("top-k shipped", f"filter on {field} shipped", "filtered top-k shipped",
                      "foreign table statistics", "columns match the remote view", "reader role settings",
                      f"vector index for {example.collections[name]['measure']}", f"index on {field}", "search function answers"):
            assert results.pop((name, check)).passed is True, (name, check)
    assert results.pop(("images", "vector index for inner_product")).passed is True
    assert results.pop(("images", "search function answers")).passed is True
    assert not results, "no other checks"


# --- 3. the same answers as the secondary --------------------------------------------------------


def reader_search_settings(wired, name: str) -> dict[str, str]:
    """The reader role's settings on the collection's secondary, checked against the file."""
    role, _ = wired.reader(wired.collections[name]["database"])
    settings = role_settings(wired.db_of(name), role)
    # The file's search settings, the iterative scan that lets filters return k rows, and
    # cursor planning for all rows (the FDW reads its remote cursor to the end).
    assert settings == {"docs": {"hnsw.ef_search": "100", "hnsw.iterative_scan": "strict_order", "cursor_tuple_fraction": "1"},
                        "posts": {"ivfflat.probes": "10", "ivfflat.iterative_scan": "relaxed_order", "cursor_tuple_fraction": "1"}}[name]
    return settings


def through_and_direct(wired, name: str, where: str | None) -> list[tuple[list[str], list[str]]]:
    """(ids through the primary's view, ids on the secondary's exposure view with the reader's
    settings) for 10 seeded query vectors, top-10 each."""
    spec = wired.collections[name]
    op = operator(spec["measure"])
    settings = reader_search_settings(wired, name)
    pairs = []
    with wired.primary.connect() as primary:
        for vector in query_vectors(seed=7, count=10, dimension=spec["dimension"]):
            through = ids(primary, search_sql(view_of(wired, name), op, vector, where=where))
            direct = search_direct(wired.db_of(name), search_sql(("vtopo", name), op, vector, where=where), settings)
            assert len(direct) == K
            pairs.append((through, direct))
    return pairs


@pytest.mark.parametrize("name", REMOTE)
def test_results_through_the_primary_equal_direct_results_on_the_secondary(example, name):
    for through, direct in through_and_direct(example, name, where=None):
        assert through == direct


@pytest.mark.parametrize("name", ["docs", "posts"])
def test_filtered_results_through_the_primary_equal_direct_results(example, name):
    # postgres_fdw reads through a cursor; vtopo sets cursor_tuple_fraction = 1 on the reader
    # role so the secondary plans it like a direct query (not for fast first rows).
    for through, direct in through_and_direct(example, name, where=LOW_SELECTIVITY[name]):
        assert through == direct


# --- 2. who can read what ------------------------------------------------------------------------


def test_a_granted_role_reads_its_view_through_the_primary(example):
    with example.primary.connect() as conn, as_role(conn, "anon"):
        rows = conn.execute("SELECT id, url FROM public.docs WHERE url = '/p42'").fetchall()
        assert rows == [("doc-42", "/p42")]
        top = conn.execute(search_sql(("public", "docs"), "<=>", query(example, "docs"), columns="id, url, year")).fetchall()
        assert len(top) == K and all(url == "/p" + id_.removeprefix("doc-") for id_, url, _ in top)


def test_a_granted_role_sees_only_the_exposure_view_columns(example):
    with example.primary.connect() as conn, as_role(conn, "anon"):
        cursor = conn.execute("SELECT * FROM vtopo.docs WHERE url = '/p7'")
        assert [c.name for c in cursor.description] == ["id", "embedding", "metadata", "url", "year"]
        assert cursor.fetchall()[0][0] == "doc-7"


def test_every_foreign_table_reads_an_exposure_view_never_a_vecs_table(example):
    with example.primary.connect() as conn:
        tables = conn.execute(
            "SELECT c.relname, s.srvname, ft.ftoptions FROM pg_foreign_table ft "
            "JOIN pg_class c ON c.oid = ft.ftrelid JOIN pg_foreign_server s ON s.oid = ft.ftserver"
        ).fetchall()
    found = {name: (server, dict(o.split("=", 1) for o in options)) for name, server, options in tables}
    assert found == {
        "docs": ("vtopo_docs_pod", {"schema_name": "vtopo", "table_name": "docs", "updatable": "false"}),
        "posts": ("vtopo_media_pod", {"schema_name": "vtopo", "table_name": "posts", "updatable": "false"}),
    }


def test_a_granted_role_can_do_nothing_else(example):
    with example.primary.connect() as conn:
        for statement, error in [
            ("SELECT id FROM public.posts LIMIT 1", "permission denied for view posts"),  # granted to authenticated only
            ("INSERT INTO public.docs (id, embedding, metadata) SELECT 'x', embedding, metadata FROM public.docs LIMIT 1",
             "permission denied for view docs"),
            ("CREATE FOREIGN TABLE public.sneak (id text) SERVER vtopo_docs_pod OPTIONS (schema_name 'vecs', table_name 'docs')",
             "permission denied for"),
        ]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=error), as_role(conn, "anon"):
                conn.execute(statement)
        with as_role(conn, "anon"):
            usage = conn.execute(
                "SELECT has_server_privilege('vtopo_docs_pod', 'USAGE'), has_server_privilege('vtopo_media_pod', 'USAGE'), "
                "has_schema_privilege('vtopo', 'CREATE'), has_schema_privilege('public', 'CREATE')"
            ).fetchone()
        assert usage == (False, False, False, False)


def test_no_foreign_table_can_reach_a_raw_vecs_table(example):
    """Even a superuser's foreign table over vecs.docs fails: the FDW logs in as the reader role,
    which may not even look into schema vecs."""
    with example.primary.connect() as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for schema vecs"):
            with conn.transaction(force_rollback=True):
                conn.execute("CREATE FOREIGN TABLE public.raw_docs (id varchar) "
                             "SERVER vtopo_docs_pod OPTIONS (schema_name 'vecs', table_name 'docs')")
                conn.execute("SELECT id FROM public.raw_docs LIMIT 1")


@pytest.mark.parametrize("name", REMOTE)
def test_the_reader_role_on_the_secondary_reads_the_view_and_nothing_else(example, name):
    database = example.collections[name]["database"]
    role, password = example.reader(database)
    with connect_as(example.db_of(name), role, password) as conn:
        assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("vtopo", name))).fetchone() == (ROWS,)
        for statement, error in [
            (sql.SQL("SELECT id FROM {} LIMIT 1").format(sql.Identifier("vecs", name)), "permission denied for schema vecs"),
            (sql.SQL("INSERT INTO {} (id, embedding, metadata) SELECT id || 'x', embedding, metadata FROM {} LIMIT 1").format(
                sql.Identifier("vtopo", name), sql.Identifier("vtopo", name)), f"permission denied for view {name}"),
            (sql.SQL("DELETE FROM {}").format(sql.Identifier("vtopo", name)), f"permission denied for view {name}"),
        ]:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=error):
                conn.execute(statement)
