"""Checked batches COPYed (binary) into a collection, directly or through a staging table.

Both writers go through it, so bad input never leaves half a write behind:
`vtopo load` stages a whole file and then merges it in committed batches
(see load/writer.py), or COPYs straight into an empty collection in one
transaction; the Python API's upsert stages and merges its records in one
transaction. The merge is `INSERT ... ON CONFLICT (id) DO UPDATE`: within
one input the last record for an id wins, as with consecutive Vecs upserts.
"""

from __future__ import annotations

from contextlib import contextmanager
from queue import Queue
from typing import Callable, Iterator

import psycopg
from psycopg.copy import QueuedLibpqWriter

from vtopo.render.statements import render_query

from .batch import RowBatch
from .copy_binary import HEADER, TRAILER
from .shape import VectorShape

STAGING = "vtopo_load_staging"
# Measured (40,000 x 384 rows, one load process each, 2 shared CPUs), rows/s and peak RSS:
#   batch   JSONL            Parquet
#   1,000   17,900  104 MB   76,800  230 MB
#   2,000   19,500  139 MB   78,600  249 MB
#   5,000   18,700  252 MB   44,200  306 MB
#  10,000   16,200  440 MB   53,700  372 MB
# Larger batches only hold more memory.
DEFAULT_BATCH = 2000


_QUEUED_CHUNKS = 128  # psycopg queues 128 KB chunks: about two batches of 384-dimension rows


class _SendingThread(QueuedLibpqWriter):
    """psycopg's queued writer: a thread sends while the caller reads and encodes. Its queue holds
    1,024 chunks (128 MB) by default; a short one keeps memory flat when reading outruns the server."""

    def __init__(self, cursor: psycopg.Cursor) -> None:
        super().__init__(cursor)
        self._queue = Queue(maxsize=_QUEUED_CHUNKS)


@contextmanager
def copy_stream(conn: psycopg.Connection, statement: str) -> Iterator[Callable[[bytes], None]]:
    """One binary COPY; yields `write(tuples)`. A queue and a writer thread send each batch while
    the next is read and encoded, so the server stores one batch while Python works on the next.
    An exception inside aborts the COPY (nothing stored)."""
    with conn.cursor() as cursor:
        with cursor.copy(statement, writer=_SendingThread(cursor)) as copy:
            copy.write(HEADER)
            yield copy.write
            copy.write(TRAILER)


class Staging:
    """The session's temporary table of checked records, numbered by `seq` in input order."""

    def __init__(self, conn: psycopg.Connection, shape: VectorShape, *, drop_on_commit: bool = False) -> None:
        self.conn = conn
        self.shape = shape
        self.drop_on_commit = drop_on_commit
        self.rows = 0

    def create(self) -> None:
        self.drop()
        self.conn.execute(
            render_query(
                "load/staging_create.sql.j2",
                table=STAGING,
                vector_type=str(self.shape),
                drop_on_commit=self.drop_on_commit,
            )
        )

    @contextmanager
    def copying(self) -> Iterator[Callable[[RowBatch], None]]:
        """One COPY for the whole input; yields `write(batch)`."""
        with copy_stream(self.conn, render_query("load/copy.sql.j2", table=STAGING)) as send:

            def write(batch: RowBatch) -> None:
                if len(batch):
                    send(batch.encode(self.rows + 1))
                    self.rows += len(batch)

            yield write

    def prepare_merge(self) -> None:
        """An index on seq, so each merge batch reads only its own range."""
        self.conn.execute(render_query("load/staging_index.sql.j2", table=STAGING))
        self.conn.execute(render_query("load/staging_analyze.sql.j2", table=STAGING))

    def merge(self, collection: str, first: int, last: int) -> int:
        query = render_query("load/merge.sql.j2", table=STAGING, name=collection)
        with self.conn.cursor() as cursor:
            cursor.execute(query, {"first": first, "last": last})
            return cursor.rowcount

    def drop(self) -> None:
        self.conn.execute(render_query("load/staging_drop.sql.j2", table=STAGING))


def upsert_batches(conn: psycopg.Connection, collection: str, shape: VectorShape, batches: Iterator[RowBatch]) -> int:
    """All rows in one transaction (the Python API's upsert): all or nothing, like Vecs."""
    with conn.transaction():
        staging = Staging(conn, shape, drop_on_commit=True)
        staging.create()
        with staging.copying() as write:
            for batch in batches:
                write(batch)
        if staging.rows:
            staging.merge(collection, 1, staging.rows)
        return staging.rows
