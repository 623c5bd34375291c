"""Metadata indexes: the GIN index Vecs makes on metadata (field "*"), and vtopo's
btree indexes on promoted fields with `index: true`."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import gin_index_name, metadata_index_name

from .indexes import VECTOR_METHODS, IndexKind, as_its_table, index_rows, preference
from .reader import CatalogReader, read_marker

GIN_FIELD = "*"


def new(database: str, collection_name: str, field: str, *, field_type: str, index_name: str, valid: bool = True) -> CatalogObject:
    return CatalogObject.make(
        database,
        ObjectKind.metadata_index,
        f"{collection_name}.{field}",
        {"collection": collection_name, "field": field, "type": field_type, "valid": valid},
        attrs={"index_name": index_name},
        depends_on=[key_of(database, ObjectKind.collection, collection_name)],
    )


def _is_gin(row: dict[str, Any]) -> bool:
    return row["method"] == "gin" and (row["columns"] or []) == ["metadata"] and (row["opclasses"] or [None])[0] == "jsonb_path_ops"


class MetadataIndex(IndexKind):
    kind = ObjectKind.metadata_index

    def index_name(self, spec: dict[str, Any], generation: int) -> str:
        if spec["field"] == GIN_FIELD:
            return gin_index_name(spec["collection"], generation)
        return metadata_index_name(spec["collection"], spec["field"], generation)

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        gin_rows: dict[str, list[dict[str, Any]]] = {}
        for row in index_rows(reader):
            if row["method"] in VECTOR_METHODS and (row["columns"] or []) == ["vec"]:
                continue  # the vector index kind's
            if _is_gin(row):
                gin_rows.setdefault(row["table_name"], []).append(row)
                continue
            marker = read_marker(row["comment"])
            if marker and "field" in marker:
                yield as_its_table(reader, new(reader.database, row["table_name"], marker["field"], field_type=marker.get("type", ""),
                                               index_name=row["name"], valid=row["valid"]))
        for table, candidates in gin_rows.items():
            row = sorted(candidates, key=preference)[0]
            yield as_its_table(reader, new(reader.database, table, GIN_FIELD, field_type="gin", index_name=row["name"], valid=row["valid"]))

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = canvas.collection_id(obj.database, spec["collection"])
        if spec["field"] != GIN_FIELD:
            canvas.fields.setdefault(node_id, {})[spec["field"]] = f"({spec['type']}, indexed)"
        canvas.part_status(node_id, obj, "metadata index" if spec["field"] == GIN_FIELD else f"index on {spec['field']}")
