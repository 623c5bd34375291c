"""Collections: `vecs.<name>` tables exactly as the Vecs client makes them (id, vec, metadata)."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.changes import Action, Change, Hazard, HazardKind
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import VECS_SCHEMA

from .base import HazardFacts, Kind
from .reader import CatalogReader


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
        for row in collection_rows(reader):
            yield new(reader.database, row["name"], dimension=row["dimension"], vector_type=row["type"], rows=row["rows_estimate"])

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = canvas.collection_id(obj.database, obj.name)
        canvas.update(node_id, details=(f"{spec['dimension']} × {spec['type']}",) + canvas.nodes[node_id].details)
        canvas.tables.add(node_id)
        canvas.own_status(node_id, obj)
