"""The view on the primary that client libraries read (`expose.view`), security_invoker,
over the foreign table (remote collections) or `vecs.<name>` (collections on the primary)."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.changes import Change, Hazard
from vtopo.catalog.columns import fields_of
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import VECS_SCHEMA, VTOPO_SCHEMA

from .base import HazardFacts, ShardMapInPlace
from .reader import CatalogReader, read_marker
from .relations import columns_of, lock_hazards, relation_rows


def new(
    database: str, qualified_name: str, *, collection_name: str, source: list[str], columns: list[list[str]], fields: dict[str, str],
    shards: list[dict[str, Any]] | None = None, managed: bool = True,
) -> CatalogObject:
    """source: [schema, relation] the view reads (a foreign table, or vecs.<name> on the primary).
    shards (a sharded collection): [{shard, table, buckets}], the view is the UNION ALL of each
    shard's foreign table limited to the buckets the shard owns: the bucket map in effect."""
    source_kind = ObjectKind.foreign_table if source[0] == VTOPO_SCHEMA else ObjectKind.collection
    spec: dict[str, Any] = {"collection": collection_name, "source": source, "columns": columns, "fields": fields, "security_invoker": True}
    depends_on = [key_of(database, source_kind, source[1])]
    if shards:
        spec["shards"] = shards
        depends_on = [key_of(database, ObjectKind.foreign_table, shard["table"]) for shard in shards]
    return CatalogObject.make(database, ObjectKind.exposed_view, qualified_name, spec, depends_on=depends_on, managed=managed)


class ExposedView(ShardMapInPlace):
    kind = ObjectKind.exposed_view
    schema_qualified = True

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        return lock_hazards(change)

    def collection_of(self, obj: CatalogObject) -> str | None:
        return obj.spec_dict.get("collection") or None

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        for row in relation_rows(reader):
            if row["schema"] == VTOPO_SCHEMA:
                continue  # exposure views and foreign tables
            marker = read_marker(row["comment"])
            columns = columns_of(row)
            obj = new(
                reader.database,
                f"{row['schema']}.{row['name']}",
                collection_name=(marker or {}).get("collection", ""),
                source=list((marker or {}).get("source") or ["", ""]),
                columns=columns,
                fields=fields_of(columns),
                shards=(marker or {}).get("shards"),
                managed=marker is not None and row["kind"] == "v",
            )
            if "security_invoker=true" not in (row["options"] or []):
                obj = obj.with_spec(security_invoker=False)
            yield obj

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = f"view:{obj.database}:{obj.name}"
        canvas.node(node_id, canvas.NodeKind.view, obj.name, obj.database)
        canvas.own_status(node_id, obj)
        schema, relation = (list(spec.get("source") or []) + ["", ""])[:2]
        status = canvas.status(obj)[0]
        shards = spec.get("shards") or []
        for shard in shards:  # a sharded collection's view reads every shard's foreign table
            canvas.edge(canvas.foreign_table_id(shard["table"]), node_id, canvas.EdgeKind.reads, status)
        if shards:
            return
        if schema == VTOPO_SCHEMA and relation:
            canvas.edge(canvas.foreign_table_id(relation), node_id, canvas.EdgeKind.reads, status)
        elif schema == VECS_SCHEMA and relation:
            collection = canvas.collection_id(obj.database, relation)
            canvas.note_fields(collection, spec.get("fields", {}))
            canvas.edge(collection, node_id, canvas.EdgeKind.reads, status)
