"""Constructors for each kind of catalog object.

Desired state (catalog.desired) and live state (introspect) both build their
objects through these functions, so the two sides can only differ where the
databases really differ from the topology.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from vtopo.spec.secrets import Sensitive

from .model import CatalogObject, Key, ObjectKind, canonical_json, key_of
from .names import VTOPO_SCHEMA

K = ObjectKind
# Bump when the SQL of exposure views changes, so existing ones are replaced.
VIEW_FORMAT = 1

PG_TYPE_NAMES = {
    "text": "text",
    "integer": "integer",
    "bigint": "bigint",
    "numeric": "numeric",
    "boolean": "boolean",
    "timestamptz": "timestamp with time zone",
}


def extension(database: str, name: str, *, version: str | None = None, schema: str | None = None) -> CatalogObject:
    return CatalogObject.make(database, K.extension, name, {}, attrs={"version": version, "schema": schema})


def schema(database: str, name: str, *, managed: bool = True) -> CatalogObject:
    return CatalogObject.make(database, K.schema, name, {}, managed=managed)


def role(
    database: str,
    name: str,
    *,
    login: bool | None,
    purpose: str,
    password: Sensitive | None = None,
    managed: bool = True,
) -> CatalogObject:
    """purpose "reader": the FDW login role vtopo manages (login, password).
    purpose "grantee": a role named in expose.grant, only ensured to exist (login=None)."""
    spec = {} if login is None else {"login": login}
    secrets = {"password": password} if purpose == "reader" else None
    return CatalogObject.make(database, K.role, name, spec, attrs={"purpose": purpose}, secrets=secrets, managed=managed)


def role_setting(database: str, role_name: str, setting: str, value: str) -> CatalogObject:
    return CatalogObject.make(
        database,
        K.role_setting,
        f"{role_name}:{setting}",
        {"role": role_name, "setting": setting, "value": value},
        depends_on=[key_of(database, K.role, role_name)],
    )


def collection(database: str, name: str, *, dimension: int, vector_type: str, rows: int | None = None) -> CatalogObject:
    return CatalogObject.make(
        database,
        K.collection,
        name,
        {"dimension": dimension, "type": vector_type},
        attrs={"rows_estimate": rows},
        depends_on=[key_of(database, K.schema, "vecs")],
    )


def vector_index(
    database: str,
    collection_name: str,
    *,
    method: str,
    opclass: str,
    params: dict[str, int],
    valid: bool = True,
    index_name: str,
    key_name: str | None = None,
) -> CatalogObject:
    """key_name defaults to the collection: one vector index per collection.
    Extra live vector indexes get their own index name as key (and are dropped)."""
    return CatalogObject.make(
        database,
        K.vector_index,
        key_name or collection_name,
        {"collection": collection_name, "method": method, "opclass": opclass, "params": params, "valid": valid},
        attrs={"index_name": index_name},
        depends_on=[key_of(database, K.collection, collection_name)],
    )


def metadata_index(
    database: str, collection_name: str, field: str, *, field_type: str, index_name: str, valid: bool = True
) -> CatalogObject:
    return CatalogObject.make(
        database,
        K.metadata_index,
        f"{collection_name}.{field}",
        {"collection": collection_name, "field": field, "type": field_type, "valid": valid},
        attrs={"index_name": index_name},
        depends_on=[key_of(database, K.collection, collection_name)],
    )


def exposure_view(database: str, collection_name: str, *, columns: list[list[str]], fields: dict[str, str], version: int = VIEW_FORMAT) -> CatalogObject:
    return CatalogObject.make(
        database,
        K.exposure_view,
        collection_name,
        {"columns": columns, "fields": fields, "format": version},
        depends_on=[key_of(database, K.collection, collection_name), key_of(database, K.schema, VTOPO_SCHEMA)],
    )


def foreign_server(
    database: str, name: str, *, remote_database: str, options: dict[str, str], managed: bool = True
) -> CatalogObject:
    return CatalogObject.make(
        database,
        K.foreign_server,
        name,
        {"remote_database": remote_database, "options": options},
        depends_on=[key_of(database, K.extension, "postgres_fdw")],
        managed=managed,
    )


def user_mapping(database: str, server: str, *, user: str | None, password: Sensitive | None) -> CatalogObject:
    """The PUBLIC user mapping of a vtopo server: every local role reads as the remote reader role."""
    return CatalogObject.make(
        database,
        K.user_mapping,
        f"{server}:public",
        {"server": server, "user": user},
        secrets={"password": password},
        depends_on=[key_of(database, K.foreign_server, server)],
    )


def foreign_table(database: str, collection_name: str, *, server: str, columns: list[list[str]], options: dict[str, str]) -> CatalogObject:
    return CatalogObject.make(
        database,
        K.foreign_table,
        collection_name,
        {"server": server, "columns": columns, "options": options},
        depends_on=[key_of(database, K.foreign_server, server), key_of(database, K.schema, VTOPO_SCHEMA)],
    )


def exposed_view(
    database: str, qualified_name: str, *, collection_name: str, source: list[str], columns: list[list[str]], fields: dict[str, str], managed: bool = True
) -> CatalogObject:
    """source: [schema, relation] the view reads (a foreign table, or vecs.<name> on the primary)."""
    source_kind = K.foreign_table if source[0] == VTOPO_SCHEMA else K.collection
    return CatalogObject.make(
        database,
        K.exposed_view,
        qualified_name,
        {"collection": collection_name, "source": source, "columns": columns, "fields": fields, "security_invoker": True},
        depends_on=[key_of(database, source_kind, source[1])],
        managed=managed,
    )


def grant(database: str, privilege: str, on: Key, *, target: list[str], role_name: str) -> CatalogObject:
    """target: the SQL name of the object, [schema] or [schema, relation]."""
    _, on_kind, on_name = on
    object_sql = ".".join(target)
    return CatalogObject.make(
        database,
        K.grant,
        f"{privilege} on {object_sql} to {role_name}",
        {"privilege": privilege, "on_kind": on_kind.value, "on_name": on_name, "target": target, "role": role_name},
        depends_on=[on, key_of(database, K.role, role_name)],
    )


def view_columns(vector_type: str, dimension: int, fields: dict[str, str]) -> list[list[str]]:
    """Columns of an exposure view / foreign table / exposed view, as (name, PostgreSQL type)."""
    columns = [["id", "character varying"], ["embedding", f"{vector_type}({dimension})"], ["metadata", "jsonb"]]
    columns.extend([name, PG_TYPE_NAMES[field_type]] for name, field_type in fields.items())
    return columns


def with_spec(obj: CatalogObject, **changes: Any) -> CatalogObject:
    """A copy of obj with some spec keys changed."""
    return dataclasses.replace(obj, spec=canonical_json({**obj.spec_dict, **changes}))


def with_attrs(obj: CatalogObject, **changes: Any) -> CatalogObject:
    return dataclasses.replace(obj, attrs=canonical_json({**obj.attrs_dict, **changes}))


def unmanaged(obj: CatalogObject) -> CatalogObject:
    return dataclasses.replace(obj, managed=False)
