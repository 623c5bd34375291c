"""Schemas (vecs, vtopo, an exposed view's schema): created where needed, never dropped."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.model import CatalogObject, ObjectKind

from .base import Retained
from .reader import CatalogReader


def new(database: str, name: str, *, managed: bool = True) -> CatalogObject:
    return CatalogObject.make(database, ObjectKind.schema, name, {}, managed=managed)


def schema_rows(reader: CatalogReader) -> list[dict[str, Any]]:
    """vecs, vtopo and the schemas the topology names (grants on them are read from the same rows)."""
    return reader.rows("schemas", {"schema_names": reader.wanted(ObjectKind.schema)})


class Schema(Retained):
    kind = ObjectKind.schema

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        for row in schema_rows(reader):
            yield new(reader.database, row["name"])

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        pass  # the boxes of the picture are databases, not schemas
