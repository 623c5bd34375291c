"""Settings of the reader role (search knobs, cursor planning), so queries arriving
through postgres_fdw run as the topology says.

Set for the reader role's own database only (`ALTER ROLE ... IN DATABASE ... SET`): a role
setting for every database would reach other topologies on the same server. Settings an
earlier vtopo set for every database on a role it now adopts are read as scope "global"
and reset.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import READER_SETTING
from vtopo.spec.names import server_name

from .base import Kind
from .reader import CatalogReader
from .role import Owner, owner_of, role_rows

DATABASE, GLOBAL = "database", "global"


def new(database: str, role_name: str, setting: str, value: str, *, database_name: str | None = None, scope: str = DATABASE) -> CatalogObject:
    """database_name: the secondary's PostgreSQL database, where the setting applies."""
    name = f"{role_name}:{setting}" if scope == DATABASE else f"{role_name}:{setting}@{GLOBAL}"
    return CatalogObject.make(
        database,
        ObjectKind.role_setting,
        name,
        {"role": role_name, "setting": setting, "value": value, "scope": scope},
        attrs={"database_name": database_name},
        depends_on=[key_of(database, ObjectKind.role, role_name)],
    )


def _settings(items: list[str] | None) -> Iterable[tuple[str, str]]:
    for item in items or []:
        key, _, value = item.partition("=")
        if READER_SETTING.fullmatch(key):
            yield key, value


class RoleSetting(Kind):
    kind = ObjectKind.role_setting
    update_in_place = True
    adoptable = True
    attached = True

    def with_role(self, obj: CatalogObject, database: str, old_name: str, new_name: str) -> CatalogObject:
        spec = obj.spec_dict
        if obj.database != database or spec["role"] != old_name:
            return obj
        renamed = new(obj.database, new_name, spec["setting"], spec["value"], database_name=obj.attrs_dict["database_name"], scope=spec["scope"])
        return dataclasses.replace(renamed, managed=obj.managed)

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        here = reader.who["database"]
        for row in role_rows(reader):
            whose = owner_of(reader, row)
            if whose not in (Owner.ours, Owner.legacy):
                continue  # another database's reader role: its settings are not ours
            for key, value in _settings(row["settings"]):
                yield new(reader.database, row["name"], key, value, database_name=here)
            if whose is Owner.legacy:
                for key, value in _settings(row["global_settings"]):
                    yield new(reader.database, row["name"], key, value, database_name=here, scope=GLOBAL)

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        if spec.get("scope") == GLOBAL:
            return  # a leftover about to be reset
        node_id = canvas.server_id(server_name(obj.database), obj.database)
        canvas.facts(node_id, "settings", f"{spec['setting']}={spec['value']}")
        canvas.part_status(node_id, obj, f"setting {spec['setting']}")
