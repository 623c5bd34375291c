"""Changed HNSW parameters: the vector index is replaced online while the collection is in use,
and the real Vecs client recognises the new index as its own."""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.parse

import psycopg
import vecs

from .helpers import changes_of, count, fill_random, hazards_of, vector_indexes

ROWS, DIMENSION = 20_000, 16


class Workload(threading.Thread):
    """SELECT top-k and INSERT on vecs.<table> in a loop, with a short lock_timeout so that
    being blocked by the apply shows up as an error; counts operations made while an index
    build on the table was in progress (pg_stat_progress_create_index)."""

    def __init__(self, dsn: str, table: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.table = dsn, table
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.operations = 0
        self.during_build = 0

    def run(self) -> None:
        query = f"[{','.join(['0.5'] * DIMENSION)}]"
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute("set lock_timeout = '100ms'")
            conn.execute("set statement_timeout = '5s'")
            while not self.stop.is_set():
                try:
                    building = conn.execute(
                        "select count(*) from pg_stat_progress_create_index where relid = to_regclass(%s)", (f"vecs.{self.table}",)
                    ).fetchone()[0]
                    found = conn.execute(
                        f"select id from vecs.{self.table} order by vec <=> %s::vector limit 5", (query,)
                    ).fetchall()
                    assert len(found) == 5, found
                    conn.execute(
                        f"insert into vecs.{self.table} (id, vec) select 'load-' || %s,"
                        f" (select array_agg(random())::vector({DIMENSION}) from generate_series(1, {DIMENSION}))",
                        (self.operations,),
                    )
                    self.operations += 1
                    self.during_build += 1 if building else 0
                except (psycopg.Error, AssertionError) as error:
                    self.errors.append(f"{type(error).__name__}: {error}")
                    time.sleep(0.05)


@contextlib.contextmanager
def vecs_client(db):
    """The real Vecs client (psycopg2 through SQLAlchemy) on a test database."""
    url = f"postgresql+psycopg2://{urllib.parse.quote(db.user)}:{urllib.parse.quote(db.password, safe='')}@{db.host}:{db.port}/{db.dbname}"
    client = vecs.create_client(url)
    try:
        yield client
    finally:
        client.disconnect()


def test_changed_hnsw_parameters_rebuild_the_index_online(make_topo):
    topo = make_topo({
        "articles": {"database": "pod1", "dimension": DIMENSION, "measure": "cosine",
                     "index": {"method": "hnsw", "m": 4, "ef_construction": 8}},
    })
    pod1 = topo.db("pod1")
    # Vecs makes the collection and it is filled before any index exists (a bulk build is much
    # faster than inserting into an index); vtopo adopts it and builds the index.
    with vecs_client(pod1) as client:
        client.get_or_create_collection(name="articles", dimension=DIMENSION)
    fill_random(pod1, "articles", ROWS, DIMENSION)
    topo.setup_apply()
    (old,) = vector_indexes(pod1, "articles")
    assert old["options"] == ["ef_construction=8", "m=4"]

    topo.collections["articles"]["index"] = {"method": "hnsw", "m": 6, "ef_construction": 12}
    topo.write()
    shown = topo.plan("--detailed-exitcode", expect=2).stdout
    assert "-/+ vector_index articles" in shown and "rebuilds_index" in shown, shown
    document = topo.plan_document()
    assert changes_of(document) == {("pod1", "vector_index", "articles", "replace")}
    assert hazards_of(document, "vector_index", "articles") == {"rebuilds_index"}
    assert [s["sql"].split(" ON ")[0] for step in document["steps"] for s in step["statements"]] == [
        f'CREATE INDEX CONCURRENTLY "{document["changes"][0]["after"]["attrs"]["index_name"]}"',
        f'DROP INDEX CONCURRENTLY IF EXISTS "vecs"."{old["name"]}";',
    ]

    workload = Workload(pod1.dsn, "articles")
    workload.start()
    try:
        time.sleep(0.3)
        topo.apply_auto()
        time.sleep(0.2)
    finally:
        workload.stop.set()
        workload.join(timeout=30)
    assert workload.errors == [], workload.errors[:5]
    assert workload.during_build > 0, f"no operation overlapped the index build ({workload.operations} in all)"
    assert count(pod1, "vecs.articles") == ROWS + workload.operations

    (new,) = vector_indexes(pod1, "articles")
    assert (new["method"], new["opclass"], new["options"], new["valid"]) == (
        "hnsw", "vector_cosine_ops", ["ef_construction=12", "m=6"], True,
    )
    assert new["name"].startswith("ix_vector_cosine_ops_hnsw_m6_efc12_") and new["name"] != old["name"]

    with vecs_client(pod1) as client:
        collection = client.get_or_create_collection(name="articles", dimension=DIMENSION)
        assert collection.index == new["name"]
        assert collection.is_indexed_for_measure(vecs.IndexMeasure.cosine_distance)
        assert len(collection.query(data=[0.5] * DIMENSION, limit=3)) == 3
    assert len(vector_indexes(pod1, "articles")) == 1  # Vecs added nothing
    topo.assert_plan_empty()
