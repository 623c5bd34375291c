"""`vtopo capacity`: sizes, cached fractions, memory settings and advice, read from real servers."""

from __future__ import annotations

import json

import psycopg
import pytest
from harness import run_vtopo

from .helpers import Topo, execute, fill_random, reader_role

DIMENSION = 64


def collections() -> dict:
    return {
        "shells": {"database": "pod1", "dimension": DIMENSION, "index": {"method": "hnsw", "m": 8, "ef_construction": 32},
                   "expose": {"view": "public.shells"}},
        "corals": {"database": "pod2", "dimension": DIMENSION, "index": {"method": "none"}},
    }


def capacity_document(topo: Topo, *args: str) -> dict:
    result = run_vtopo("capacity", "-f", str(topo.path), "--format", "json", *args, env=topo.env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def database_entry(document: dict, key: str) -> dict:
    return next(db for db in document["databases"] if db["database"] == key)


@pytest.fixture
def sized(make_topo) -> Topo:
    topo = make_topo(collections(), prefix="CP")
    topo.apply_auto()
    fill_random(topo.db("pod1"), "shells", 5000, DIMENSION)
    execute(topo.db("pod1"), "analyze vecs.shells")
    return topo


def test_capacity_reports_rows_sizes_and_the_servers_memory(sized):
    document = capacity_document(sized, "--exact")
    pod1 = database_entry(document, "pod1")
    (shells,) = pod1["collections"]
    assert shells["present"] and shells["rows_exact"] == 5000
    assert 4000 <= shells["rows_estimate"] <= 6000
    with psycopg.connect(sized.db("pod1").dsn) as conn:
        index_bytes, table_bytes, shared_buffers = conn.execute(
            "select pg_relation_size(i.indexrelid), pg_table_size('vecs.shells'), pg_size_bytes(current_setting('shared_buffers')) "
            "from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam "
            "where i.indrelid = 'vecs.shells'::regclass and am.amname = 'hnsw'").fetchone()
    assert shells["vector_index_method"] == "hnsw" and shells["vector_index_bytes"] == index_bytes
    assert shells["table_bytes"] == table_bytes
    assert pod1["server"]["shared_buffers"] == shared_buffers
    # The reader is the role the primary's user mapping logs in as; no statement_timeout yet: advice says so.
    assert pod1["reader"]["role"] == reader_role(sized.db("app"), "vtopo_pod1")
    assert any(a["database"] == "pod1" and "statement_timeout" in a["message"] for a in document["advice"])
    corals = database_entry(document, "pod2")["collections"][0]
    assert corals["vector_index"] is None and corals["rows_exact"] == 0


def test_cached_fraction_comes_from_pg_buffercache(sized):
    execute(sized.db("pod1"), "create extension if not exists pg_buffercache")
    with psycopg.connect(sized.db("pod1").dsn) as conn:  # a search through the index reads some of its pages
        conn.execute("set enable_seqscan = off")
        conn.execute("select id from vecs.shells order by vec <=> %s::vector limit 50", (json.dumps([0.1] * DIMENSION),)).fetchall()
    shells = database_entry(capacity_document(sized), "pod1")["collections"][0]
    assert shells["vector_index_cached"] is not None and 0.0 < shells["vector_index_cached"] <= 1.0
    unknown = database_entry(capacity_document(sized), "pod2")["server"]
    assert unknown["buffercache"] is False  # pod2's database has no pg_buffercache: fractions stay unknown


def test_advice_when_the_index_outgrows_memory(sized):
    """A reader timeout set: that advice goes; maintenance_work_mem below the graph: the build advice comes."""
    reader = reader_role(sized.db("app"), "vtopo_pod1")
    execute(sized.db("pod1"), f"alter role {reader} in database {sized.db('pod1').dbname} set statement_timeout = '5s'")
    execute(sized.db("pod1"), f"alter database {sized.db('pod1').dbname} set maintenance_work_mem = '1MB'")
    try:
        document = capacity_document(sized)
    finally:
        execute(sized.db("pod1"), f"alter database {sized.db('pod1').dbname} reset maintenance_work_mem")
    pod1 = database_entry(document, "pod1")
    assert pod1["reader"]["statement_timeout"] == "5s"
    messages = [a["message"] for a in document["advice"] if a["database"] == "pod1"]
    assert not any("statement_timeout" in m for m in messages)
    assert any("does not fit maintenance_work_mem" in m for m in messages), messages


def test_an_unreachable_database_is_reported_and_the_rest_still_read(sized):
    sized.setenv("CP_POD2_DSN", "postgresql://nobody:secret-pw@127.0.0.1:1/none")
    result = run_vtopo("capacity", "-f", str(sized.path), "--format", "json", env=sized.env)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert database_entry(document, "pod2")["reachable"] is False
    assert database_entry(document, "pod1")["collections"][0]["present"]
    assert "secret-pw" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_an_hnsw_index_larger_than_shared_buffers_is_advised_against(pg_dbs, make_topology, monkeypatch, server_tmp_path):
    """A pod whose server has less shared_buffers than the index: 'raise shared_buffers, or shard'."""
    from harness import topology_for

    from vtopo.local import LocalCluster, ServerOptions

    cluster = LocalCluster(server_tmp_path / "small", ServerOptions(fsync=False, shared_buffers="1MB"))
    (server,) = cluster.up(["pod2"])
    try:
        spec = {"database": "pod2", "dimension": DIMENSION, "index": {"method": "hnsw", "m": 8, "ef_construction": 32}}
        data, env = topology_for(pg_dbs, prefix="CS", collections={"kelp": spec})
        env["CS_POD2_DSN"] = server.dsn()
        topo = Topo(make_topology(data, env), data, env, pg_dbs, monkeypatch)
        topo.apply_auto()
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(f"insert into vecs.kelp (id, vec) select 'k' || i, (select array_agg(random())::vector({DIMENSION}) "
                         f"from generate_series(1, {DIMENSION}) where i > 0) from generate_series(1, 5000) i")
        document = capacity_document(topo)
        kelp = database_entry(document, "pod2")["collections"][0]
        assert kelp["vector_index_bytes"] > database_entry(document, "pod2")["server"]["shared_buffers"]
        (advice,) = [a for a in document["advice"] if a["collection"] == "kelp" and "shared_buffers" in a["message"]]
        assert advice["severity"] == "warning" and "searches will read from disk: raise shared_buffers, or shard" in advice["message"]
    finally:
        cluster.down(purge=True)
