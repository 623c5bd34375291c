"""Privileges vtopo grants: USAGE on its schemas, SELECT on exposure views (to the reader
role), on exposed views and what they read (to the grantees)."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.model import CatalogObject, Key, ObjectKind, key_of
from vtopo.catalog.names import VECS_SCHEMA, VTOPO_SCHEMA

from .base import Kind
from .collection import collection_rows
from .reader import CatalogReader
from .relations import relation_key, relation_rows
from .role import known_roles
from .schema import schema_rows


def new(database: str, privilege: str, on: Key, *, target: list[str], role_name: str) -> CatalogObject:
    """target: the SQL name of the object, [schema] or [schema, relation]."""
    _, on_kind, on_name = on
    return CatalogObject.make(
        database,
        ObjectKind.grant,
        f"{privilege} on {'.'.join(target)} to {role_name}",
        {"privilege": privilege, "on_kind": on_kind.value, "on_name": on_name, "target": target, "role": role_name},
        depends_on=[on, key_of(database, ObjectKind.role, role_name)],
    )


class Grant(Kind):
    kind = ObjectKind.grant
    adoptable = True
    attached = True

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        db, roles = reader.database, known_roles(reader)
        for row in schema_rows(reader):
            for privilege, grantee in row["grants"]:
                if row["name"] == VTOPO_SCHEMA or grantee in roles:
                    yield new(db, privilege, key_of(db, ObjectKind.schema, row["name"]), target=[row["name"]], role_name=grantee)
        for row in collection_rows(reader):
            on = reader.found.get(key_of(db, ObjectKind.collection, row["name"]))
            if on is None or not on.managed:
                continue  # grants on a table vtopo leaves alone are left alone too
            for privilege, grantee in row["grants"]:
                if grantee in roles and privilege == "SELECT":
                    yield new(db, privilege, key_of(db, ObjectKind.collection, row["name"]), target=[VECS_SCHEMA, row["name"]], role_name=grantee)
        for row in relation_rows(reader):
            key = relation_key(db, row)
            on = reader.found.get(key) if key else None
            if on is None or not on.managed:
                continue  # grants on what is not vtopo's are not vtopo's either
            for privilege, grantee in row["grants"]:
                yield new(db, privilege, key, target=[row["schema"], row["name"]], role_name=grantee)

    def with_role(self, obj: CatalogObject, database: str, old_name: str, new_name: str) -> CatalogObject:
        spec = obj.spec_dict
        if obj.database != database or spec["role"] != old_name:
            return obj
        on = next(key for key in obj.depends_on if key[1] is not ObjectKind.role)
        return new(obj.database, spec["privilege"], on, target=spec["target"], role_name=new_name)

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        if spec.get("on_kind") != ObjectKind.exposed_view.value or obj.database != canvas.primary:
            return  # only "who may read which exposed view" is drawn
        view = f"view:{obj.database}:{spec['on_name']}"
        canvas.node(view, canvas.NodeKind.view, spec["on_name"], obj.database)
        canvas.edge(view, canvas.role_id(spec["role"]), canvas.EdgeKind.grants, canvas.status(obj)[0])
