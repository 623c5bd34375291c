"""`index.build`: an index's builds run with its memory and workers, for that statement only."""

from __future__ import annotations

import psycopg
import pytest

from vtopo.apply.session import statement_settings

from .helpers import Topo, fill_random, scalar, vector_indexes

DIMENSION = 16
BUILD = {"maintenance_work_mem": "77MB", "parallel_workers": 1}


def collections(build: dict | None) -> dict:
    index = {"method": "hnsw", "m": 8, "ef_construction": 32, **({"build": build} if build else {})}
    return {"reefs": {"database": "pod1", "dimension": DIMENSION, "index": index}}


def build_statements(document: dict) -> list[dict]:
    return [statement for step in document["steps"] for statement in step["statements"]
            if statement["sql"].startswith("CREATE INDEX")]


@pytest.fixture
def built(make_topo) -> Topo:
    topo = make_topo(collections(None), prefix="IB")
    topo.apply_auto()
    fill_random(topo.db("pod1"), "reefs", 500, DIMENSION)
    return topo


def test_an_online_replacement_runs_with_the_build_settings_and_leaves_none_behind(built):
    built.collections["reefs"] = collections(BUILD)["reefs"] | {"index": {**collections(BUILD)["reefs"]["index"], "m": 12}}
    built.write()
    (build,) = build_statements(built.plan_document())
    assert build["sql"].startswith("CREATE INDEX CONCURRENTLY")
    assert build["settings"] == {"maintenance_work_mem": "77MB", "max_parallel_maintenance_workers": "1"}
    before = scalar(built.db("pod1"), "select current_setting('maintenance_work_mem')")
    built.apply_auto()
    built.assert_plan_empty()
    (index,) = vector_indexes(built.db("pod1"), "reefs")
    assert index["valid"] and "m=12" in index["options"]
    assert scalar(built.db("pod1"), "select current_setting('maintenance_work_mem')") == before
    assert scalar(built.db("pod1"), "select count(*) from pg_db_role_setting where array_to_string(setconfig, ',') like '%maintenance%'") == 0


def test_changing_only_the_build_settings_rebuilds_nothing(built):
    built.collections["reefs"] = collections(BUILD)["reefs"]
    built.write()
    built.assert_plan_empty()


@pytest.mark.parametrize("local", [True, False])
def test_statement_settings_hold_for_the_statement_and_are_put_back(built, local):
    with psycopg.connect(built.db("pod1").dsn, autocommit=not local) as conn:
        before = conn.execute("select current_setting('maintenance_work_mem')").fetchone()[0]
        with statement_settings(conn, (("maintenance_work_mem", "77MB"), ("max_parallel_maintenance_workers", "1")), local=local):
            inside = conn.execute("select current_setting('maintenance_work_mem'), current_setting('max_parallel_maintenance_workers')").fetchone()
        after = conn.execute("select current_setting('maintenance_work_mem')").fetchone()[0]
    assert inside == ("77MB", "1")
    assert after == before != "77MB"


def test_build_settings_on_an_index_of_method_none_are_refused(built):
    built.collections["reefs"] = {"database": "pod1", "dimension": DIMENSION, "index": {"method": "none", "build": BUILD}}
    built.write()
    result = built.plan(expect=1)
    assert "collections.reefs.index.build" in result.stderr and "method none builds none" in result.stderr


def test_an_ivfflat_build_refused_for_memory_says_which_setting_gives_it_more(built):
    # pgvector refuses an IVFFlat build whose samples (here ~2 MB) or k-means (~9 MB for 5,500
    # rows and 400 lists) do not fit maintenance_work_mem; apply names the topology key that
    # gives the build more.
    fill_random(built.db("pod1"), "reefs", 5000, DIMENSION, prefix="more")
    ivfflat = {"method": "ivfflat", "lists": 400}
    built.collections["reefs"]["index"] = {**ivfflat, "build": {"maintenance_work_mem": "1MB"}}
    built.write()
    refused = built.apply_auto(expect=1)
    assert "memory required is" in refused.stderr and "index.build.maintenance_work_mem" in refused.stderr
    built.collections["reefs"]["index"] = {**ivfflat, "build": {"maintenance_work_mem": "32MB"}}
    built.write()
    built.apply_auto()
    built.assert_plan_empty()
    (index,) = vector_indexes(built.db("pod1"), "reefs")
    assert index["valid"] and "lists=400" in index["options"]
