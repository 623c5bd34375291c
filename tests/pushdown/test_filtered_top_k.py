"""A filtered top-k through the primary returns k rows whenever at least k rows match, thanks
to the iterative-scan defaults vtopo sets on the reader role; without them it returns fewer.

3000 rows per collection, 3% of them `kind: rare`, top-10. An HNSW scan yields at most
hnsw.ef_search (40) candidates before the filter, an IVFFlat scan the rows of
ivfflat.probes (1) of 50 lists (~60 rows): about 1 and 2 matches. Iterative scans go on.

At a few thousand rows the secondary's planner would answer a filtered search exactly
(scan the matches, sort them) and always return k rows, whatever the iterative-scan
setting; at production sizes it walks the vector index and filters its output (design §3,
100k rows). The fixture disables explicit sorts for the reader role so the secondary takes
that path here too, and a test proves it does.
"""

from __future__ import annotations

import pytest
from harness import environment, fresh_databases
from psycopg import sql
from pushdown_helpers import (
    K,
    connect_as,
    drop_fdw_connections,
    explain,
    load_rows,
    operator,
    query_vectors,
    role_settings,
    search_sql,
    set_role_setting,
    shorten,
    topology_over,
    view_of,
)

from vtopo.desired.settings import DEFAULT_PROBES

ROWS, RARE = 3000, 90  # i % 100 < 3
DIMENSION = 8
COLLECTIONS = {
    "rare_hnsw": {
        "database": "pod1",
        "dimension": DIMENSION,
        "measure": "cosine",
        "index": {"method": "hnsw", "m": 16, "ef_construction": 64},
        "metadata": {"kind": {"type": "text", "index": True}},
        "expose": {"view": "public.rare_hnsw"},
    },
    "rare_ivf": {
        "database": "pod2",
        "dimension": DIMENSION,
        "measure": "l2",
        "index": {"method": "ivfflat", "lists": 50},
        "metadata": {"kind": {"type": "text", "index": True}},
        "expose": {"view": "public.rare_ivf"},
    },
}
ITERATIVE = {"rare_hnsw": ("hnsw.iterative_scan", "strict_order"), "rare_ivf": ("ivfflat.iterative_scan", "relaxed_order")}
FILTERS = ["kind = 'rare'", """metadata @> '{"kind": "rare"}'"""]
QUERIES = query_vectors(seed=2024, count=5, dimension=DIMENSION)


@pytest.fixture(scope="module")
def rare(pg_servers, tmp_path_factory):
    with fresh_databases(pg_servers) as dbs:
        wired = topology_over(dbs, tmp_path_factory.mktemp("rare"), COLLECTIONS, prefix="PDF")
        with environment(wired.env):
            wired.apply()
            for number, name in enumerate(COLLECTIONS):
                db = wired.db_of(name)
                load_rows(db, name, count=ROWS, dimension=DIMENSION, seed=0.5 + number / 10,
                          metadata="jsonb_build_object('kind', CASE WHEN i % 100 < 3 THEN 'rare' ELSE 'common' END)")
                role, _ = wired.reader(COLLECTIONS[name]["database"])
                with db.connect() as conn:
                    # IVFFlat learns its lists when built: rebuild after the bulk load, as one would.
                    conn.execute(sql.SQL("REINDEX TABLE {}").format(sql.Identifier("vecs", name)))
                set_role_setting(db, role, "enable_sort", "off")
            wired.run_checks(analyze=True)
            yield wired


def search(conn, wired, name: str, where: str, vector: str) -> list[tuple[str, str, float]]:
    """(id, kind, distance) of a filtered top-k through the primary's view."""
    op = operator(wired.collections[name]["measure"])
    columns = f"id, kind, embedding {op} {sql.Literal(vector).as_string(conn)}"
    return conn.execute(search_sql(view_of(wired, name), op, vector, where=where, columns=columns)).fetchall()


@pytest.mark.parametrize("name", COLLECTIONS)
def test_the_reader_role_gets_the_iterative_scan_default(rare, name):
    role, _ = rare.reader(COLLECTIONS[name]["database"])
    setting, value = ITERATIVE[name]
    assert role_settings(rare.db_of(name), role)[setting] == value


@pytest.mark.parametrize("where", FILTERS)
@pytest.mark.parametrize("name", COLLECTIONS)
def test_the_secondary_answers_a_filtered_search_with_its_vector_index(rare, name, where):
    role, password = rare.reader(COLLECTIONS[name]["database"])
    op = operator(COLLECTIONS[name]["measure"])
    with connect_as(rare.db_of(name), role, password) as conn:
        plan = explain(conn, search_sql(("vtopo", name), op, QUERIES[0], where=where))
    assert "Index Scan using ix_vector_" in plan and "Filter:" in plan and "Sort" not in plan, shorten(plan)


@pytest.mark.parametrize("where", FILTERS)
@pytest.mark.parametrize("name", COLLECTIONS)
def test_a_filtered_top_k_returns_k_rows_when_k_rows_match(rare, name, where):
    with rare.primary.connect() as conn:
        matching = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE ").format(sql.Identifier(*view_of(rare, name)))
                                + sql.SQL(where)).fetchone()[0]
        assert matching == RARE >= K
        for vector in QUERIES:
            rows = search(conn, rare, name, where, vector)
            assert len(rows) == K, (name, vector)
            assert {kind for _, kind, _ in rows} == {"rare"}
            if name == "rare_hnsw":  # strict_order: the primary may trust the remote order
                distances = [distance for _, _, distance in rows]
                assert distances == sorted(distances)


@pytest.mark.parametrize("name", COLLECTIONS)
def test_without_iterative_scan_the_same_search_returns_fewer_rows(rare, name):
    """Shows the test above can fail: turn the default off by hand for the reader role."""
    role, _ = rare.reader(COLLECTIONS[name]["database"])
    setting, default = ITERATIVE[name]
    where = FILTERS[0]
    with rare.primary.connect() as conn:
        assert len(search(conn, rare, name, where, QUERIES[0])) == K
        set_role_setting(rare.db_of(name), role, setting, "off")
        if name == "rare_ivf":  # pgvector's own 1 probe: vtopo's default 10 of 50 lists may find k anyway
            set_role_setting(rare.db_of(name), role, "ivfflat.probes", "1")
        try:
            # The foreign server keeps its connection: the old settings still apply ...
            assert len(search(conn, rare, name, where, QUERIES[0])) == K
            # ... until it connects again, as the reader role with iterative scan off.
            drop_fdw_connections(conn)
            counts = [len(search(conn, rare, name, where, vector)) for vector in QUERIES]
            assert all(count < K for count in counts), counts
        finally:
            set_role_setting(rare.db_of(name), role, setting, default)
            if name == "rare_ivf":
                set_role_setting(rare.db_of(name), role, "ivfflat.probes", DEFAULT_PROBES)
