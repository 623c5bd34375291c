"""Settings of the reader role (search knobs, cursor planning), so queries arriving
through postgres_fdw run as the topology says."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import READER_SETTING
from vtopo.spec.names import server_name

from .base import Kind
from .reader import CatalogReader, read_marker
from .role import READER, role_rows


def new(database: str, role_name: str, setting: str, value: str) -> CatalogObject:
    return CatalogObject.make(
        database,
        ObjectKind.role_setting,
        f"{role_name}:{setting}",
        {"role": role_name, "setting": setting, "value": value},
        depends_on=[key_of(database, ObjectKind.role, role_name)],
    )


class RoleSetting(Kind):
    kind = ObjectKind.role_setting
    update_in_place = True
    adoptable = True
    attached = True

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        for row in role_rows(reader):
            if (read_marker(row["comment"]) or {}).get("purpose") != READER:
                continue
            for setting in row["settings"] or []:
                key, _, value = setting.partition("=")
                if READER_SETTING.fullmatch(key):
                    yield new(reader.database, row["name"], key, value)

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = canvas.server_id(server_name(obj.database), obj.database)
        canvas.facts(node_id, "settings", f"{spec['setting']}={spec['value']}")
        canvas.part_status(node_id, obj, f"setting {spec['setting']}")
