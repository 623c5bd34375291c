"""Foreign tables on the primary (`vtopo.<collection>`) over a secondary's exposure view.

Their statistics are part of the wiring: postgres_fdw ships ORDER BY / LIMIT (and a WHERE
with them) only when its estimate says that is cheaper. vtopo pins statistics that make
shipping win whatever the collection holds (templates/ddl/foreign_table/analyze.sql.j2),
right after a create; a table whose statistics are not the pinned ones (never pinned, or
ANALYZEd by hand) is planned for a re-pin, so `plan --detailed-exitcode` catches it.
"""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.changes import Action, Change, ChangeReason, Hazard
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import VTOPO_SCHEMA

from .base import HazardFacts, Kind, Verdict
from .reader import CatalogReader, options_of
from .relations import in_vtopo_schema, lock_hazards


def new(database: str, collection_name: str, *, server: str, columns: list[list[str]], options: dict[str, str]) -> CatalogObject:
    return CatalogObject.make(
        database,
        ObjectKind.foreign_table,
        collection_name,
        {"server": server, "columns": columns, "options": options},
        depends_on=[key_of(database, ObjectKind.foreign_server, server), key_of(database, ObjectKind.schema, VTOPO_SCHEMA)],
    )


# The pinned size: so large that a remote sort + LIMIT beats fetching rows for any filter the
# planner can estimate (even a selectivity of 1e-6 leaves 1,000 rows, above match_count's cap).
PINNED = {"rows": 1_000_000_000, "pages": 10_000_000}


def is_pinned(row: dict[str, Any]) -> bool:
    return row["reltuples"] == PINNED["rows"] and row["relpages"] == PINNED["pages"] and not row["has_column_stats"]


class ForeignTable(Kind):
    kind = ObjectKind.foreign_table
    named_after_collection = True
    vector_typed = True
    analyzed = True

    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        verdict = super().compare(live, desired)
        if verdict is None and live.attrs_dict.get("pinned") is False:
            # Never pinned (the step after create failed) or ANALYZEd since: shipping is left to chance.
            return Verdict(Action.update, "statistics not pinned: searches and filters might not be shipped", ChangeReason.unpinned_statistics)
        return verdict

    def template_context(self, obj: CatalogObject, old: CatalogObject | None) -> dict[str, Any]:
        return {"pinned": PINNED}

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        return lock_hazards(change)

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        for row, columns, stray in in_vtopo_schema(reader, "f"):
            if stray:
                yield new(reader.database, row["name"], server="", columns=columns, options={}).unmanaged()
            else:
                obj = new(reader.database, row["name"], server=row["server"] or "", columns=columns, options=options_of(row["foreign_options"]))
                yield obj.with_attrs(pinned=is_pinned(row))

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = canvas.foreign_table_id(obj.name)
        canvas.own_status(node_id, obj)
        status = canvas.status(obj)[0]
        if spec.get("server"):
            canvas.edge(canvas.server_id(spec["server"]), node_id, canvas.EdgeKind.serves, status)
            remote = canvas.server_targets.get(spec["server"])
            if remote:  # the exposure view it reads there (a shard's foreign table is named for its shard too)
                exposure = (spec.get("options") or {}).get("table_name") or obj.name
                canvas.edge(canvas.exposure_id(remote, exposure), node_id, canvas.EdgeKind.fdw, status)
