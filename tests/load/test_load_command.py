"""`vtopo load` against real databases: batches, upsert on re-run, bad input writes nothing."""

from __future__ import annotations

import csv
import gzip
import json
import random
import string

import pytest
from harness import run_vtopo

import vtopo
from vtopo.errors import DatabaseError
from vtopo.load.errors import LoadError
from vtopo.operations.load import load_file
from vtopo.query.errors import QueryError
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology

COLLECTIONS = {
    "docs": {"database": "pod1", "dimension": 4, "metadata": {"lang": {"type": "text", "index": True}}},
    "halves": {"database": "pod2", "dimension": 3, "type": "halfvec", "measure": "l2"},
}


def records(count, start=0, lang="en"):
    return [{"id": f"d{i}", "vector": [1.0, i / 8, -i / 16, 0.5], "metadata": {"lang": lang, "i": i}}
            for i in range(start, start + count)]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def load(applied, collection, path, **options):
    resolved = resolve_topology(load_topology(applied.path))
    return load_file(resolved, collection, path, **options)


def table(applied, collection="docs", db="secondary1"):
    with getattr(applied.dbs, db).connect() as conn:
        return {row[0]: (row[1], row[2]) for row in conn.execute(f"SELECT id, vec::text, metadata FROM vecs.{collection}")}


@pytest.fixture
def empty(applied):
    for db, name in (("secondary1", "docs"), ("secondary2", "halves")):
        with getattr(applied.dbs, db).connect() as conn:
            conn.execute(f"TRUNCATE vecs.{name}")
    return applied


def test_load_in_batches_then_rerun_upserts_without_duplicates(empty, tmp_path):
    path = write_jsonl(tmp_path / "v.jsonl", records(50))
    report = load(empty, "docs", path, batch_size=7)
    assert (report.rows, report.database) == (50, "pod1")
    rows = table(empty)
    assert len(rows) == 50
    assert rows["d8"] == ("[1,1,-0.5,0.5]", {"lang": "en", "i": 8})

    write_jsonl(path, records(10, start=45, lang="de"))  # 5 updates, 5 new
    load(empty, "docs", path, batch_size=7)
    rows = table(empty)
    assert len(rows) == 55
    assert rows["d44"][1]["lang"] == "en" and rows["d45"][1]["lang"] == "de" and rows["d54"][1]["lang"] == "de"


def test_within_one_file_the_last_record_for_an_id_wins(empty, tmp_path):
    first, second = records(1)[0], {**records(1)[0], "metadata": {"lang": "fr"}}
    path = write_jsonl(tmp_path / "v.jsonl", [first, *records(3, start=1), second])
    for batch_size in (2, 100):  # the duplicate in another batch, and in the same one
        load(empty, "docs", path, batch_size=batch_size)
        assert table(empty)["d0"][1] == {"lang": "fr"}


def test_csv_and_gzip_inputs(empty, tmp_path):
    path = tmp_path / "v.csv"
    with path.open("w", newline="") as out:
        writer_ = csv.writer(out)
        writer_.writerow(["id", "vector", "metadata"])
        writer_.writerow(["c1", "[0.1, 0.2, 0.3, 0.4]", json.dumps({"lang": "en"})])
        writer_.writerow(["c2", "[1,2,3,4]", ""])
    load(empty, "docs", path)
    gz = tmp_path / "v.jsonl.gz"
    with gzip.open(gz, "wt") as out:
        out.write(json.dumps({"id": "g1", "vector": [4, 3, 2, 1]}) + "\n")
    load(empty, "docs", gz)
    rows = table(empty)
    assert rows["c1"][1] == {"lang": "en"} and rows["c2"] == ("[1,2,3,4]", {}) and rows["g1"][1] == {}


def test_halfvec_collections_load(empty, tmp_path):
    path = write_jsonl(tmp_path / "h.jsonl", [{"id": "h1", "vector": [0.5, -1, 2]}])
    load(empty, "halves", path)
    assert table(empty, "halves", "secondary2") == {"h1": ("[0.5,-1,2]", {})}
    write_jsonl(path, [{"id": "h2", "vector": [1e6, 0, 0]}])
    with pytest.raises(LoadError, match="out of range for halfvec"):
        load(empty, "halves", path)


@pytest.mark.parametrize(("bad_line", "message"), [
    ({"id": "x", "vector": [1, 2, 3]}, "h.jsonl:40: the vector has 3 values; the collection holds vector(4)"),
    ({"id": "x", "vector": [1, "2", 3, 4]}, 'h.jsonl:40: the vector holds a non-numeric value: "2"'),
    ("{not json", "h.jsonl:40: not valid JSON"),
])
def test_a_bad_record_anywhere_writes_nothing(empty, tmp_path, bad_line, message):
    rows = [json.dumps(r) for r in records(50)]
    rows[39] = bad_line if isinstance(bad_line, str) else json.dumps(bad_line)
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(LoadError) as raised:
        load(empty, "docs", path, batch_size=7)  # five batches staged before line 40
    assert message in raised.value.message
    assert raised.value.message.startswith(f"{path}: 1 bad record; nothing was written to collection 'docs'\n")
    assert table(empty) == {}


def test_many_bad_records_are_listed_up_to_ten(empty, tmp_path):
    path = write_jsonl(tmp_path / "v.jsonl", [{"id": f"x{i}", "vector": [1]} for i in range(30)])
    with pytest.raises(LoadError) as raised:
        load(empty, "docs", path)
    lines = raised.value.message.splitlines()
    assert len(lines) == 11 and lines[0].endswith("10 bad records (stopped reading there); nothing was written to collection 'docs'")


def test_unknown_or_missing_collections(empty, tmp_path):
    path = write_jsonl(tmp_path / "v.jsonl", records(2))
    with pytest.raises(QueryError, match="unknown collection 'doc'"):
        load(empty, "doc", path)
    with empty.dbs.secondary1.connect() as conn:
        conn.execute("ALTER TABLE vecs.docs RENAME TO docs_away")
    try:
        with pytest.raises(DatabaseError, match="collection 'docs' does not exist"):
            load(empty, "docs", path)
    finally:
        with empty.dbs.secondary1.connect() as conn:
            conn.execute("ALTER TABLE vecs.docs_away RENAME TO docs")


def test_parquet_input(empty, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = tmp_path / "v.parquet"
    pq.write_table(pa.table({"id": ["p1", "p2"], "vector": [[1.0, 2, 3, 4], [4.0, 3, 2, 1]],
                             "metadata": [json.dumps({"lang": "en"}), None]}), path)
    load(empty, "docs", path)
    assert table(empty)["p1"][1] == {"lang": "en"}


def test_the_command(empty, tmp_path):
    path = write_jsonl(tmp_path / "v.jsonl", records(12))
    done = run_vtopo("load", "docs", str(path), "-f", str(empty.path), "--batch-size", "5", env=empty.env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "loaded 12 rows into docs (database pod1)" in done.stderr
    assert "reading v.jsonl: 12 rows (" in done.stderr  # not a terminal: one line per phase
    assert "built the vector index ix_vector_cosine_ops_hnsw_m16_efc64_" in done.stderr  # a first load
    with vtopo.connect(empty.path) as client:  # the loaded rows answer queries
        assert client.collection("docs").query([1, 0, 0, 0.5], limit=1, filters={"i": {"$eq": 0}}) == ["d0"]
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "b", "vector": [1, 2]}])
    failed = run_vtopo("load", "docs", str(bad), "-f", str(empty.path), env=empty.env)
    assert failed.returncode == 1
    assert "bad.jsonl:1: the vector has 2 values" in failed.stderr and "Traceback" not in failed.stderr
    for secret in empty.env.values():
        assert secret not in done.stderr + failed.stderr


def test_a_value_too_large_to_index_says_what_to_fix(empty, tmp_path):
    # An id of 9,000 random characters cannot go into the primary key's btree: the database
    # refuses it, and re-running the same file would not help, so the hint says what to fix.
    generator = random.Random(4)
    huge = "".join(generator.choice(string.ascii_letters + string.digits) for _ in range(9000))
    path = write_jsonl(tmp_path / "v.jsonl", records(3) + [{"id": huge, "vector": [1, 0, 0, 0], "metadata": {}}])
    with pytest.raises(LoadError) as raised:
        load(empty, "docs", path)
    assert "index row requires" in raised.value.message
    assert "too large to index" in raised.value.hint and "re-run the same command" not in raised.value.hint
    assert huge not in raised.value.message + raised.value.hint


def test_quiet_and_index_build_options(empty, tmp_path):
    path = write_jsonl(tmp_path / "v.jsonl", records(5))
    quiet = run_vtopo("load", "docs", str(path), "-f", str(empty.path), "--quiet",
                      "--maintenance-work-mem", "64MB", "--index-workers", "0", env=empty.env)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == quiet.stderr == ""
    assert len(table(empty)) == 5
    bad = run_vtopo("load", "docs", str(path), "-f", str(empty.path), "--maintenance-work-mem", "lots", env=empty.env)
    assert bad.returncode == 1 and "--maintenance-work-mem 'lots' is not a size" in bad.stderr
    assert "Traceback" not in bad.stderr
