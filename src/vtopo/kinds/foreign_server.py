"""The primary's postgres_fdw server per secondary (`extensions 'vector'`, fetch_size, ...)."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.changes import Action, Change, Hazard, HazardKind
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of

from .base import HazardFacts, Kind
from .reader import CatalogReader, options_of, read_marker


def new(database: str, name: str, *, remote_database: str, options: dict[str, str], managed: bool = True) -> CatalogObject:
    return CatalogObject.make(
        database,
        ObjectKind.foreign_server,
        name,
        {"remote_database": remote_database, "options": options},
        depends_on=[key_of(database, ObjectKind.extension, "postgres_fdw")],
        managed=managed,
    )


def server_rows(reader: CatalogReader) -> list[dict[str, Any]]:
    """The foreign servers the topology names, with their user mappings."""
    return reader.rows("servers", {"server_names": reader.wanted(ObjectKind.foreign_server)})


def _option_changes(old: CatalogObject, new_obj: CatalogObject) -> list[dict[str, Any]]:
    """ALTER SERVER ... OPTIONS (SET / ADD / DROP ...) for the options that differ."""
    before = old.spec_dict.get("options", {})
    after = new_obj.spec_dict.get("options", {})
    changes = [{"action": "SET" if key in before else "ADD", "key": key, "value": value}
               for key, value in sorted(after.items()) if before.get(key) != value]
    changes += [{"action": "DROP", "key": key, "value": None} for key in sorted(before) if key not in after]
    return changes


class ForeignServer(Kind):
    kind = ObjectKind.foreign_server
    update_in_place = True

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        if change.action is Action.update:
            return [Hazard(HazardKind.closes_connections, "changing server options closes cached postgres_fdw connections")]
        return []

    def template_context(self, obj: CatalogObject, old: CatalogObject | None) -> dict[str, Any]:
        return {"option_changes": _option_changes(old, obj)} if old is not None else {}

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        for row in server_rows(reader):
            marker = read_marker(row["comment"])
            yield new(reader.database, row["name"], remote_database=(marker or {}).get("database", ""),
                      options=options_of(row["options"]), managed=marker is not None)

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        canvas.own_status(canvas.server_id(obj.name, spec.get("remote_database") or None), obj)
