"""Readers and encoding for `vtopo load`, without a database."""

from __future__ import annotations

import gzip
import json
import struct
import sys

import pytest

from vtopo.load.errors import LoadError
from vtopo.load.readers import open_source
from vtopo.vectors.copy_binary import HEADER, encode_tuples
from vtopo.vectors.records import RowProblem, encode_row
from vtopo.vectors.shape import VectorShape


def rows_of(path, format=None):
    return list(open_source(path, format).rows())


def test_jsonl_rows_carry_their_line_and_problems(tmp_path):
    path = tmp_path / "v.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "a", "vector": [1, 2], "metadata": {"k": 1}}),
        "",
        json.dumps({"id": "b", "vector": [3, 4]}),
        "{broken",
        json.dumps([1, 2]),
        json.dumps({"id": "c", "vec": [1, 2]}),
        json.dumps({"vector": [1, 2]}),
    ]) + "\n")
    rows = rows_of(path)
    assert [(r.position, r.id, r.vector, r.metadata) for r in rows[:2]] == [(1, "a", [1, 2], {"k": 1}), (3, "b", [3, 4], None)]
    problems = [(r.position, r.problem) for r in rows[2:]]
    assert problems[0][0] == 4 and problems[0][1].startswith("not valid JSON")
    assert problems[1] == (5, 'each line must be a JSON object {"id": ..., "vector": [...], "metadata": {...}}')
    assert problems[2] == (6, "unknown key 'vec' (expected id, vector, metadata)")
    assert problems[3] == (7, "missing 'id'")


def test_csv_cells_hold_json_and_records_may_span_lines(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        'id,vector,metadata\n'
        'a,"[1, 2]","{""note"":\n ""two lines""}"\n'
        'b,"[3,4]",\n'
        'c,1;2,\n'
        'd,"[1,2]","{oops"\n'
        'e,"[1,2]"\n'
    )
    rows = rows_of(path)
    assert (rows[0].id, rows[0].vector, rows[0].metadata) == ("a", [1, 2], {"note": "two lines"})
    assert (rows[1].position, rows[1].id, rows[1].metadata) == (4, "b", None)
    assert rows[2].problem == "the vector cell must be a JSON array like [0.1, 0.2], got '1;2'"
    assert rows[3].problem.startswith("the metadata cell is not valid JSON")
    assert rows[4].problem == "2 cells, the header names 3 columns"


def test_csv_header_must_name_the_columns(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("key,embedding\nx,[1]\n")
    with pytest.raises(LoadError, match=r"v.csv:1: the header must name id, vector .*unknown key 'key'"):
        rows_of(path)


def test_gzip_files_are_read_compressed(tmp_path):
    path = tmp_path / "v.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write(json.dumps({"id": "a", "vector": [1, 2]}) + "\n")
    assert [r.id for r in rows_of(path)] == ["a"]


def test_the_format_comes_from_the_name_or_the_option(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text(json.dumps({"id": "a", "vector": [1]}) + "\n")
    with pytest.raises(LoadError, match="cannot tell the format") as raised:
        rows_of(path)
    assert "--format" in raised.value.hint
    assert [r.id for r in rows_of(path, "jsonl")] == ["a"]
    with pytest.raises(LoadError, match="no such file"):
        rows_of(tmp_path / "missing.jsonl")


def test_reading_streams_the_file(tmp_path):
    path = tmp_path / "big.jsonl"
    line = json.dumps({"id": "x", "vector": [0.5] * 64}) + "\n"
    path.write_text(line * 20000)  # ~6 MB
    source = open_source(path)
    rows = source.rows()
    next(rows)
    assert source.done() < source.total / 10  # one buffer read, not the whole file
    rows.close()


def test_parquet_without_pyarrow_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "v.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(LoadError) as raised:
        open_source(path)
    assert raised.value.message.endswith("reading Parquet needs pyarrow, which is not installed")
    assert "pip install 'vtopo[parquet]'" in raised.value.hint


def test_parquet_rows(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = tmp_path / "v.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "vector": [[1.0, 2.0], [3.0, 4.0]],
                             "metadata": [json.dumps({"k": 1}), None]}), path)
    assert [(r.position, r.id, r.vector, r.metadata) for r in rows_of(path)] == [(1, "a", [1.0, 2.0], {"k": 1}), (2, "b", [3.0, 4.0], None)]
    struct_path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"id": ["a"], "vector": [[1.0, 2.0]], "metadata": [{"k": 1, "s": "x"}]}), struct_path)
    assert rows_of(struct_path)[0].metadata == {"k": 1, "s": "x"}


def test_rows_encode_to_postgres_binary_forms():
    row = encode_row(12, [1.5, -2], {"k": "é"}, VectorShape(2))
    assert row.id == b"12"
    assert row.vector == struct.pack(">hhff", 2, 0, 1.5, -2.0)
    assert row.metadata == b'\x01{"k":"\xc3\xa9"}'
    assert encode_row("h", [0.5, 1], None, VectorShape(2, "halfvec")).vector == struct.pack(">hhee", 2, 0, 0.5, 1.0)
    assert HEADER == b"PGCOPY\n\xff\r\n\x00" + bytes(8)
    assert encode_tuples(7, [row]).startswith(struct.pack(">hiq", 4, 8, 7) + struct.pack(">i", 2) + b"12")


@pytest.mark.parametrize(("record", "message"), [
    (("", [1, 2], {}), "the id is empty"),
    ((True, [1, 2], {}), "the id must be a string, got a boolean"),
    (("a\x00", [1, 2], {}), "NUL character"),
    (("a", [1, 2, 3], {}), "the vector has 3 values; the collection holds vector(2)"),
    (("a", [True, 1], {}), "true/false values"),
    (("a", ["1", 2], {}), 'non-numeric value: "1"'),
    (("a", [1e39, 2], {}), "NaN or infinity"),
    (("a", {"x": 1}, {}), "must be a list of numbers, got an object"),
    (("a", [1, 2], {"t": "\x00"}), "\\u0000"),
    (("a", [1, 2], {"n": float("nan")}), "metadata is not JSON"),
    (("a", [1, 2], "{}"), "metadata must be a JSON object, got a string"),
])
def test_bad_records_say_what_is_wrong(record, message):
    with pytest.raises(RowProblem) as raised:
        encode_row(*record, VectorShape(2))
    assert message in str(raised.value)
