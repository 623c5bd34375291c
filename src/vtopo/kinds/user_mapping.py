"""The PUBLIC user mapping of a vtopo server: every local role reads as the remote reader role."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.changes import Change, Hazard
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.scram import UNREADABLE
from vtopo.spec.names import server_name
from vtopo.spec.secrets import Sensitive

from .base import HazardFacts, Kind, secret_hazards
from .foreign_server import server_rows
from .reader import CatalogReader, options_of


def new(database: str, server: str, *, user: str | None, password: Sensitive | None) -> CatalogObject:
    return CatalogObject.make(
        database,
        ObjectKind.user_mapping,
        f"{server}:public",
        {"server": server, "user": user},
        secrets={"password": password},
        depends_on=[key_of(database, ObjectKind.foreign_server, server)],
    )


class UserMapping(Kind):
    kind = ObjectKind.user_mapping
    update_in_place = True
    attached = True

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        return secret_hazards(change)

    def with_role(self, obj: CatalogObject, database: str, old_name: str, new_name: str) -> CatalogObject:
        # The primary's mapping to `database` logs in as its reader role.
        spec = obj.spec_dict
        return obj.with_spec(user=new_name) if spec["server"] == server_name(database) and spec["user"] == old_name else obj

    def template_context(self, obj: CatalogObject, old: CatalogObject | None) -> dict[str, Any]:
        return {"old_has_password": old.secrets_dict.get("password") is not None} if old is not None else {}

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        for row in server_rows(reader):
            for user_name, options, _ in row["mappings"] or []:
                if user_name != "public":
                    continue
                # NULL options: the mapping exists but this user may not read its options.
                mapping_options = options_of(options) if options is not None else None
                if mapping_options is None:
                    password: Sensitive | None = UNREADABLE
                else:
                    password = Sensitive(mapping_options["password"]) if "password" in mapping_options else None
                yield new(reader.database, row["name"], user=(mapping_options or {}).get("user"), password=password)

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = canvas.server_id(spec["server"])
        if spec.get("user"):
            canvas.facts(node_id, "user", spec["user"])
        canvas.part_status(node_id, obj, "user mapping")
