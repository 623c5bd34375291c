"""Readers, checks and encoding for `vtopo load` and upsert, without a database."""

from __future__ import annotations

import gzip
import json
import struct
import sys

import numpy as np
import orjson
import pytest

from vtopo.load.errors import LoadError
from vtopo.load.readers import open_source
from vtopo.vectors.batch import RowBatch
from vtopo.vectors.copy_binary import HEADER
from vtopo.vectors.shape import VectorShape


def read(path, format=None, dimension=2, type="vector", size=3):
    """(position, id, vector, metadata) of the good records, and the problems, as the loader sees them."""
    rows, problems = [], []
    for batch in open_source(path, format).batches(VectorShape(dimension, type), size):
        batch.check_numbers()
        problems += batch.problems
        for position, row_id, vector, meta in zip(batch.positions, batch.ids, batch.matrix(), batch.metadata):
            rows.append((position, row_id.decode(), vector.tolist(), orjson.loads(meta[1:])))
    return rows, problems


def test_jsonl_rows_carry_their_line_and_problems(tmp_path):
    path = tmp_path / "v.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "a", "vector": [1, 2], "metadata": {"k": 1}}),
        "",
        json.dumps({"id": "b", "vector": [3, 4.5]}),
        "{broken",
        json.dumps([1, 2]),
        json.dumps({"id": "c", "vec": [1, 2]}),
        json.dumps({"vector": [1, 2]}),
    ]) + "\n")
    rows, problems = read(path)
    assert rows == [(1, "a", [1, 2], {"k": 1}), (3, "b", [3, 4.5], {})]
    assert problems[0][0] == 4 and problems[0][1].startswith("not valid JSON")
    assert problems[1:] == [
        (5, 'each line must be a JSON object {"id": ..., "vector": [...], "metadata": {...}}'),
        (6, "unknown key 'vec' (expected id, vector, metadata)"),
        (7, "missing 'id'"),
    ]


@pytest.mark.parametrize(("line", "column"), [
    ('{"id": "a", "vector": [1 2]}', 26),  # at the 2
    ('{"id": "éé", "vector": [1 2]}', 27),  # characters, not bytes (é is two)
    ('{"id": "a",\t"vector"', 21),  # just past the end
])
def test_a_json_error_names_the_column_it_is_at(tmp_path, line, column):
    # issue 13: `badload.jsonl:1001: not valid JSON: Expecting ',' delimiter (column 1)` pointed elsewhere.
    assert line[column - 1:column] in ("2", "")
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "x", "vector": [1, 2]}) + "\n" + line + "\n", encoding="utf-8")
    [(position, problem)] = read(path)[1]
    assert position == 2
    assert problem.startswith("not valid JSON: ") and problem.endswith(f"(column {column})")


def test_jsonl_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "v.jsonl"
    path.write_bytes(b'{"id": "\xff", "vector": [1, 2]}\n')
    assert read(path)[1] == [(1, "not UTF-8 text")]


def test_csv_cells_hold_json_and_records_may_span_lines(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        'id,vector,metadata\n'
        'a,"[1, 2]","{""note"":\n ""two lines""}"\n'
        'b,"[3,4]",\n'
        'c,1;2,\n'
        'd,"[1,2]","{oops"\n'
        'e,"[1,2]"\n'
        'f,"[1,true]",\n'
    )
    rows, problems = read(path)
    assert rows == [(3, "a", [1, 2], {"note": "two lines"}), (4, "b", [3, 4], {})]
    assert problems[0] == (5, "the vector cell must be a JSON array like [0.1, 0.2], got '1;2'")
    assert problems[1][0] == 6 and problems[1][1].startswith("the metadata cell is not valid JSON")
    assert problems[2] == (7, "2 cells, the header names 3 columns")
    assert problems[3] == (8, "the vector holds true/false values; it must hold numbers only")


def test_csv_header_must_name_the_columns(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("key,embedding\nx,[1]\n")
    with pytest.raises(LoadError, match=r"v.csv:1: the header must name id, vector .*unknown key 'key'"):
        read(path)


def test_gzip_files_are_read_compressed(tmp_path):
    path = tmp_path / "v.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write(json.dumps({"id": "a", "vector": [1, 2]}) + "\n")
    assert [r[1] for r in read(path)[0]] == ["a"]


def test_the_format_comes_from_the_name_or_the_option(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text(json.dumps({"id": "a", "vector": [1, 2]}) + "\n")
    with pytest.raises(LoadError, match="cannot tell the format") as raised:
        read(path)
    assert "--format" in raised.value.hint
    assert [r[1] for r in read(path, "jsonl")[0]] == ["a"]
    with pytest.raises(LoadError, match="no such file"):
        read(tmp_path / "missing.jsonl")


def test_reading_streams_the_file(tmp_path):
    path = tmp_path / "big.jsonl"
    line = json.dumps({"id": "x", "vector": [0.5] * 64}) + "\n"
    path.write_text(line * 20000)  # ~6 MB
    source = open_source(path)
    batches = source.batches(VectorShape(64), 100)
    next(batches)
    assert source.done() < source.total / 10  # one buffer read, not the whole file
    batches.close()


def test_parquet_without_pyarrow_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "v.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    monkeypatch.delitem(sys.modules, "vtopo.load.parquet", raising=False)  # imported again, without pyarrow
    with pytest.raises(LoadError) as raised:
        open_source(path)
    assert raised.value.message.endswith("reading Parquet needs pyarrow, which is not installed")
    assert "pip install 'vtopo[parquet]'" in raised.value.hint


def test_parquet_vector_columns_and_metadata_forms(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    fixed = pa.FixedSizeListArray.from_arrays(pa.array([1, 2, 3, 4], pa.float32()), 2)
    path = tmp_path / "fixed.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "vector": fixed, "metadata": [json.dumps({"k": 1}), None]}), path)
    assert read(path)[0] == [(1, "a", [1, 2], {"k": 1}), (2, "b", [3, 4], {})]
    struct_path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"id": [7], "vector": [[1, 2]], "metadata": [{"k": 1, "s": "x"}]}), struct_path)
    assert read(struct_path)[0] == [(1, "7", [1, 2], {"k": 1, "s": "x"})]  # integer ids and vectors too
    doubles = tmp_path / "d.parquet"
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(7)], "vector": [[i, -i / 2] for i in range(7)]}), doubles)
    assert [r[2] for r in read(doubles, size=3)[0]] == [[i, -i / 2] for i in range(7)]  # three Arrow batches


def test_parquet_bad_records_are_named_by_row(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    cases = {
        "ragged": ({"id": ["a", "b", "c"], "vector": [[1.0, 2], [1.0], [1e39, 0]]},
                   [(2, "the vector has 1 values; the collection holds vector(2)"),
                    (3, "the vector holds NaN or infinity (or a value too large for float32)")]),
        "nulls": ({"id": ["a", None], "vector": [None, [1.0, 2]]},
                  [(1, "the vector must be a list of numbers, got null"), (2, "the id must be a string, got null")]),
        "bools": ({"id": ["a"], "vector": [[True, False]]},
                  [(1, "the vector holds true/false values; it must hold numbers only")]),
        "meta": ({"id": ["a", "b", "c"], "vector": [[1.0, 2]] * 3, "metadata": ["{oops", "[1]", '{"t": "\\u0000"}']},
                 [(1, "the metadata value is not valid JSON"), (2, "metadata must be a JSON object, got a list"),
                  (3, "metadata holds a NUL character")]),
    }
    for name, (columns, expected) in cases.items():
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table(columns), path)
        problems = read(path)[1]
        assert [(p, text[:len(e)]) for (p, text), (_, e) in zip(problems, expected)] == expected, name
        assert len(problems) == len(expected), name


def batch_of(*records, shape=VectorShape(2)):
    batch = RowBatch(shape)
    for position, record in enumerate(records):
        batch.add(position, *record)
    batch.check_numbers()
    return batch


def test_batches_encode_to_postgres_binary_forms():
    batch = batch_of((12, [1.5, -2], {"k": "é"}))
    assert batch.ids == [b"12"] and batch.metadata == [b'\x01{"k":"\xc3\xa9"}']
    vector = struct.pack(">i", 12) + struct.pack(">hhff", 2, 0, 1.5, -2.0)
    assert batch.encode(None) == struct.pack(">h", 3) + struct.pack(">i", 2) + b"12" + vector + struct.pack(">i", 11) + batch.metadata[0]
    staged = batch.encode(7)
    assert staged.startswith(struct.pack(">hiq", 4, 8, 7) + struct.pack(">i", 2) + b"12" + vector)
    half = batch_of(("h", np.array([0.5, 1]), None), shape=VectorShape(2, "halfvec"))
    assert struct.pack(">hhee", 2, 0, 0.5, 1.0) in half.encode(None)
    assert HEADER == b"PGCOPY\n\xff\r\n\x00" + bytes(8)


@pytest.mark.parametrize(("record", "message"), [
    (("", [1, 2], {}), "the id is empty"),
    ((True, [1, 2], {}), "the id must be a string, got a boolean"),
    (("a\x00", [1, 2], {}), "NUL character"),
    (("a", [1, 2, 3], {}), "the vector has 3 values; the collection holds vector(2)"),
    (("a", np.zeros(3), {}), "the vector has 3 values; the collection holds vector(2)"),
    (("a", [True, 1], {}), "true/false values"),
    (("a", np.array([True, False]), {}), "true/false values"),
    (("a", ["1", 2], {}), 'non-numeric value: "1"'),
    (("a", [None, 2], {}), "non-numeric value: null"),
    (("a", [1e39, 2], {}), "NaN or infinity"),
    (("a", [10**400, 2], {}), "NaN or infinity"),
    (("a", np.array([np.nan, 1]), {}), "NaN or infinity"),
    (("a", (float("inf"), 1), {}), "NaN or infinity"),
    (("a", {"x": 1}, {}), "must be a list of numbers, got an object"),
    (("a", [1, 2], {"t": "\x00"}), "\\u0000"),
    (("a", [1, 2], {"n": float("nan")}), "metadata is not JSON"),
    (("a", [1, 2], {"deep": [{"n": float("-inf")}]}), "metadata is not JSON"),
    (("a", [1, 2], {"o": object()}), "metadata is not JSON"),
    (("a", [1, 2], "{}"), "metadata must be a JSON object, got a string"),
])
def test_bad_records_say_what_is_wrong(record, message):
    batch = batch_of(("ok", [0.5, 0.25], None), record, ("ok2", [1, 1], None))
    assert [p for p, _ in batch.problems] == [1]
    assert message in batch.problems[0][1]
    assert [i.decode() for i in batch.ids] == ["ok", "ok2"]  # the others still stand, in order
    assert batch.matrix().tolist() == [[0.5, 0.25], [1, 1]]


def test_halfvec_range_is_checked_per_batch():
    batch = batch_of(("a", [65504, 1], None), ("b", [65505, 1], None), shape=VectorShape(2, "halfvec"))
    assert batch.problems == [(1, "a value is out of range for halfvec (at most ±65504)")]


def test_sequences_of_any_kind_are_vectors():
    batch = batch_of(("l", [1, 2], None), ("t", (3, 4), None), ("n", np.array([5, 6], dtype=np.int32), None),
                     ("g", (x for x in (7.0, 8.0)), None), ("f", np.array([9, 10], dtype=np.float16), None))
    assert batch.problems == []
    assert batch.matrix().tolist() == [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]


def test_plain_lists_of_numbers_convert_as_numpy_converts_them():
    rng = np.random.default_rng(3)
    vectors = [rng.normal(size=4).tolist(), [1, -2, 3, 2**40], [0.1, 2, -0.0, 1e-40], [1e38, -3.4028235e38, 5, 6]]
    batch = batch_of(*((f"r{i}", v, None) for i, v in enumerate(vectors)), shape=VectorShape(4))
    batch.check_numbers()
    assert batch.problems == []
    assert batch.matrix().dtype == np.float32
    assert batch.matrix().tobytes() == np.array(vectors, dtype=np.float64).astype(np.float32).tobytes()


def test_a_list_inside_the_vector_is_named():
    batch = batch_of(("ok", [1, 2], None), ("a", [[1], 2], None))
    assert batch.problems == [(1, "the vector holds a non-numeric value: [1]")]


def test_jsonl_lines_longer_than_a_read_blank_lines_and_no_final_newline(tmp_path, monkeypatch):
    from vtopo.load import lines

    monkeypatch.setattr(lines, "_READ", 5)  # every line spans reads
    path = tmp_path / "v.jsonl"
    path.write_bytes(b'{"id": "a", "vector": [1, 2]}\r\n\r\n\n   \n{"id": "b", "vector": [3, 4], "metadata": {"k": 1}}')
    rows, problems = read(path)
    assert problems == []
    assert rows == [(1, "a", [1, 2], {}), (5, "b", [3, 4], {"k": 1})]


def test_line_numbers_hold_when_a_read_ends_right_after_a_newline(tmp_path, monkeypatch):
    # A read ending exactly at a line's end left an empty "line" behind, counted: every problem
    # after it named the line below the bad one.
    from vtopo.load import lines

    good = b'{"id": "a", "vector": [1, 2]}\n'
    monkeypatch.setattr(lines, "_READ", len(good))  # every read ends at a newline
    path = tmp_path / "v.jsonl"
    path.write_bytes(good * 3 + b'{"id": "bad", "vector": [1]}\n')
    _, problems = read(path)
    assert [position for position, _ in problems] == [4]
