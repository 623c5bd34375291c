"""The write guard on each shard of a sharded collection: triggers on `vecs.<name>` that refuse
inserts and updates outside the buckets the shard takes, and deletes in a bucket a rebalance is
copying away (ShardState.guard). It is what makes a move lose no write, and keeps an id on one
shard whoever writes (the Vecs client pointed at a shard included). Its buckets follow the
state in effect, like the primary's view: a rebalance updates them as it flips owners."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import VTOPO_SCHEMA
from vtopo.spec.names import bounded_name

from .base import Kind, Verdict
from .reader import CatalogReader, read_marker

# Bump when the guard's SQL changes, so existing guards are replaced.
GUARD_FORMAT = 1
WRITE_TRIGGER, DELETE_TRIGGER = "vtopo_guard_write", "vtopo_guard_delete"


def function_name(collection_name: str) -> str:
    return bounded_name(collection_name, "", "guard")


def new(database: str, collection_name: str, *, writable: list[int], frozen: list[int] | None,
        version: int = GUARD_FORMAT) -> CatalogObject:
    """frozen None: found incomplete (a trigger missing), so it is made again."""
    return CatalogObject.make(
        database,
        ObjectKind.shard_guard,
        collection_name,
        {"collection": collection_name, "writable": sorted(writable), "frozen": frozen if frozen is None else sorted(frozen),
         "format": version},
        attrs={"function": function_name(collection_name)},
        depends_on=[key_of(database, ObjectKind.collection, collection_name), key_of(database, ObjectKind.schema, VTOPO_SCHEMA)],
    )


class ShardGuard(Kind):
    kind = ObjectKind.shard_guard
    update_in_place = True
    named_after_collection = True
    attached = True

    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        verdict = super().compare(live, desired)
        if verdict is None:
            return None
        old, new_ = live.spec_dict, desired.spec_dict
        if old.get("frozen") is None:
            return Verdict(verdict.action, "a trigger of the guard is missing", verdict.code)
        moved = f"buckets it takes writes to: {len(old['writable'])} → {len(new_['writable'])}"
        if new_.get("frozen") or old.get("frozen"):
            moved += f"; frozen for a move: {len(old['frozen'])} → {len(new_['frozen'])}"
        return Verdict(verdict.action, moved, verdict.code)

    def template_context(self, obj: CatalogObject, old: CatalogObject | None) -> dict[str, Any]:
        return {"database": obj.database}  # named in the refusal

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        triggers: dict[str, dict[str, str | None]] = {}
        for row in reader.rows("triggers"):
            triggers.setdefault(row["table_name"], {})[row["name"]] = row["comment"]
        for table, found in triggers.items():
            marker = read_marker(found.get(WRITE_TRIGGER)) or {}
            complete = WRITE_TRIGGER in found and DELETE_TRIGGER in found and "writable" in marker
            yield new(reader.database, table, writable=marker.get("writable") or [],
                      frozen=marker.get("frozen", []) if complete else None, version=marker.get("format", 0))

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = canvas.collection_id(obj.database, spec["collection"])
        canvas.part_status(node_id, obj, f"write guard ({len(spec['writable'])} buckets)")
