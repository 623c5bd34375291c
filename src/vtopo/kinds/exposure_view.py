"""Exposure views on a secondary (`vtopo.<collection>`): id, embedding, metadata and the
promoted fields as typed columns, so the primary's filters on them are shipped."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.changes import Change, Hazard
from vtopo.catalog.columns import fields_of
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import VTOPO_SCHEMA

from .base import HazardFacts, Kind
from .reader import CatalogReader, read_marker
from .relations import in_vtopo_schema, lock_hazards

# Bump when the SQL of exposure views changes, so existing ones are replaced.
VIEW_FORMAT = 1


def new(database: str, collection_name: str, *, columns: list[list[str]], fields: dict[str, str], version: int = VIEW_FORMAT) -> CatalogObject:
    return CatalogObject.make(
        database,
        ObjectKind.exposure_view,
        collection_name,
        {"columns": columns, "fields": fields, "format": version},
        depends_on=[key_of(database, ObjectKind.collection, collection_name), key_of(database, ObjectKind.schema, VTOPO_SCHEMA)],
    )


class ExposureView(Kind):
    kind = ObjectKind.exposure_view
    named_after_collection = True

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        return lock_hazards(change)

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        for row, columns, stray in in_vtopo_schema(reader, "v"):
            if stray:
                yield new(reader.database, row["name"], columns=columns, fields={}, version=0).unmanaged()
            else:
                version = (read_marker(row["comment"]) or {}).get("format", 0)
                yield new(reader.database, row["name"], columns=columns, fields=fields_of(columns), version=version)

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        collection = canvas.collection_id(obj.database, obj.name)
        node_id = canvas.exposure_id(obj.database, obj.name)
        canvas.own_status(node_id, obj)
        canvas.note_fields(collection, spec.get("fields", {}))
        canvas.edge(collection, node_id, canvas.EdgeKind.exposes, canvas.status(obj)[0])
