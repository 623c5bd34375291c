"""Roles: the FDW reader role vtopo manages on a secondary (login, password) and the
grantee roles an exposure names on the primary (only ensured to exist)."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.changes import Change, Hazard
from vtopo.catalog.model import CatalogObject, ObjectKind
from vtopo.catalog.scram import UNREADABLE
from vtopo.spec.names import server_name
from vtopo.spec.secrets import Sensitive

from .base import HazardFacts, Kind, Verdict, secret_hazards
from .reader import CatalogReader, read_marker

READER, GRANTEE = "reader", "grantee"


def new(
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
    secrets = {"password": password} if purpose == READER else None
    return CatalogObject.make(database, ObjectKind.role, name, spec, attrs={"purpose": purpose}, secrets=secrets, managed=managed)


def role_rows(reader: CatalogReader) -> list[dict[str, Any]]:
    """The roles the topology names (reader roles and grantees), with comment and settings."""
    return reader.rows("roles", {"role_names": reader.wanted(ObjectKind.role)})


def known_roles(reader: CatalogReader) -> set[str]:
    return {row["name"] for row in role_rows(reader)}


class Role(Kind):
    kind = ObjectKind.role
    update_in_place = True
    adoptable = True

    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        if desired.attrs_dict.get("purpose") == GRANTEE:
            return None  # grantee roles are only ensured to exist
        return super().compare(live, desired)

    def may_adopt(self, live: CatalogObject, desired: CatalogObject) -> bool:
        # A login role someone else created is never taken over (vtopo would reset its password).
        return desired.attrs_dict.get("purpose") == GRANTEE

    def may_delete(self, live: CatalogObject) -> bool:
        # Only reader roles vtopo created (marked) are dropped; grantee roles may be used elsewhere.
        return live.managed and live.attrs_dict.get("purpose") == READER

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        return secret_hazards(change)

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        rows = role_rows(reader)
        readable = reader.who["can_read_authid"]
        verifiers: dict[str, str | None] = {}
        if readable:
            names = sorted(row["name"] for row in rows)
            verifiers = {r["name"]: r["verifier"] for r in reader.rows("role_passwords", {"role_names": names})}
        for row in rows:
            marker = read_marker(row["comment"])
            if readable:
                verifier = verifiers.get(row["name"])
                password = Sensitive(verifier) if verifier else None
            else:
                password = UNREADABLE
            purpose = (marker or {}).get("purpose", "unmarked")
            yield new(reader.database, row["name"], login=row["login"], purpose=purpose, password=password, managed=marker is not None)

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        purpose = obj.attrs_dict.get("purpose")
        if obj.database == canvas.primary and purpose == GRANTEE:
            canvas.own_status(canvas.role_id(obj.name), obj)
        elif purpose == READER and obj.database != canvas.primary:
            node_id = canvas.server_id(server_name(obj.database), obj.database)
            canvas.part_status(node_id, obj, f"reader role {obj.name}")
