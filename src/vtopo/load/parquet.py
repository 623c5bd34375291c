"""Parquet input: Arrow record batches, vectors converted a whole batch at a time.

Columns: id (string or integer), vector (`fixed_size_list` or `list` of numbers),
metadata (optional: JSON text, a struct, or a map). A numeric vector column
without nulls and of the collection's dimension goes to NumPy in one step;
anything else (booleans, nulls, ragged lengths) is read record by record so
each bad record is named with its row number and the usual words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vtopo.vectors.batch import RowBatch
from vtopo.vectors.records import RowProblem, encode_metadata, metadata_bytes
from vtopo.vectors.shape import VectorShape

from .errors import LoadError
from .readers import FIELDS, Source, key_problem


class ParquetSource(Source):
    unit = "row"
    record_shape = "id (text or integer), vector (a list of numbers), metadata (JSON text or a struct)"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        try:
            self._file = pq.ParquetFile(path)
        except Exception as error:  # pyarrow raises its own ArrowInvalid, OSError...
            raise LoadError(f"{path}: not a readable Parquet file: {error}") from None
        self._done = 0

    @property
    def total(self) -> int:
        return self._file.metadata.num_rows

    def done(self) -> int:
        return self._done

    def batches(self, shape: VectorShape, size: int) -> Iterator[RowBatch]:
        columns = self._file.schema_arrow.names
        problem = key_problem(columns)
        if problem:
            raise LoadError(f"{self.path}: the columns must be id, vector and (optionally) metadata: {problem}")
        self._done = 0
        # One thread: Arrow's decoding threads cost more than they give on a small machine
        # (measured, 2 CPUs, 100,000 x 384 float32: 0.45 s with threads, 0.13 s without), and
        # the COPY needs the other core.
        batches = self._file.iter_batches(batch_size=size, columns=[c for c in FIELDS if c in columns],
                                          use_threads=False)
        for arrow_batch in batches:
            first = self._done + 1
            self._done += arrow_batch.num_rows
            yield _batch(arrow_batch, first, shape)


def _batch(arrow_batch: Any, first: int, shape: VectorShape) -> RowBatch:
    batch = RowBatch(shape)
    count = arrow_batch.num_rows
    names = arrow_batch.schema.names
    ids = arrow_batch.column(names.index("id")).to_pylist()
    metadata = (_metadata(arrow_batch.column(names.index("metadata"))) if "metadata" in names
                else [None] * count)
    vectors = arrow_batch.column(names.index("vector"))
    matrix = _matrix(vectors, shape)
    if matrix is None:  # record by record: the checks name each bad one
        for offset, (row_id, vector, meta) in enumerate(zip(ids, vectors.to_pylist(), metadata)):
            _add(batch, first + offset, row_id, vector, meta)
        return batch
    batch.add_matrix(first, ids, metadata, matrix, _encoded_metadata)
    return batch


def _add(batch: RowBatch, position: int, row_id: Any, vector: Any, meta: Any) -> None:
    try:
        encoded = _encoded_metadata(meta)
    except RowProblem as problem:
        batch.problem(position, str(problem))
        return
    batch.add(position, row_id, vector, None, metadata_json=encoded)


def _encoded_metadata(meta: Any) -> bytes:
    if isinstance(meta, _Problem):
        raise RowProblem(str(meta))
    return meta if isinstance(meta, bytes) else encode_metadata(meta)


def _matrix(vectors: Any, shape: VectorShape) -> Any:
    """The (rows, dimension) float32 matrix of a clean numeric list column, else None."""
    kind = vectors.type
    if not (pa.types.is_fixed_size_list(kind) or pa.types.is_list(kind) or pa.types.is_large_list(kind)):
        return None
    value_type = kind.value_type
    if not (pa.types.is_floating(value_type) or pa.types.is_integer(value_type)) or vectors.null_count:
        return None
    if pa.types.is_fixed_size_list(kind):
        if kind.list_size != shape.dimension:
            return None
    elif len(vectors) and not pc.all(pc.equal(pc.list_value_length(vectors), shape.dimension)).as_py():
        return None
    values = vectors.flatten()
    if values.null_count:
        return None
    return values.to_numpy(zero_copy_only=False).reshape(len(vectors), shape.dimension)


def _metadata(column: Any) -> list[Any]:
    """Per row: checked jsonb bytes (JSON text), a dict (struct, map), None, a _Problem, or
    anything else (encode_metadata names its type)."""
    out: list[Any] = []
    for value in column.to_pylist():
        if isinstance(value, (str, bytes)):
            out.append(_json_object(value))
        elif isinstance(value, list):  # a Parquet map comes back as [(key, value), ...]
            out.append(dict(value))
        else:
            out.append(value)
    return out


def _json_object(text: str | bytes) -> Any:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return _Problem(f"the metadata value is not valid JSON: {error.msg}")
    if type(value) is not dict:
        return value  # encode_metadata says "metadata must be a JSON object, got ..."
    try:
        return metadata_bytes(raw)
    except RowProblem as problem:
        return _Problem(str(problem))


class _Problem(str):
    """What is wrong with a JSON text metadata value (reported at its row)."""
