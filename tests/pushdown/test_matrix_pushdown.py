"""Every measure x index method x vector type, spread over both secondaries: searches and
filters through the primary are shipped, return what the secondary returns, and `vtopo check`
agrees. One topology, 12 exposed collections of 8 dimensions (plus one that is not exposed).
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
    explain,
    failed,
    ids,
    load_rows,
    matrix_collections,
    operator,
    query_vectors,
    result_of,
    role_settings,
    search_direct,
    search_sql,
    shorten,
    single_remote_sql,
    top_k_clause,
    topology_over,
    view_of,
)

GRANTEE = "pd_matrix_reader"
DIMENSION = 8
ROWS = 2000
LABELS = 50  # label-0 .. label-49: each matches 2% of the rows
EXPOSED = list(matrix_collections(dimension=DIMENSION, grant=GRANTEE))
PRIVATE = "private_notes"  # on pod1, never exposed: the reader role must not see it at all


@pytest.fixture(scope="module")
def matrix(pg_servers, tmp_path_factory):
    collections = matrix_collections(dimension=DIMENSION, grant=GRANTEE)
    collections[PRIVATE] = {"database": "pod1", "dimension": DIMENSION, "index": {"method": "hnsw"}}
    with fresh_databases(pg_servers) as dbs:
        wired = topology_over(dbs, tmp_path_factory.mktemp("matrix"), collections, prefix="PDM")
        with environment(wired.env):
            wired.apply()
            for number, (name, spec) in enumerate(wired.collections.items()):
                load_rows(
                    wired.db_of(name),
                    name,
                    count=ROWS,
                    dimension=DIMENSION,
                    vector_type=spec.get("type", "vector"),
                    metadata=f"jsonb_build_object('label', 'label-' || (i % {LABELS}))",
                    seed=round(0.01 * (number + 1), 2),
                )
            wired.run_checks(analyze=True)
            yield wired


def test_the_matrix_covers_every_combination_on_both_secondaries(matrix):
    combos = {(s["measure"], s["index"]["method"], s["type"]) for n, s in matrix.collections.items() if n in EXPOSED}
    assert len(combos) == len(EXPOSED) == 12
    for pod in ("pod1", "pod2"):
        on_pod = [matrix.collections[name] for name in matrix.remote(pod)]
        assert {s["measure"] for s in on_pod} == {"cosine", "l2", "inner_product"}
        assert {s["index"]["method"] for s in on_pod} == {"hnsw", "ivfflat"}
        assert {s["type"] for s in on_pod} == {"vector", "halfvec"}


def query(name: str, seed: int = 3) -> str:
    return query_vectors(seed, 1, DIMENSION)[0]


def plan_for(wired, name: str, *, where: str | None = None) -> str:
    op = operator(wired.collections[name]["measure"])
    with wired.primary.connect() as conn:
        return explain(conn, search_sql(view_of(wired, name), op, query(name), where=where))


@pytest.mark.parametrize("name", EXPOSED)
def test_top_k_is_shipped(matrix, name):
    plan = plan_for(matrix, name)
    remote = single_remote_sql(plan)
    assert re.search(rf"FROM vtopo\.{name} " + top_k_clause(operator(matrix.collections[name]["measure"])), remote), shorten(plan)
    assert not re.search(r"^\s*(->\s*)?(Sort|Limit)\b", plan, flags=re.M), shorten(plan)


@pytest.mark.parametrize("name", EXPOSED)
def test_label_equality_is_shipped_in_the_where(matrix, name):
    with matrix.primary.connect() as conn:
        plan = explain(conn, sql.SQL("SELECT id, label FROM {} WHERE label = 'label-7'").format(sql.Identifier(*view_of(matrix, name))))
    assert re.search(rf"^SELECT id, label FROM vtopo\.{name} WHERE \(\(label = 'label-7'(::text)?\)\)$", single_remote_sql(plan)), plan
    assert "Filter:" not in plan, plan


@pytest.mark.parametrize("name", EXPOSED)
@pytest.mark.parametrize("where", ["metadata @> '{}'", "label = 'label-7'"])
def test_filtered_top_k_ships_where_order_by_and_limit(matrix, name, where):
    plan = plan_for(matrix, name, where=where)
    op = operator(matrix.collections[name]["measure"])
    expected = rf"FROM vtopo\.{name} WHERE \(\({re.escape(where)}(::\w+)?\)\) " + top_k_clause(op)
    assert re.search(expected, single_remote_sql(plan)), shorten(plan)
    assert "Filter:" not in plan and not re.search(r"^\s*(->\s*)?(Sort|Limit)\b", plan, flags=re.M), shorten(plan)


def test_vtopo_check_passes_on_the_matrix(matrix):
    code, document = matrix.vtopo_check_json()
    assert (code, failed(document)) == (0, [])
    for name in EXPOSED:
        spec = matrix.collections[name]
        for check in ("top-k shipped", "filter on label shipped", "filtered top-k shipped", "foreign table statistics",
                      "columns match the remote view", "reader role settings", f"vector index for {spec['measure']}",
                      "index on label"):
            assert result_of(document, name, check)["passed"] is True, (name, check, result_of(document, name, check))
        assert f"{spec['type']}({DIMENSION})" in result_of(document, name, "columns match the remote view")["detail"]


@pytest.mark.parametrize("name", EXPOSED)
def test_results_through_the_primary_equal_direct_results(matrix, name):
    spec = matrix.collections[name]
    op = operator(spec["measure"])
    role, _ = matrix.reader(spec["database"])
    settings = role_settings(matrix.db_of(name), role)
    # No search: block, but a filterable field: iterative scans for both methods on both pods,
    # and Vecs's 10 probes for the IVFFlat collections.
    assert settings == {"hnsw.iterative_scan": "strict_order", "ivfflat.iterative_scan": "relaxed_order",
                        "ivfflat.probes": "10", "cursor_tuple_fraction": "1"}
    with matrix.primary.connect() as primary:
        for vector in query_vectors(seed=11, count=10, dimension=DIMENSION):
            through = ids(primary, search_sql(view_of(matrix, name), op, vector))
            direct = search_direct(matrix.db_of(name), search_sql(("vtopo", name), op, vector), settings)
            assert len(through) == K
            assert through == direct, vector


def test_the_grantee_reads_every_exposed_view_through_the_primary(matrix):
    with matrix.primary.connect() as conn, as_role(conn, GRANTEE):
        for name in EXPOSED:
            rows = conn.execute(sql.SQL("SELECT id, label FROM {} WHERE label = 'label-7' ORDER BY id LIMIT 3").format(
                sql.Identifier(*view_of(matrix, name)))).fetchall()
            assert rows == [("r1007", "label-7"), ("r1057", "label-7"), ("r107", "label-7")], name


@pytest.mark.parametrize("pod", ["pod1", "pod2"])
def test_the_reader_role_reads_its_pods_views_and_no_table(matrix, pod):
    role, password = matrix.reader(pod)
    db = matrix.databases[pod]
    on_pod = [name for name, spec in matrix.collections.items() if spec["database"] == pod]
    with connect_as(db, role, password) as conn:
        views = {name for (name,) in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'vtopo'")}
        assert views == set(matrix.remote(pod)), "the reader sees exactly the exposure views of its pod"
        for name in matrix.remote(pod):
            assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("vtopo", name))).fetchone() == (ROWS,)
        for name in on_pod:  # every collection table of the pod, exposed or not
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for schema vecs"):
                conn.execute(sql.SQL("SELECT id FROM {} LIMIT 1").format(sql.Identifier("vecs", name)))
        name = matrix.remote(pod)[0]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"permission denied for view {name}"):
            conn.execute(sql.SQL("UPDATE {} SET metadata = '{{}}'").format(sql.Identifier("vtopo", name)))
    assert (PRIVATE in on_pod) == (pod == "pod1")
