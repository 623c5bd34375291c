"""`vtopo query`: one top-k search, by a vector or by the vector of a stored row.

Checks the command's options against the collection (JSON of the vector and
filter, which search setting fits its index), then runs the search through
the Python API so both behave the same.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vtopo.spec.loader import load_topology

from .client import Client
from .errors import QueryError
from .field_names import undeclared_field_notes
from .filters import parse_filter_json
from .target import Via, measure_of, route, uncovered_measure


@dataclass(frozen=True)
class SearchRequest:
    collection: str
    vector: str | None = None  # JSON text
    like: str | None = None  # id of a stored row
    limit: int = 10
    filter: str | None = None  # JSON text
    measure: str | None = None
    via: Via = Via.direct
    include_metadata: bool = False
    ef_search: int | None = None
    probes: int | None = None


@dataclass(frozen=True)
class Hit:
    id: str
    distance: float
    metadata: dict | None = None


@dataclass
class SearchResult:
    collection: str
    database: str
    via: str
    measure: str
    hits: list[Hit]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # likely mistakes in the request (a misspelled field)


def run_search(path: Path, request: SearchRequest, *, env: str | None = None) -> SearchResult:
    topology = load_topology(path, env=env)
    target = route(topology, request.collection, request.via)
    measure = measure_of(target, request.measure)
    _check_setting_fits(target.spec.index.method.value, request)
    filters = tree = None
    if request.filter is not None:
        tree = parse_filter_json(request.filter)  # malformed filters fail before any connection
        filters = json.loads(request.filter)
    vector = _vector_from_json(request.vector) if request.vector is not None else None
    with Client(topology) as client:
        collection = client.collection(request.collection, via=request.via)
        if vector is None:
            vector = _stored_vector(collection, request.like)
        with warnings.catch_warnings():
            # The result carries what the API warns about (notes, warnings); the warnings would repeat it.
            warnings.simplefilter("ignore", UserWarning)
            rows = collection.query(
                vector, limit=request.limit, filters=filters, measure=measure, include_value=True,
                include_metadata=request.include_metadata, ef_search=request.ef_search, probes=request.probes,
            )
    hits = [Hit(row[0], row[1], row[2] if request.include_metadata else None) for row in rows]
    notes = [note] if (note := uncovered_measure(target, measure)) else []
    return SearchResult(request.collection, target.database, target.via.value, measure, hits, notes,
                        undeclared_field_notes(target, tree))


def _check_setting_fits(method: str, request: SearchRequest) -> None:
    if request.ef_search is not None and request.probes is not None:
        raise QueryError("give --ef-search (HNSW) or --probes (IVFFlat), not both")
    if request.ef_search is not None and method != "hnsw":
        raise QueryError(f"collection {request.collection!r} has {_index(method)}: --ef-search applies to HNSW indexes")
    if request.probes is not None and method != "ivfflat":
        raise QueryError(f"collection {request.collection!r} has {_index(method)}: --probes applies to IVFFlat indexes")


def _index(method: str) -> str:
    return "no vector index" if method == "none" else f"an {method.upper()} index" if method == "hnsw" else "an IVFFlat index"


def _vector_from_json(text: str) -> list[Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise QueryError(f"--vector is not valid JSON: {error.msg} (column {error.colno})",
                         hint="example: --vector '[0.1, 0.2, 0.3]'") from None
    if not isinstance(value, list):
        raise QueryError("--vector must be a JSON array of numbers", hint="example: --vector '[0.1, 0.2, 0.3]'")
    return value


def _stored_vector(collection, row_id: str | None) -> list[float]:
    if row_id is None:
        raise QueryError("give --vector JSON or --like ID")
    found = collection.fetch([row_id])
    if not found:
        raise QueryError(f"--like: collection {collection.name!r} has no row with id {row_id!r}")
    return found[0][1]
