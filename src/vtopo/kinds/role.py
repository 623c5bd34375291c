"""Roles: the FDW reader role vtopo manages on a secondary (login, password) and the
grantee roles an exposure names on the primary (only ensured to exist).

Roles are cluster-wide: every database of a server sees them. A reader role's mark records
the topology and the database it belongs to, and vtopo reads, changes and drops only the
reader roles of the database it is looking at. One an earlier vtopo made (marked without an
owner) is this database's when it holds USAGE on this database's `vtopo` schema: it is
adopted under its name and marked with its owner.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any, Iterable

from vtopo.catalog.changes import Action, Change, ChangeReason, Hazard
from vtopo.catalog.model import CatalogObject, ObjectKind
from vtopo.catalog.names import VTOPO_SCHEMA
from vtopo.catalog.scram import UNREADABLE
from vtopo.spec.names import server_name
from vtopo.spec.secrets import Sensitive

from .base import HazardFacts, Kind, Verdict, secret_hazards
from .reader import CatalogReader, read_marker
from .schema import schema_rows

READER, GRANTEE = "reader", "grantee"


class Owner(str, Enum):
    """Whose a reader role is, seen from one database."""

    ours = "ours"  # marked with this database
    legacy = "legacy"  # made by an earlier vtopo for this database (no owner in its mark)
    other = "other"  # another database's (another topology, or another environment)
    nobody = "nobody"  # not vtopo's at all


def new(
    database: str,
    name: str,
    *,
    login: bool | None,
    purpose: str,
    password: Sensitive | None = None,
    managed: bool = True,
    owner: dict[str, Any] | None = None,
    connection_limit: int | None = None,
) -> CatalogObject:
    """purpose "reader": the FDW login role vtopo manages (login, password); owner: its
    {"topology", "database_name"} (and "default_name" in desired state, "legacy" when live).
    purpose "grantee": a role named in expose.grant, only ensured to exist (login=None)."""
    spec: dict[str, Any] = {} if login is None else {"login": login}
    if purpose == READER:
        spec["connection_limit"] = -1 if connection_limit is None else connection_limit  # -1: unlimited
    secrets = {"password": password} if purpose == READER else None
    attrs = {"purpose": purpose, **(owner or {})}
    return CatalogObject.make(database, ObjectKind.role, name, spec, attrs=attrs, secrets=secrets, managed=managed)


def role_rows(reader: CatalogReader) -> list[dict[str, Any]]:
    """The roles the topology names (reader roles and grantees), with comment and settings."""
    return reader.rows("roles", {"role_names": reader.wanted(ObjectKind.role)})


def known_roles(reader: CatalogReader) -> set[str]:
    return {row["name"] for row in role_rows(reader)}


def owner_of(reader: CatalogReader, row: dict[str, Any]) -> Owner:
    """Whose the reader role of `row` is, from this database's point of view."""
    marker = read_marker(row["comment"])
    if marker is None:
        return Owner.nobody
    if marker.get("purpose") != READER:
        return Owner.other
    if "database" in marker:
        return Owner.ours if marker["database"] == reader.who["database"] else Owner.other
    uses_schema = any(
        schema["name"] == VTOPO_SCHEMA and [privilege, grantee] == ["USAGE", row["name"]]
        for schema in schema_rows(reader)
        for privilege, grantee in schema["grants"]
    )
    return Owner.legacy if uses_schema else Owner.other


class Role(Kind):
    kind = ObjectKind.role
    update_in_place = True
    adoptable = True

    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        if desired.attrs_dict.get("purpose") == GRANTEE:
            return None  # grantee roles are only ensured to exist
        verdict = super().compare(live, desired)
        if not live.attrs_dict.get("legacy"):
            return verdict
        marking = "marked with its topology and database"
        if verdict is None:
            return Verdict(Action.update, marking, ChangeReason.owner_unrecorded)
        return dataclasses.replace(verdict, action=Action.update, reason=f"{verdict.reason}; {marking}")

    def may_adopt(self, live: CatalogObject, desired: CatalogObject) -> bool:
        # A login role someone else created is never taken over (vtopo would reset its password).
        return desired.attrs_dict.get("purpose") == GRANTEE

    def may_delete(self, live: CatalogObject) -> bool:
        # Only this database's reader roles (marked) are dropped, and not while another database
        # of the server uses them (a role two topologies shared before roles had owners);
        # grantee roles may be used elsewhere.
        attrs = live.attrs_dict
        return live.managed and attrs.get("purpose") == READER and not attrs.get("used_elsewhere")

    def conflict(self, live: CatalogObject, desired: CatalogObject) -> str:
        key = f"databases.{desired.database}.fdw.user"
        owner = live.attrs_dict
        if owner.get("database_name"):
            topology = f"topology {owner['topology']!r}" if owner.get("topology") else "an unnamed topology"
            return (f"role {live.name} belongs to {topology}, database {owner['database_name']!r} on the same server "
                    f"(roles are shared by every database of a server); set {key} to another name")
        if owner.get("purpose") == READER:
            return (f"role {live.name} is the reader role an earlier vtopo made for another database of this server; "
                    f"set {key} to another name")
        return f"role {live.name} exists but was not created by vtopo; set {key} to another name, or drop the role"

    def with_role(self, obj: CatalogObject, database: str, old_name: str, new_name: str) -> CatalogObject:
        if obj.database != database or obj.name != old_name:
            return obj
        return dataclasses.replace(obj, name=new_name).with_attrs(default_name=False)

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        return secret_hazards(change)

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        rows = role_rows(reader)
        readable = reader.who["can_read_authid"]
        verifiers: dict[str, str | None] = {}
        if readable:
            names = sorted(row["name"] for row in rows)
            verifiers = {r["name"]: r["verifier"] for r in reader.rows("role_passwords", {"role_names": names})}
        wanted = set(reader.wanted(ObjectKind.role))
        for row in rows:
            found = read_marker(row["comment"])
            marker = found or {}
            purpose = marker.get("purpose", "unmarked")
            owner = {"topology": marker.get("topology"), "database_name": marker.get("database")}
            managed = found is not None
            if purpose == READER:
                whose = owner_of(reader, row)
                if whose is Owner.other and row["name"] not in wanted:
                    continue  # another database's reader role: not ours to see, change or drop
                managed = whose in (Owner.ours, Owner.legacy)
                owner = {"legacy": True} if whose is Owner.legacy else owner
                if row["used_elsewhere"]:
                    owner = {**owner, "used_elsewhere": True}
            if readable:
                verifier = verifiers.get(row["name"])
                password = Sensitive(verifier) if verifier else None
            else:
                password = UNREADABLE
            yield new(reader.database, row["name"], login=row["login"], purpose=purpose, password=password,
                      managed=managed, owner=owner if purpose == READER else None, connection_limit=row["connection_limit"])

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        purpose = obj.attrs_dict.get("purpose")
        if obj.database == canvas.primary and purpose == GRANTEE:
            canvas.own_status(canvas.role_id(obj.name), obj)
        elif purpose == READER and obj.database != canvas.primary:
            node_id = canvas.server_id(server_name(obj.database), obj.database)
            canvas.part_status(node_id, obj, f"reader role {obj.name}")
