"""Extensions (vector, postgres_fdw): created where needed, never dropped (others may use them)."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.model import CatalogObject, ObjectKind

from .base import Retained
from .reader import CatalogReader


def new(database: str, name: str, *, version: str | None = None, schema: str | None = None) -> CatalogObject:
    return CatalogObject.make(database, ObjectKind.extension, name, {}, attrs={"version": version, "schema": schema})


class Extension(Retained):
    kind = ObjectKind.extension

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        for row in reader.rows("extensions"):
            yield new(reader.database, row["name"], version=row["version"], schema=row["schema"])

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        pass  # implied by what uses it
