"""`vtopo load` into a sharded collection: each shard loads the file's rows whose bucket it owns.

Every shard gets the whole of a load (one COPY into an empty part, the vector index built after
a first load, staged merges otherwise), through a view of the file that holds only its rows.
The file is read once per shard: simple and exactly as strict (a bad record stops the first
shard's load before anything is written anywhere).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterator

from vtopo.shards.placement import bucket_of_key
from vtopo.vectors.batch import RowBatch
from vtopo.vectors.shape import VectorShape

from .loader import LoadReport
from .readers import Source


class OwnedRows(Source):
    """The rows of `inner` whose bucket `owner` gives to `shard` (problems of every row kept)."""

    def __init__(self, inner: Source, owner: Callable[[int], str], shard: str) -> None:
        super().__init__(inner.path)
        self.inner, self.owner, self.shard = inner, owner, shard
        self.unit, self.record_shape = inner.unit, inner.record_shape

    @property
    def total(self) -> int:
        return self.inner.total

    def done(self) -> int:
        return self.inner.done()

    def batches(self, shape: VectorShape, size: int) -> Iterator[RowBatch]:
        for batch in self.inner.batches(shape, size):
            batch.check_numbers()
            mine = [row for row, encoded in enumerate(batch.ids) if self.owner(bucket_of_key(encoded)) == self.shard]
            yield batch.subset(mine)


def combined(collection: str, reports: list[LoadReport]) -> LoadReport:
    """One report for the shards' loads (rows and seconds summed; each shard read the file)."""
    first = reports[0]
    return replace(
        first,
        collection=collection,
        database=", ".join(report.database for report in reports),
        rows=sum(report.rows for report in reports),
        read_seconds=sum(report.read_seconds for report in reports),
        write_seconds=sum(report.write_seconds for report in reports),
        index_seconds=sum(report.index_seconds for report in reports),
        staged=any(report.staged for report in reports),
        index_built=", ".join(report.index_built for report in reports if report.index_built) or None,
    )
