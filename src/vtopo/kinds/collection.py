"""Collections: `vecs.<name>` tables exactly as the Vecs client makes them (id, vec, metadata)."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.changes import Action, Change, Hazard, HazardKind
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import VECS_SCHEMA, gin_index_name, vtopo_index_suffixes

from .base import HazardFacts, Kind
from .indexes import index_rows
from .reader import CatalogReader, read_marker


def new(database: str, name: str, *, dimension: int, vector_type: str, rows: int | None = None) -> CatalogObject:
    return CatalogObject.make(
        database,
        ObjectKind.collection,
        name,
        {"dimension": dimension, "type": vector_type},
        attrs={"rows_estimate": rows},
        depends_on=[key_of(database, ObjectKind.schema, VECS_SCHEMA)],
    )


def collection_rows(reader: CatalogReader) -> list[dict[str, Any]]:
    """Every Vecs-shaped table in vecs (with its grants)."""
    return reader.rows("collections")


class Collection(Kind):
    kind = ObjectKind.collection
    named_after_collection = True
    vector_typed = True
    adoptable = True
    holds_rows = True

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        if change.action not in (Action.delete, Action.replace):
            return []
        rows = facts.row_counts.get((change.database, change.name), 0)
        prevented = change.name in facts.prevent_destroy
        verb = "drops" if change.action is Action.delete else "drops and re-creates"
        why = "" if change.action is Action.delete else f" ({change.reason})"
        if rows == 0:
            message = f"{verb} collection {change.name}{why}; it is empty"
            return [Hazard(HazardKind.deletes_data, message, blocking=prevented, prevented=prevented)]
        message = f"{verb} collection {change.name}{why}: {rows} rows would be lost"
        return [Hazard(HazardKind.deletes_data, message, blocking=True, prevented=prevented)]

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        wanted = set(reader.wanted(ObjectKind.collection))
        made_before = _made_by_earlier_vtopo(reader)
        for row in collection_rows(reader):
            obj = new(reader.database, row["name"], dimension=row["dimension"], vector_type=row["type"], rows=row["rows_estimate"])
            # vtopo's (dropped when it leaves the topology) if vtopo made it, adopted while the
            # topology names it; any other table in vecs is left alone.
            ours = read_marker(row["comment"]) is not None or row["name"] in made_before
            yield obj if ours or row["name"] in wanted else obj.unmanaged()

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = canvas.collection_id(obj.database, obj.name)
        canvas.update(node_id, details=(f"{spec['dimension']} × {spec['type']}",) + canvas.nodes[node_id].details)
        canvas.tables.add(node_id)
        canvas.own_status(node_id, obj)


def _made_by_earlier_vtopo(reader: CatalogReader) -> set[str]:
    """Tables an earlier vtopo created (no mark then): their GIN or vector index has the
    name vtopo derives from the collection, where the Vecs client takes a random suffix."""
    tables = set()
    for row in index_rows(reader):
        table, name = row["table_name"], row["name"]
        if name in {gin_index_name(table, g) for g in range(3)} or name.endswith(vtopo_index_suffixes(table)):
            tables.add(table)
    return tables
