"""The staging table: checked records COPYed (binary) in, then upserted into the collection.

Both writers go through it, so bad input never leaves half a write behind:
`vtopo load` stages a whole file and then merges it in committed batches
(see load/writer.py); the Python API's upsert stages and merges its records
in one transaction. The merge is `INSERT ... ON CONFLICT (id) DO UPDATE`:
within one input the last record for an id wins, as with consecutive Vecs
upserts.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import psycopg

from vtopo.render.statements import render_query

from .copy_binary import HEADER, TRAILER, encode_tuples
from .records import EncodedRow
from .shape import VectorShape

STAGING = "vtopo_load_staging"
DEFAULT_BATCH = 5000


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
    def copying(self) -> Iterator[Callable[[list[EncodedRow]], None]]:
        """One COPY for the whole input: the server stores a batch while the next is read.
        Yields `write(rows)`; an exception inside aborts the COPY (nothing staged)."""
        with self.conn.cursor() as cursor:
            with cursor.copy(render_query("load/copy.sql.j2", table=STAGING)) as copy:
                copy.write(HEADER)

                def write(rows: list[EncodedRow]) -> None:
                    if rows:
                        copy.write(encode_tuples(self.rows + 1, rows))
                        self.rows += len(rows)

                yield write
                copy.write(TRAILER)

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


def batched(rows: Iterable[EncodedRow], size: int) -> Iterator[list[EncodedRow]]:
    batch: list[EncodedRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def upsert_all(conn: psycopg.Connection, collection: str, shape: VectorShape, rows: Iterable[EncodedRow],
               batch_size: int = DEFAULT_BATCH) -> int:
    """All rows in one transaction (the Python API's upsert): all or nothing, like Vecs."""
    with conn.transaction():
        staging = Staging(conn, shape, drop_on_commit=True)
        staging.create()
        with staging.copying() as write:
            for batch in batched(rows, batch_size):
                write(batch)
        if staging.rows:
            staging.merge(collection, 1, staging.rows)
        return staging.rows
