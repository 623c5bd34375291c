"""Where a collection is read: its own database (direct), or the primary's exposed view.

Direct reads `vecs.<name>` (columns id, vec, metadata), exactly as Vecs does,
with the search settings a query through the primary gets, and filters on
indexed promoted fields use the expression their index is built on. Through
the primary reads the `expose.view` (id, embedding, metadata and the
promoted fields as typed columns), so filters can use those columns and
postgres_fdw ships them to the secondary.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import Enum

from vtopo.catalog.names import OPERATOR, VECS_SCHEMA
from vtopo.spec.models import CollectionSpec, Topology
from vtopo.spec.names import split_qualified
from vtopo.vectors.shape import VectorShape

from .errors import QueryError
from .search_settings import effective_settings


class Via(str, Enum):
    direct = "direct"
    primary = "primary"


# Vecs's measure names (vecs.IndexMeasure values) and the topology's.
MEASURES = {
    "cosine": "cosine",
    "cosine_distance": "cosine",
    "l2": "l2",
    "l2_distance": "l2",
    "inner_product": "inner_product",
    "max_inner_product": "inner_product",
}


@dataclass(frozen=True)
class Target:
    collection: str
    spec: CollectionSpec
    via: Via
    database: str  # the database vtopo connects to
    schema: str
    relation: str
    vector_column: str
    # field -> type of the typed columns (through the primary: every promoted field) or index
    # expressions (direct: the indexed fields) filters may use; see compile.py.
    promoted: dict[str, str] = field(default_factory=dict)
    indexed: frozenset[str] = frozenset()  # fields with a B-tree index on their typed expression
    settings: dict[str, str] = field(default_factory=dict)  # direct: set for each query (search_settings.py)

    @property
    def through_view(self) -> bool:
        return self.via is Via.primary

    @property
    def sharded(self) -> bool:
        """Read and written on its shards (direct); `database` is then the first shard."""
        return self.spec.sharded and not self.through_view

    @property
    def shape(self) -> VectorShape:
        return VectorShape.of(self.spec)

    @property
    def where(self) -> str:
        """For messages: `vecs.docs in database pod1`."""
        return f"{self.schema}.{self.relation} in database {self.database}"


def collection_spec(topology: Topology, name: str) -> CollectionSpec:
    spec = topology.collections.get(name)
    if spec is not None:
        return spec
    known = sorted(topology.collections)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else (
        f"collections in the file: {', '.join(known)}" if known else "the file declares no collections"
    )
    raise QueryError(f"unknown collection {name!r}: {topology.source_path} does not declare it", hint=hint)


def route(topology: Topology, name: str, via: Via | str = Via.direct) -> Target:
    spec = collection_spec(topology, name)
    try:
        via = Via(getattr(via, "value", via))
    except ValueError:
        raise QueryError(f"via must be 'direct' or 'primary', got {via!r}") from None
    indexed = frozenset(field_name for field_name, f in spec.metadata.items() if f.index)
    if via is Via.direct:
        promoted = {field_name: f.type.value for field_name, f in spec.metadata.items() if f.index}
        return Target(name, spec, via, spec.databases[0], VECS_SCHEMA, name, "vec", promoted, indexed,
                      effective_settings(topology, name))
    if spec.expose is None:
        raise QueryError(
            f"collection {name!r} is not exposed on the primary (no expose.view in {topology.source_path})",
            hint="query it with --via direct, or add expose: {view: public.<name>} and run vtopo apply",
        )
    schema, relation = split_qualified(spec.expose.view)
    promoted = {field_name: f.type.value for field_name, f in spec.metadata.items()}
    return Target(name, spec, via, topology.primary_name, schema, relation, "embedding", promoted, indexed)


def measure_of(target: Target, measure: object | None) -> str:
    """The topology's measure name for a Vecs or vtopo measure name (default: the collection's)."""
    if measure is None:
        return target.spec.measure.value
    text = str(getattr(measure, "value", measure))
    if text not in MEASURES:
        raise QueryError(
            f"unknown measure {text!r}; use cosine, l2 or inner_product "
            "(or Vecs's cosine_distance, l2_distance, max_inner_product)"
        )
    return MEASURES[text]


def operator_of(measure: str) -> str:
    return OPERATOR[measure]


def uncovered_measure(target: Target, measure: str) -> str | None:
    """A note when the search cannot use the collection's vector index (Vecs warns too)."""
    spec = target.spec
    if spec.index.method.value == "none":
        return f"collection {target.collection!r} has no vector index: the search reads every row"
    if measure != spec.measure.value:
        return (
            f"collection {target.collection!r} is indexed for {spec.measure.value}; "
            f"a {measure} search reads every row"
        )
    return None
