"""Foreign tables on the primary (`vtopo.<collection>`) over a secondary's exposure view.

Their statistics are part of the wiring: without them postgres_fdw keeps ORDER BY /
LIMIT of a filtered search on the primary, so a create is followed by ANALYZE and a
never-analyzed table is planned for one.
"""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.changes import Action, Change, ChangeReason, Hazard
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import VTOPO_SCHEMA

from .base import HazardFacts, Kind, Verdict
from .reader import CatalogReader, options_of
from .relations import columns_of, lock_hazards, relation_rows, stray_in_vtopo_schema


def new(database: str, collection_name: str, *, server: str, columns: list[list[str]], options: dict[str, str]) -> CatalogObject:
    return CatalogObject.make(
        database,
        ObjectKind.foreign_table,
        collection_name,
        {"server": server, "columns": columns, "options": options},
        depends_on=[key_of(database, ObjectKind.foreign_server, server), key_of(database, ObjectKind.schema, VTOPO_SCHEMA)],
    )


class ForeignTable(Kind):
    kind = ObjectKind.foreign_table
    named_after_collection = True
    vector_typed = True
    analyzed = True

    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        verdict = super().compare(live, desired)
        if verdict is None and live.attrs_dict.get("analyzed") is False:
            # The ANALYZE after create may have failed: filtered searches would not be shipped.
            return Verdict(Action.update, "never analyzed: filtered searches would not be shipped", ChangeReason.never_analyzed)
        return verdict

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        return lock_hazards(change)

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        for row in relation_rows(reader):
            columns = columns_of(row)
            if row["schema"] == VTOPO_SCHEMA and row["kind"] == "f":
                obj = new(reader.database, row["name"], server=row["server"] or "", columns=columns, options=options_of(row["foreign_options"]))
                # reltuples -1: never analyzed.
                yield obj.with_attrs(analyzed=row["reltuples"] is not None and row["reltuples"] >= 0)
            elif stray_in_vtopo_schema(row):
                yield new(reader.database, row["name"], server="", columns=columns, options={}).unmanaged()

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = canvas.foreign_table_id(obj.name)
        canvas.own_status(node_id, obj)
        status = canvas.status(obj)[0]
        if spec.get("server"):
            canvas.edge(canvas.server_id(spec["server"]), node_id, canvas.EdgeKind.serves, status)
            remote = canvas.server_targets.get(spec["server"])
            if remote:
                canvas.edge(canvas.exposure_id(remote, obj.name), node_id, canvas.EdgeKind.fdw, status)
