"""The Python API's upsert input as RowBatch-es: records `(id, vector[, metadata])`, or ids with a
2-D array (or any sequence of sequences) of vectors. Positions are the records' indexes."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .batch import RowBatch
from .records import RowProblem
from .shape import VectorShape


def record_batches(records: Iterable[Any], shape: VectorShape, size: int) -> Iterator[RowBatch]:
    batch = RowBatch(shape)
    for index, record in enumerate(records):
        if not isinstance(record, (tuple, list)) or len(record) not in (2, 3):
            batch.problem(index, "each record must be a tuple (id, vector, metadata)")
        else:
            batch.add(index, record[0], record[1], record[2] if len(record) == 3 else None)
        if len(batch) + len(batch.problems) >= size:
            yield batch
            batch = RowBatch(shape)
    if len(batch) or batch.problems:
        yield batch


def array_batches(ids: Sequence[Any], vectors: Any, metadata: Sequence[Any] | None, shape: VectorShape,
                  size: int) -> Iterator[RowBatch]:
    """ids[i] with vectors[i] (and metadata[i]); a numeric 2-D NumPy array goes in without a
    per-row look at its values. The lengths are checked at once (RowProblem), the records batch by batch."""
    count = len(ids)
    if len(vectors) != count or (metadata is not None and len(metadata) != count):
        raise RowProblem(f"ids, vectors and metadata must have the same length (got {count}, {len(vectors)}"
                         f"{'' if metadata is None else f', {len(metadata)}'})")
    matrix = vectors if isinstance(vectors, np.ndarray) and vectors.ndim == 2 and vectors.dtype.kind in "fiu" else None
    if matrix is not None and matrix.shape[1] != shape.dimension:
        raise RowProblem(f"the vectors have {matrix.shape[1]} values each; the collection holds {shape}")
    return _array_batches(ids, vectors, matrix, metadata, shape, size)


def _array_batches(ids: Sequence[Any], vectors: Any, matrix: np.ndarray | None, metadata: Sequence[Any] | None,
                   shape: VectorShape, size: int) -> Iterator[RowBatch]:
    for start in range(0, len(ids), size):
        stop = min(start + size, len(ids))
        batch = RowBatch(shape)
        metas = metadata[start:stop] if metadata is not None else [None] * (stop - start)
        if matrix is None:
            for offset, (row_id, meta) in enumerate(zip(ids[start:stop], metas)):
                batch.add(start + offset, row_id, vectors[start + offset], meta)
        else:
            batch.add_matrix(start, ids[start:stop], metas, matrix[start:stop])
        yield batch
