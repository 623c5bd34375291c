"""simdjson's fast path reads every line exactly as the strict (orjson) path does, or declines it."""

from __future__ import annotations

import json
import struct

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtopo.load import simd
from vtopo.load.readers import open_source
from vtopo.vectors.shape import VectorShape

DIMENSION = 3


def read(path, dimension=DIMENSION):
    """(position, id bytes, vector, metadata bytes) of the good records, and the problems."""
    rows, problems = [], []
    for batch in open_source(path).batches(VectorShape(dimension, "vector"), 4):
        batch.check_numbers()
        problems += batch.problems
        rows += zip(batch.positions, batch.ids, batch.matrix().tolist(), batch.metadata)
    return rows, problems


def strictly(monkeypatch, path, dimension=DIMENSION):
    """The same file read with the fast path declining every line."""
    with monkeypatch.context() as patch:
        patch.setattr(simd.FastReader, "jsonl_record", lambda self, line: None)
        patch.setattr(simd.FastReader, "cell_floats", lambda self, cell: None)
        return read(path, dimension)


TRICKY_LINES = [
    '{"id": "a", "vector": [1, 2, 3], "metadata": {"k": [1, "[x"]}}',
    '{"id": "b", "vector": [[1], 2, 3]}',  # simdjson's buffer would flatten it to 3 numbers
    '{"id": "c", "vector": [[1, 2], 3]}',
    '{"id": "d", "vector": [[], 1, 2, 3]}',
    '{"id": "\\u005b", "vector": [[1], 2, 3]}',  # a `[` the raw line does not show
    '{"id": "[", "vector": [[1], 2, 3]}',
    '{"id": "e[", "vector": [1, 2, 3], "metadata": {"t": "]["}}',
    '{"id": "f", "vector": [1, true, 3]}',
    '{"id": "g", "vector": [1, null, 3]}',
    '{"id": "h", "vector": [1, "2", 3]}',
    '{"id": "i", "vector": [1, {"a": 1}, 3]}',
    '{"id": "j", "vector": [1, 2]}',
    '{"id": "k", "vector": [1e400, 2, 3]}',
    '{"id": "l", "vector": [1e39, 2, 3]}',  # beyond float32: not finite
    '{"id": "m", "vector": [18446744073709551615, -9223372036854775808, 3]}',
    '{"id": "n", "vector": [123456789012345678901234567890, 2, 3]}',
    '{"id": "o", "id": "p", "vector": [1, 2, 3]}',
    '{"id": "q", "vector": [1, 2, 3], "vector": [4, 5, 6]}',
    '{"id": "r", "vector": [1, 2, 3], "metadata": null}',
    '{"id": "s", "vector": [1, 2, 3], "metadata": "text"}',
    '{"id": "t", "vector": [1, 2, 3], "metadata": [1]}',
    '{"id": "u", "vector": [1, 2, 3], "metadata": {"n": 123456789012345678901234567890}}',
    '{"id": "v", "vector": [1, 2, 3], "metadata": {"z": "\\u0000"}}',
    '{"id": true, "vector": [1, 2, 3]}',
    '{"id": 1.5, "vector": [1, 2, 3]}',
    '{"id": "", "vector": [1, 2, 3]}',
    '{"id": "nul\\u0000", "vector": [1, 2, 3]}',
    '{"id": 42, "vector": [-0, -0.0, 1E2]}',
    '{"id": "w", "vector": [1, 2, 3], "extra": 1}',
    '{"id": "x", "vector": [1, 2, 3]} trailing',
    '  {"id": "y", "vector": [0.1, 0.2, 0.3], "metadata": {"a": {"b": [[]]}}}  ',
    '{"id": "z", "vector": [1, 2, 3]}\r',
    '[1, 2, 3]',
    '"just a string"',
    '   ',
    '{"id": "C:\\\\users", "vector": [1, 2, 3]}',
]


def test_tricky_lines_read_as_the_strict_path_reads_them(tmp_path, monkeypatch):
    path = tmp_path / "tricky.jsonl"
    path.write_bytes("\n".join(TRICKY_LINES).encode() + b"\n\xff\xfe not utf-8\n")
    fast, strict = read(path), strictly(monkeypatch, path)
    assert fast == strict
    rows, problems = fast
    assert {row[1] for row in rows} >= {b"a", b"e[", b"r", b"42", b"y", b"z"}
    assert len(problems) >= 20


def test_ordinary_lines_take_the_fast_path():
    reader = simd.FastReader(DIMENSION)
    for line in ['{"id": "a", "vector": [0.5, -1, 2e-3], "metadata": {"tags": ["x", "y"], "n": 1}}',
                 '{"id": 7, "vector": [1, 2, 3]}', '{"metadata": {}, "vector": [1, 2, 3], "id": "b"}']:
        assert reader.jsonl_record(line.encode()) is not None, line
    encoded_id, floats, metadata = reader.jsonl_record(b'{"id": "a", "vector": [0.5, -1, 2], "metadata": {"k": [1]}}')
    assert (encoded_id, metadata) == (b"a", b'\x01{"k":[1]}')
    assert floats == struct.pack("=3d", 0.5, -1, 2)
    assert reader.cell_floats("[1, 2.5, 3]") is not None
    assert reader.cell_floats("[[1], 2, 3]") is None and reader.cell_floats("[1, 2]") is None


def test_csv_vector_cells_read_as_the_strict_path_reads_them(tmp_path, monkeypatch):
    path = tmp_path / "cells.csv"
    cells = ["[1, 2, 3]", "[[1], 2, 3]", "[1, true, 3]", "[1e400, 1, 2]", "[1, 2]", "[1,2,3,4]", "nope", "[1, null, 3]"]
    path.write_text("id,vector,metadata\n" + "".join(
        f'r{number},"{cell}","{{""n"": {number}}}"\n' for number, cell in enumerate(cells)))
    fast, strict = read(path), strictly(monkeypatch, path)
    assert fast == strict
    assert [row[1] for row in fast[0]] == [b"r0"] and len(fast[1]) == len(cells) - 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats(allow_nan=False)
    | st.text(alphabet="ab[]\"\\\x00é", max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("ab[", max_size=2), inner, max_size=3),
    max_leaves=6,
)
vectors = st.lists(st.integers(-5, 5) | st.floats(-1e40, 1e40, allow_nan=False) | json_values, min_size=2, max_size=4)


@settings(max_examples=150, deadline=None)
@given(records=st.lists(st.fixed_dictionaries(
    {"id": st.text("ab[\x00", max_size=3) | st.integers(-3, 3) | json_values, "vector": vectors},
    optional={"metadata": json_values}), min_size=1, max_size=6))
def test_any_records_read_as_the_strict_path_reads_them(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("any") / "any.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(record) if _dumpable(record) else json.dumps(record).encode()
                                for record in records) + b"\n")
    with pytest.MonkeyPatch.context() as patch:
        assert read(path) == strictly(patch, path)


def _dumpable(record) -> bool:
    try:
        orjson.dumps(record)
        return True
    except TypeError:  # an integer beyond 64 bits
        return False
