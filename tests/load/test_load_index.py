"""The vector index around a load: set aside for a first load and built after it, exactly as
`vtopo apply` makes it (plan empty afterwards), and restored after an interruption in any phase
(reading/COPY, staging, merge, index build) by the next `vtopo load` or `vtopo apply`."""

from __future__ import annotations

import json
import os
import random
import signal

import pytest

from vtopo.load import writer
from vtopo.load.errors import LoadError
from vtopo.load.index import BuildSettings, build_settings
from vtopo.load.loader import LoadInterrupted
from vtopo.operations import apply_topology
from vtopo.operations.load import load_file
from vtopo.operations.plan import make_plan
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology
from vtopo.vectors.batch import RowBatch

DIMENSION = 16
# A costly graph per row (m 32, ef_construction 400), so a build lasts long enough to be cut short.
COLLECTIONS = {"docs": {"database": "pod1", "dimension": DIMENSION,
                        "index": {"method": "hnsw", "m": 32, "ef_construction": 400},
                        "metadata": {"lang": {"type": "text", "index": True}}}}


def write_rows(path, count, start=0, lang="en"):
    generator = random.Random(start)
    path.write_text("".join(
        json.dumps({"id": f"d{i}", "vector": [generator.uniform(-1, 1) for _ in range(DIMENSION)],
                    "metadata": {"lang": lang}}) + "\n" for i in range(start, start + count)))
    return path


def load(applied, path, **options):
    return load_file(resolve_topology(load_topology(applied.path)), "docs", path, **options)


def sql(applied, query):
    with applied.dbs.secondary1.connect() as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else None


def vector_indexes(applied):
    return dict(sql(applied, "SELECT c.relname, ix.indisvalid FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid "
                             "JOIN pg_am am ON am.oid = c.relam WHERE ix.indrelid = 'vecs.docs'::regclass "
                             "AND am.amname = 'hnsw'"))


def count(applied):
    return sql(applied, "SELECT count(*) FROM vecs.docs")[0][0]


def vector_index_steps(applied):
    plan = make_plan(applied.path)[0]
    return [(step.part.value, step.change.kind.value) for step in plan.steps if step.change.kind.value == "vector_index"]


@pytest.fixture
def empty(applied):
    sql(applied, "TRUNCATE vecs.docs")
    if not vector_indexes(applied) or not all(vector_indexes(applied).values()):
        apply_topology(applied.path, approve=lambda plan: True)
    [valid] = vector_indexes(applied).values()
    assert valid
    return applied


class SeenDuringLoad:
    """Progress that looks at the table's vector indexes while the rows are being read."""

    def __init__(self, applied):
        self.applied, self.indexes, self.phases = applied, None, []

    def reading(self, rows, done, total):
        if self.indexes is None:
            self.indexes = vector_indexes(self.applied)

    def writing(self, rows, total):
        pass

    def indexing(self, phase, done, total):
        self.phases.append(phase)


def test_a_first_load_builds_the_index_after_the_rows(empty, tmp_path):
    [name] = vector_indexes(empty)
    seen = SeenDuringLoad(empty)
    report = load(empty, write_rows(tmp_path / "v.jsonl", 400), progress=seen, batch_size=100)
    assert seen.indexes == {}  # set aside while the rows went in
    assert (report.rows, report.staged, report.index_built) == (400, False, name)
    assert vector_indexes(empty) == {name: True} and count(empty) == 400
    assert make_plan(empty.path)[0].is_empty  # the same index apply makes: nothing to do


def test_a_load_into_a_full_collection_keeps_its_index(empty, tmp_path):
    load(empty, write_rows(tmp_path / "a.jsonl", 300))
    [name] = vector_indexes(empty)
    seen = SeenDuringLoad(empty)
    report = load(empty, write_rows(tmp_path / "b.jsonl", 20, start=290, lang="de"), progress=seen)
    assert seen.indexes == {name: True} and report.staged and report.index_built is None
    assert count(empty) == 310 and vector_indexes(empty) == {name: True}


def test_a_small_collection_loads_without_its_index_too(empty, tmp_path):
    load(empty, write_rows(tmp_path / "a.jsonl", 10))
    report = load(empty, write_rows(tmp_path / "b.jsonl", 200, start=5))  # 10 held <= 200 incoming
    assert report.staged and report.index_built is not None
    assert count(empty) == 205 and all(vector_indexes(empty).values()) and make_plan(empty.path)[0].is_empty


def test_bad_records_leave_an_empty_collection_with_its_index(empty, tmp_path):
    before = vector_indexes(empty)
    path = write_rows(tmp_path / "v.jsonl", 250)
    lines = path.read_text().splitlines()
    lines[200] = json.dumps({"id": "bad", "vector": [1.0] * (DIMENSION - 1)})
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match="v.jsonl:201: the vector has 15 values"):
        load(empty, path, batch_size=50)  # four batches were already sent
    assert count(empty) == 0 and vector_indexes(empty) == before


def interrupt_encoding(monkeypatch, after):
    original, calls = RowBatch.encode, []

    def encode_then_stop(self, first_seq):
        calls.append(first_seq)
        if len(calls) > after:
            raise KeyboardInterrupt
        return original(self, first_seq)

    monkeypatch.setattr(RowBatch, "encode", encode_then_stop)


def test_interrupted_during_the_first_copy_the_next_load_restores_the_index(empty, tmp_path, monkeypatch):
    path = write_rows(tmp_path / "v.jsonl", 300)
    interrupt_encoding(monkeypatch, after=2)
    with pytest.raises(LoadInterrupted) as raised:
        load(empty, path, batch_size=50)
    assert raised.value.message == "interrupted while loading: nothing was written to 'docs'"
    assert "the next vtopo load or vtopo apply builds it" in raised.value.hint
    assert count(empty) == 0 and vector_indexes(empty) == {}
    assert vector_index_steps(empty) == [("create", "vector_index")]  # plan shows the missing index
    monkeypatch.undo()
    load(empty, path)
    assert count(empty) == 300 and all(vector_indexes(empty).values()) and make_plan(empty.path)[0].is_empty


def test_interrupted_while_staging_nothing_is_written(empty, tmp_path, monkeypatch):
    load(empty, write_rows(tmp_path / "a.jsonl", 300))
    before = vector_indexes(empty)
    interrupt_encoding(monkeypatch, after=1)
    with pytest.raises(LoadInterrupted) as raised:
        load(empty, write_rows(tmp_path / "b.jsonl", 200, start=250, lang="de"), batch_size=50)
    assert raised.value.message == "interrupted while reading: nothing was written to 'docs'"
    assert count(empty) == 300 and vector_indexes(empty) == before
    assert sql(empty, "SELECT count(*) FROM vecs.docs WHERE metadata->>'lang' = 'de'") == [(0,)]


def test_interrupted_during_the_merge_the_next_load_finishes_rows_and_index(empty, tmp_path, monkeypatch):
    load(empty, write_rows(tmp_path / "a.jsonl", 5))
    path = write_rows(tmp_path / "b.jsonl", 50, start=100)
    original, calls = writer.Staging.merge, []

    def merge_then_stop(self, collection, first, last):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(first)
        return original(self, collection, first, last)

    monkeypatch.setattr(writer.Staging, "merge", merge_then_stop)
    with pytest.raises(LoadInterrupted) as raised:
        load(empty, path, batch_size=10)  # 5 held <= 50 incoming: merged without the index
    assert raised.value.message == "interrupted after writing 20 of 50 rows into 'docs'"
    assert "re-run the same command" in raised.value.hint and "builds it" in raised.value.hint
    assert count(empty) == 25 and vector_indexes(empty) == {}  # committed batches stay
    monkeypatch.undo()
    load(empty, path, batch_size=10)
    assert count(empty) == 55 and all(vector_indexes(empty).values()) and make_plan(empty.path)[0].is_empty


class CtrlCDuringBuild(SeenDuringLoad):
    """SIGINT (Ctrl-C) once the server reports the build under way: psycopg cancels it there."""

    def indexing(self, phase, done, total):
        if not self.phases:
            os.kill(os.getpid(), signal.SIGINT)
        super().indexing(phase, done, total)


@pytest.mark.parametrize("recover", ["apply", "load"])
def test_interrupted_during_the_index_build_apply_or_load_restores_it(empty, tmp_path, recover):
    path = write_rows(tmp_path / "v.jsonl", 6000)
    progress = CtrlCDuringBuild(empty)
    with pytest.raises(LoadInterrupted) as raised:
        load(empty, path, build=BuildSettings(workers=0), progress=progress)
    assert progress.phases  # cut while the server was building
    assert raised.value.message.startswith("interrupted while building the vector index ix_vector_cosine_ops_hnsw_m32")
    assert "vtopo apply" in raised.value.hint
    assert count(empty) == 6000  # the rows are in
    assert not any(vector_indexes(empty).values())  # absent, or left invalid by the cancelled build
    assert vector_index_steps(empty)  # plan shows it
    if recover == "apply":
        apply_topology(empty.path, approve=lambda plan: True)
    else:
        report = load(empty, write_rows(tmp_path / "one.jsonl", 1))  # a full collection: no set-aside
        assert report.staged and report.index_built is not None
    assert len(vector_indexes(empty)) == 1 and all(vector_indexes(empty).values())
    assert make_plan(empty.path)[0].is_empty


def test_build_settings_are_sized_from_the_server_or_given(empty):
    with empty.dbs.secondary1.connect() as conn:
        [server_memory, server_workers] = conn.execute(
            "SELECT pg_size_bytes(current_setting('maintenance_work_mem')), "
            "least(current_setting('max_parallel_maintenance_workers')::int, "
            "current_setting('max_parallel_workers')::int)").fetchone()
        from vtopo.catalog.model import ObjectKind, key_of
        from vtopo.desired.build import build_desired
        desired = build_desired(load_topology(empty.path)).get(key_of("pod1", ObjectKind.vector_index, "docs"))
        small = build_settings(conn, desired, 10, 72, BuildSettings())
        large = build_settings(conn, desired, 400_000, 72, BuildSettings())
        given = build_settings(conn, desired, 400_000, 72, BuildSettings("2GB", 3))
    assert small == {"maintenance_work_mem": f"{server_memory // 1024}kB",
                     "max_parallel_maintenance_workers": str(server_workers)}
    assert int(large["maintenance_work_mem"].removesuffix("kB")) * 1024 > max(server_memory, 400_000 * 72)
    assert given == {"maintenance_work_mem": "2GB", "max_parallel_maintenance_workers": "3"}
    with pytest.raises(LoadError, match="--maintenance-work-mem 'lots' is not a size"):
        BuildSettings("lots")
