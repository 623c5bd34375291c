"""Writing a loaded file into its collection: straight COPY into an empty one, else staged and merged.

- empty collection: every record is checked and sent in batches through one
  binary COPY into vecs.<name>, in one transaction. A bad record (or an id
  given twice, which the primary key refuses) rolls it all back. No staging
  round trip: in an empty table an upsert and an insert are the same.
- otherwise two phases, so bad input never leaves half a file behind:
  1. stage: the checked records go through one binary COPY into a temporary
     table (vtopo.vectors.staging). A bad record aborts the COPY.
  2. merge: `INSERT ... ON CONFLICT (id) DO UPDATE` from the staging table in
     batches, each committed. Re-running a load upserts the same rows again:
     no duplicates, and an interrupted load is finished by running it again.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

import psycopg

from vtopo.render.statements import render_query
from vtopo.vectors.batch import RowBatch
from vtopo.vectors.staging import Staging, copy_stream


def collection_rows(conn: psycopg.Connection, collection: str, limit: int) -> int:
    """The collection's rows, counted up to `limit`."""
    with conn.cursor() as cursor:
        cursor.execute(render_query("load/count_upto.sql.j2", name=collection), {"limit": limit})
        return cursor.fetchone()[0]


def copy_into_empty(conn: psycopg.Connection, collection: str, chunks: Iterable[tuple[int, bytes]],
                    on_batch: Callable[[int], None]) -> int:
    """One transaction: checked still empty, then one COPY of `chunks` ((rows, COPY tuples) a
    batch at a time: RowBatch.encode). Returns the rows copied, or -1 when the collection is no
    longer empty (someone wrote meanwhile) before anything was sent."""
    rows = 0
    with conn.transaction():
        if collection_rows(conn, collection, 1):
            return -1
        with copy_stream(conn, render_query("load/copy_collection.sql.j2", name=collection)) as send:
            for count, tuples in chunks:
                if count:
                    send(tuples)
                    rows += count
                    on_batch(rows)
    return rows


def encoded(batches: Iterable[RowBatch]) -> Iterator[tuple[int, bytes]]:
    """Checked batches as copy_into_empty takes them."""
    for batch in batches:
        yield len(batch), batch.encode(None)


def merge_in_batches(
    staging: Staging, collection: str, batch_size: int, on_written: Callable[[int], None] | None = None
) -> int:
    """Upsert the staged rows, one committed batch at a time (autocommit connection)."""
    written = 0
    for first in range(1, staging.rows + 1, batch_size):
        last = min(first + batch_size - 1, staging.rows)
        staging.merge(collection, first, last)
        written = last
        if on_written is not None:
            on_written(written)
    return written
