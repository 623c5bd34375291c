"""Checked records a batch at a time, in column form, encoded to COPY binary with NumPy.

Readers (JSONL, CSV, Parquet) and the Python API's upsert fill a RowBatch:
per record only what must be looked at one by one (the id, the vector's
type and length, the metadata); the numbers themselves are checked for the
whole batch at once (finite, in halfvec's range) and converted to
big-endian float4/float2 by NumPy. The checks and their words are the ones
of records.py / check.py, so a bad record reads the same from every path.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from typing import Any, Callable, Sequence

import numpy as np

from .check import HALFVEC_MAX, VectorProblem, check_vector
from .records import RowProblem, encode_id, encode_metadata
from .shape import VectorShape

_NOT_FINITE = "the vector holds NaN or infinity (or a value too large for float32)"
_HALF_RANGE = f"a value is out of range for halfvec (at most ±{HALFVEC_MAX:g})"
_LENGTH = struct.Struct(">i")
_SEQ = struct.Struct(">iq")


class RowBatch:
    """Up to `size` checked records: ids, a float32 matrix, jsonb metadata, and the problems found."""

    def __init__(self, shape: VectorShape) -> None:
        self.shape = shape
        self.positions: list[int] = []
        self.ids: list[bytes] = []
        self.metadata: list[bytes] = []
        # The vectors as given: float64 bytes (plain lists, packed by struct), or arrays; NumPy
        # converts the batch in one call.
        self._vectors: list[Any] = []
        self._pack = _packer(shape.dimension)
        self._matrix: np.ndarray | None = None  # or the whole batch at once (Parquet, 2-D arrays)
        self.problems: list[tuple[int, str]] = []

    def __len__(self) -> int:
        return len(self.ids)

    def problem(self, position: int, text: str) -> None:
        self.problems.append((position, text))

    def add(self, position: int, row_id: Any, vector: Any, metadata: Any, *, metadata_json: bytes | None = None,
            check_types: bool = True) -> None:
        """One record; a problem is recorded instead of raised. metadata_json: already-checked
        jsonb bytes (skips serialising); check_types=False when the caller knows the input
        holds no booleans (the JSON text has no `true`/`false`)."""
        try:
            encoded_id = encode_id(row_id)
            self._add_vector(vector, check_types)
        except RowProblem as problem:
            self.problems.append((position, str(problem)))
            return
        try:
            meta = metadata_json if metadata_json is not None else encode_metadata(metadata)
        except RowProblem as problem:
            self._vectors.pop()
            self.problems.append((position, str(problem)))
            return
        self.positions.append(position)
        self.ids.append(encoded_id)
        self.metadata.append(meta)

    def add_encoded(self, position: int, encoded_id: bytes, floats: bytes, encoded_metadata: bytes) -> None:
        """One record already checked and encoded but for its values (float64 bytes of the
        collection's dimension), which check_numbers checks with the batch."""
        self.positions.append(position)
        self.ids.append(encoded_id)
        self._vectors.append(floats)
        self.metadata.append(encoded_metadata)

    def add_floats(self, position: int, row_id: Any, floats: bytes, metadata: Any) -> None:
        """One record whose vector is float64 bytes of the collection's dimension (simdjson's
        buffer); its id and metadata checked as add checks them."""
        try:
            self.add_encoded(position, encode_id(row_id), floats, encode_metadata(metadata))
        except RowProblem as problem:
            self.problems.append((position, str(problem)))

    def _add_vector(self, vector: Any, check_types: bool) -> None:
        if type(vector) is list and len(vector) == self.shape.dimension and not (
                check_types and bool in set(map(type, vector))):
            # struct takes a list of numbers to float64 bytes in one C loop (measured: 2 us for
            # 384 values, against 5 us for NumPy's type discovery over the batch); anything that
            # is not a number (a string, a null, a list) or an integer beyond float64 refuses,
            # and check_vector then names it. The values are checked with the batch (matrix).
            try:
                self._vectors.append(self._pack(*vector))
                return
            except (struct.error, TypeError, OverflowError):
                pass
        self._vectors.append(vector_floats(vector, self.shape))

    def add_matrix(self, first: int, ids: Sequence[Any], metadata: Sequence[Any], matrix: np.ndarray,
                   encode_meta: Callable[[Any], bytes] = encode_metadata) -> None:
        """Records numbered from `first` whose vectors come as one (n, dimension) numeric matrix:
        ids and metadata checked one by one, the values with the batch (check_numbers)."""
        assert not self.ids and matrix.shape == (len(ids), self.shape.dimension)
        encoded_ids: list[bytes] = []
        encoded_metadata: list[bytes] = []
        for offset, (row_id, meta) in enumerate(zip(ids, metadata)):
            try:
                encoded_ids.append(encode_id(row_id))
                encoded_metadata.append(encode_meta(meta))
            except RowProblem as problem:
                self.problems.append((first + offset, str(problem)))
        if not self.problems:
            self.positions, self.ids, self.metadata = list(range(first, first + len(ids))), encoded_ids, encoded_metadata
            with np.errstate(over="ignore", invalid="ignore"):  # too large for float32: inf, caught as not finite
                self._matrix = np.ascontiguousarray(matrix, dtype=np.float32)

    def matrix(self) -> np.ndarray:
        """The batch's vectors as float32, one row each. NumPy infers the type of the whole batch:
        numbers give an int or float matrix; a string, a null or a nested list anywhere does not,
        and then each vector is checked on its own, so the bad ones are named."""
        if self._matrix is None:
            vectors = self._vectors
            try:
                if all(type(vector) is bytes for vector in vectors):
                    values = np.frombuffer(b"".join(vectors), dtype=np.float64).reshape(-1, self.shape.dimension)
                else:
                    values = np.array([_as_array(vector) for vector in vectors]) if vectors else np.zeros(
                        (0, self.shape.dimension))
            except (ValueError, TypeError, OverflowError):
                values = None
            if values is None or values.dtype.kind not in "fiu" or values.ndim != 2:
                values = self._row_by_row()
            with np.errstate(over="ignore", invalid="ignore"):  # too large for float32: inf, caught as not finite
                self._matrix = values.astype(np.float32).reshape(-1, self.shape.dimension)
        return self._matrix

    def _row_by_row(self) -> np.ndarray:
        good: list[int] = []
        rows: list[np.ndarray] = []
        for row, vector in enumerate(self._vectors):
            try:
                rows.append(np.asarray(vector_floats(_as_array(vector), self.shape), dtype=np.float64))
                good.append(row)
            except RowProblem as problem:
                self.problems.append((self.positions[row], str(problem)))
        self.problems.sort()
        self._keep(good)
        return np.array(rows) if rows else np.zeros((0, self.shape.dimension))

    def _keep(self, rows: list[int]) -> None:
        """Only these records stay (the others have problems)."""
        self.positions = [self.positions[row] for row in rows]
        self.ids = [self.ids[row] for row in rows]
        self.metadata = [self.metadata[row] for row in rows]

    def subset(self, rows: list[int]) -> RowBatch:
        """The records at these row numbers (its values checked: call after check_numbers),
        with the batch's problems (reported whichever part is written)."""
        part = RowBatch(self.shape)
        part.positions = [self.positions[row] for row in rows]
        part.ids = [self.ids[row] for row in rows]
        part.metadata = [self.metadata[row] for row in rows]
        part._matrix = self.matrix()[rows] if self.ids else np.zeros((0, self.shape.dimension), dtype=np.float32)
        part.problems = list(self.problems)
        return part

    def check_numbers(self) -> None:
        """Whole-batch checks of the values: finite, and in range for halfvec."""
        if not self.ids:
            return
        matrix = self.matrix()
        finite = np.isfinite(matrix).all(axis=1)
        in_range = np.abs(matrix).max(axis=1) <= HALFVEC_MAX if self.shape.type == "halfvec" else None
        if finite.all() and (in_range is None or in_range.all()):
            return
        good = finite if in_range is None else finite & in_range
        for row in np.flatnonzero(~good):
            self.problems.append((self.positions[row], _NOT_FINITE if not finite[row] else _HALF_RANGE))
        self.problems.sort()
        self._keep(np.flatnonzero(good).tolist())
        self._matrix = matrix[good]

    def encode(self, first_seq: int | None) -> bytes:
        """COPY binary tuples (without header/trailer): (seq, id, vec, metadata) for the
        staging table when first_seq is given, else (id, vec, metadata) for the collection."""
        matrix = self.matrix()
        dimension = self.shape.dimension
        wire = matrix.astype(">f2" if self.shape.type == "halfvec" else ">f4")
        stride = wire.itemsize * dimension
        vector_head = _LENGTH.pack(4 + stride) + struct.pack(">hh", dimension, 0)
        values = wire.tobytes()
        pack = _LENGTH.pack
        parts: list[bytes] = []
        if first_seq is None:
            fields = struct.pack(">h", 3)
            for row, (row_id, meta) in enumerate(zip(self.ids, self.metadata)):
                parts += (fields, pack(len(row_id)), row_id, vector_head, values[row * stride:(row + 1) * stride],
                          pack(len(meta)), meta)
        else:
            fields = struct.pack(">h", 4)
            seq = _SEQ.pack
            for row, (row_id, meta) in enumerate(zip(self.ids, self.metadata)):
                parts += (fields, seq(8, first_seq + row), pack(len(row_id)), row_id, vector_head,
                          values[row * stride:(row + 1) * stride], pack(len(meta)), meta)
        return b"".join(parts)


@lru_cache(maxsize=8)
def _packer(dimension: int) -> Callable[..., bytes]:
    return struct.Struct(f"={dimension}d").pack


def _as_array(vector: Any) -> Any:
    """A vector packed by struct as the float64 array it stands for; anything else as it is."""
    return np.frombuffer(vector, dtype=np.float64) if type(vector) is bytes else vector


def vector_floats(vector: Any, shape: VectorShape) -> np.ndarray:
    """A vector that is not a plain list of numbers of the right length: a NumPy array (its
    dtype checked, not its values one by one), else check_vector's checks and words."""
    if isinstance(vector, np.ndarray) and vector.dtype.kind == "b":
        raise RowProblem("the vector holds true/false values; it must hold numbers only")
    if isinstance(vector, np.ndarray) and vector.ndim == 1 and vector.dtype.kind in "fiu":
        if len(vector) != shape.dimension:
            raise RowProblem(f"the vector has {len(vector)} values; the collection holds {shape}")
        return vector
    try:
        return np.frombuffer(check_vector(vector, shape), dtype=np.float32)
    except VectorProblem as problem:
        raise RowProblem(str(problem)) from None
