"""The Python API: `vtopo.connect("topology.yaml").collection("docs").query(...)`.

Collections answer Vecs's calls with Vecs's argument names and results
(query, upsert, fetch, delete), routed by the topology: directly to the
database that holds the collection, or (via="primary") through the
primary's exposed view, which is read-only. A direct query runs with the
search settings a query through the primary gets (search_settings.py).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, TypeVar

import numpy as np
import psycopg

from vtopo.spec.loader import load_topology
from vtopo.spec.models import Topology
from vtopo.spec.resolve import resolve_topology
from vtopo.vectors.batch import RowBatch
from vtopo.vectors.check import VectorProblem, check_vector
from vtopo.vectors.inputs import array_batches, record_batches
from vtopo.vectors.records import RowProblem
from vtopo.vectors.staging import DEFAULT_BATCH, upsert_batches
from vtopo.vectors.text import parse_vector_text, vector_text

from . import sharded
from .errors import FilterFieldWarning, QueryError
from .field_names import undeclared_field_notes
from .filters import parse_filter
from .search_settings import direct_settings
from .session import Sessions, database_errors, describe, require_collection
from .statements import (
    delete_statement,
    fetch_statement,
    search_statement,
    settings_statement,
)
from .target import Target, measure_of, route, uncovered_measure

if TYPE_CHECKING:
    from vtopo.load import BuildSettings, LoadReport

MAX_LIMIT = 1000  # Vecs's limit
T = TypeVar("T")


def connect(path: str | Path | None = None, *, env: str | None = None) -> "Client":
    """Open a topology file (default: $VTOPO_FILE or ./topology.yaml) with environment `env`
    (default: $VTOPO_ENV); connections open on first use."""
    if path is None:
        path = os.environ.get("VTOPO_FILE") or "topology.yaml"  # the CLI's default too
    topology = load_topology(Path(path), env=env)
    return Client(topology)


class Client:
    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self._sessions = Sessions(resolve_topology(topology))

    def collection(self, name: str, *, via: str = "direct") -> "Collection":
        return Collection(self, route(self.topology, name, via))

    def close(self) -> None:
        self._sessions.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"vtopo.Client({str(self.topology.source_path)!r})"


class Collection:
    def __init__(self, client: Client, target: Target) -> None:
        self._client = client
        self._target = target
        self._checked = False
        self._shards_checked: set[str] = set()

    name = property(lambda self: self._target.collection)
    dimension = property(lambda self: self._target.spec.dimension)
    measure = property(lambda self: self._target.spec.measure.value)
    via = property(lambda self: self._target.via.value)
    database = property(lambda self: self._target.database)

    def __repr__(self) -> str:
        return f'vtopo.Collection(name="{self.name}", dimension={self.dimension}, via="{self.via}")'

    def query(
        self,
        data: Iterable[float],
        limit: int = 10,
        filters: dict | None = None,
        measure: Any = None,
        include_value: bool = False,
        include_metadata: bool = False,
        *,
        probes: int | None = None,
        ef_search: int | None = None,
    ) -> list:
        """Top-`limit` ids by distance (Vecs's Collection.query). With include_value /
        include_metadata, tuples (id[, distance][, metadata]). measure defaults to the
        collection's; filters use the Vecs filter language."""
        target = self._target
        chosen = measure_of(target, measure)
        _check_integer("limit", limit, 1, MAX_LIMIT)
        tree = self._filter(filters)
        query = self._query_vector(data)
        settings = self._settings_statement(probes, ef_search)
        note = uncovered_measure(target, chosen)
        if note and target.spec.index.method.value != "none":  # no index at all is the topology's choice
            warnings.warn(note, UserWarning, stacklevel=2)  # as Vecs warns: "no covering index"
        statement = search_statement(
            target, tree, query=query, measure=chosen, limit=limit,
            include_value=include_value, include_metadata=include_metadata,
        )
        def search(conn):
            with conn.transaction():
                if settings is not None:
                    conn.execute(*settings)
                return conn.execute(*statement).fetchall()

        if target.sharded:  # every shard's top-limit (with distances), the nearest of all
            statement = search_statement(target, tree, query=query, measure=chosen, limit=limit,
                                         include_value=True, include_metadata=include_metadata)
            answers = self._on_shards(lambda conn, shard: search(conn), read=True)
            rows = [row if include_value else (row[0], *row[2:]) for row in sharded.nearest(answers, limit)]
        else:
            rows = self._read(search)
        if not include_value and not include_metadata:
            return [row[0] for row in rows]
        return [tuple(float(v) if include_value and i == 1 else v for i, v in enumerate(row)) for row in rows]

    def upsert(
        self,
        records: Iterable[tuple[str, Any, dict | None]] | None = None,
        *,
        ids: Sequence[str] | None = None,
        vectors: Any = None,
        metadata: Sequence[dict | None] | None = None,
    ) -> None:
        """Insert or replace (vector and metadata) records; all or nothing. Either records
        `(id, vector[, metadata])` (a vector: list, tuple, NumPy array, any sequence of numbers),
        or `ids=[...]` with `vectors=` a 2-D NumPy array (or a sequence of vectors) and
        optionally `metadata=[...]`, one per id."""
        target = self._writable("upsert")
        if (records is None) == (ids is None):
            raise QueryError("upsert takes records, or ids= with vectors= (not both)")
        if ids is not None and vectors is None:
            raise QueryError("upsert with ids= needs vectors= (one per id)")
        if target.sharded and records is not None:
            records = list(records)  # read twice: checked whole, then each shard's part
        try:
            batches = (record_batches(records, target.shape, DEFAULT_BATCH) if records is not None
                       else array_batches(_ids(ids), vectors, metadata, target.shape, DEFAULT_BATCH))
        except (RowProblem, TypeError) as problem:
            raise QueryError(f"upsert into {self.name!r}: {problem}; nothing was written") from None
        if target.sharded:
            self._upsert_on_shards(batches, records, ids, vectors, metadata)
            return
        conn = self._connection()
        with database_errors(self._client._sessions, target):
            upsert_batches(conn, target.collection, target.shape, self._checked_batches(batches))

    def load(self, path: str | Path, *, format: str | None = None, batch_size: int = DEFAULT_BATCH,
             build: "BuildSettings | None" = None) -> "LoadReport":
        """`vtopo load` from Python: a JSONL, CSV or Parquet file into this collection (the vector
        index set aside and built after a first load, as the command does)."""
        from vtopo.load import BuildSettings, Destination, load_source

        target = self._writable("load")
        sessions = self._client._sessions
        if target.sharded:
            return sharded.load_on_shards(sessions, target, Path(path), format=format, batch_size=batch_size,
                                          build=build or BuildSettings())
        destination = Destination(self._connection(), sessions.resolved, target.database, target.collection,
                                  target.shape, lambda error: describe(error, sessions, target))
        return load_source(destination, Path(path), format=format, batch_size=batch_size,
                           build=build or BuildSettings())

    def fetch(self, ids: Iterable[str]) -> list[tuple[str, list[float], dict]]:
        """Records `(id, vector, metadata)` for the ids that exist, in the order asked."""
        wanted = _ids(ids)
        if not wanted:
            return []
        if self._target.sharded:
            rows = sharded.once_by_id(self._on_shards(lambda conn, shard: conn.execute(*fetch_statement(shard, wanted)).fetchall(),
                                                      read=True))
        else:
            rows = self._read(lambda conn: conn.execute(*fetch_statement(self._target, wanted)).fetchall())
        found = {row[0]: (row[0], parse_vector_text(row[1]), row[2]) for row in rows}
        return [found[i] for i in dict.fromkeys(wanted) if i in found]

    def delete(self, ids: Iterable[str] | None = None, filters: dict | None = None) -> list[str]:
        """Delete by ids or by a filter (not both, as in Vecs); returns the ids deleted."""
        if ids is None and filters is None:
            raise QueryError("delete needs ids or filters")
        if ids is not None and filters is not None:
            raise QueryError("delete takes ids or filters, not both")
        target = self._writable("delete")
        tree = self._filter(filters) if filters is not None else None
        wanted = _ids(ids) if ids is not None else None
        if (wanted is not None and not wanted) or (filters is not None and tree is None):
            return []  # Vecs: no ids or an empty filter delete nothing
        def delete(conn, shard=None):
            with conn.transaction():
                return conn.execute(*delete_statement(target.collection, ids=wanted, tree=tree)).fetchall()

        if target.sharded:  # on every shard: a bucket being moved has its rows on two for a moment
            return [row[0] for row in sharded.once_by_id(self._on_shards(delete, read=False))]
        conn = self._connection()
        with database_errors(self._client._sessions, target):
            rows = delete(conn)
        return [row[0] for row in rows]

    # -- helpers ---------------------------------------------------------

    def _connection(self, *, read: bool = False):
        """Writes: the database's own server. Reads: where its `reads` chooses (maybe a replica)."""
        sessions = self._client._sessions
        if self._target.through_view:
            return sessions.connection(self._target.database)
        if not self._checked:
            conn = require_collection(sessions, self._target, read=read)
            self._checked = True
            return conn
        return sessions.reading(self._target.database) if read else sessions.connection(self._target.database)

    def _read(self, work: Callable[[Any], T]) -> T:
        """work(conn) on a reading connection; when the server it read from went away and the
        database has replicas, once more on the next live one (a read is safe to repeat)."""
        sessions = self._client._sessions
        retry = not self._target.through_view and sessions.has_replicas(self._target.database)
        while True:
            conn = self._connection(read=True)
            try:
                return work(conn)
            except psycopg.OperationalError as error:
                if retry and conn.broken:
                    retry = False
                    continue
                raise describe(error, sessions, self._target) from None
            except psycopg.Error as error:
                raise describe(error, sessions, self._target) from None

    def _on_shards(self, work, *, read: bool) -> list:
        """work(conn, shard target) on every shard of a sharded collection."""
        return sharded.on_every_shard(self._client._sessions, self._target, work, read=read, checked=self._shards_checked)

    def _upsert_on_shards(self, batches, records, ids, vectors, metadata) -> None:
        """Every record checked first (`batches`: nothing is written if one is bad), then each
        shard's part written in one transaction per shard, to the shard that owns its bucket."""
        target = self._target
        try:
            for _ in self._checked_batches(batches):
                pass
        except (RowProblem, TypeError) as problem:
            raise QueryError(f"upsert into {self.name!r}: {problem}; nothing was written") from None
        if records is not None:
            ids = [record[0] if isinstance(record, (tuple, list)) and record else None for record in records]

        def write(conn, shard, mine):
            if records is not None:
                part = record_batches([records[i] for i in mine], target.shape, DEFAULT_BATCH)
            else:
                part = array_batches([ids[i] for i in mine], _take(vectors, mine),
                                     None if metadata is None else [metadata[i] for i in mine], target.shape, DEFAULT_BATCH)
            return upsert_batches(conn, target.collection, target.shape, self._checked_batches(part))

        sharded.write_by_owner(self._client._sessions, target, ids, write, checked=self._shards_checked)

    def _writable(self, action: str) -> Target:
        if self._target.through_view:
            raise QueryError(
                f"collection {self.name!r}: {action} goes to the database that holds it; "
                "the primary's view is read-only",
                hint=f'open it with collection("{self.name}") (via="direct")',
            )
        return self._target

    def _filter(self, filters: Any):
        tree = parse_filter(filters)
        for note in undeclared_field_notes(self._target, tree):
            warnings.warn(note, FilterFieldWarning, stacklevel=3)  # at the caller's query()/delete()
        return tree

    def _query_vector(self, data: Any) -> str:
        try:
            return vector_text(check_vector(data, self._target.shape))
        except VectorProblem as problem:
            raise QueryError(f"query vector for collection {self.name!r}: {problem}") from None

    def _settings_statement(self, probes: int | None, ef_search: int | None):
        for label, value, low, high in (("probes", probes, 1, 32768), ("ef_search", ef_search, 1, 1000)):
            if value is not None:
                _check_integer(label, value, low, high)
        if self._target.through_view:
            if probes is not None or ef_search is not None:
                raise QueryError(
                    f"collection {self.name!r}: through the primary the search settings are the reader role's "
                    f"(collections.{self.name}.search in the topology); probes/ef_search apply to direct queries",
                )
            return None
        return settings_statement(direct_settings(self._target.settings, probes=probes, ef_search=ef_search))

    def _checked_batches(self, batches: Iterable[RowBatch]) -> Iterable[RowBatch]:
        """Each batch's values checked; the first bad record stops the upsert (inside its transaction)."""
        for batch in batches:
            batch.check_numbers()
            if batch.problems:
                index, problem = batch.problems[0]
                raise QueryError(f"upsert into {self.name!r}: record {index}: {problem}; nothing was written")
            yield batch


def _take(vectors: Any, positions: list[int]) -> Any:
    """The rows at `positions` of a 2-D array or a sequence of vectors."""
    if isinstance(vectors, np.ndarray):
        return vectors[positions]
    return [vectors[i] for i in positions]


def _check_integer(label: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise QueryError(f"{label} must be an integer from {low} to {high}, got {value!r}")


def _ids(ids: Iterable[str]) -> list[str]:
    if isinstance(ids, (str, bytes)):
        raise QueryError("ids must be a list of strings, not one string")
    result = list(ids)
    for value in result:
        if not isinstance(value, str):
            raise QueryError(f"ids must be strings, got {value!r}")
    return result
