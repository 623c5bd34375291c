"""What the two index kinds share: concurrent builds, online replacement, one catalog query."""

from __future__ import annotations

from typing import Any

from vtopo.catalog.changes import Action, Change, Hazard, HazardKind
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of

from .base import HazardFacts, Kind
from .reader import CatalogReader

# pgvector's defaults when an index was built without WITH (...).
VECTOR_METHODS = {"hnsw": {"m": 16, "ef_construction": 64}, "ivfflat": {"lists": 100}}


def index_rows(reader: CatalogReader) -> list[dict[str, Any]]:
    """Every index on a vecs table, with method, columns, operator classes, options, comment."""
    return reader.rows("indexes")


def as_its_table(reader: CatalogReader, obj: CatalogObject) -> CatalogObject:
    """An index on a table vtopo leaves alone is left alone too."""
    table = reader.found.get(key_of(reader.database, ObjectKind.collection, obj.spec_dict["collection"]))
    return obj.unmanaged() if table is not None and not table.managed else obj


def preference(row: dict[str, Any]) -> tuple:
    # The index that stands for the collection: valid first, then Vecs-named, then by name.
    return (not row["valid"], not row["name"].lower().startswith("ix_"), row["name"])


class IndexKind(Kind):
    adoptable = True
    is_index = True

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        if change.action is not Action.replace:
            return []
        if (change.database, change.subject.spec_dict["collection"]) in facts.rebuilt_tables:
            # The planner builds it in the table's transaction: plain DROP / CREATE INDEX.
            return [Hazard(HazardKind.rebuilds_index, "index is rebuilt with its re-created table (DROP INDEX, CREATE INDEX in the same transaction)")]
        return [Hazard(HazardKind.rebuilds_index, "index is rebuilt online (CREATE INDEX CONCURRENTLY, then the old one is dropped)")]

    def collection_of(self, obj: CatalogObject) -> str | None:
        return obj.spec_dict.get("collection") or None

    def renamed(self, obj: CatalogObject, generation: int) -> CatalogObject:
        return obj.with_attrs(index_name=self.index_name(obj.spec_dict, generation))

    def index_name(self, spec: dict[str, Any], generation: int) -> str:
        raise NotImplementedError
