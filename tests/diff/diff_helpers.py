"""Builders for diff tests: a small inline topology, its desired catalog and a "live" twin.

The live side is built with the same catalog constructors introspection uses;
tests then change single objects of it with `replaced`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import textwrap
from typing import Any


from vtopo import kinds
from vtopo.desired.build import build_desired
from vtopo.spec.resolve import FdwTarget
from vtopo.catalog.model import Catalog, CatalogObject, Key, ObjectKind, key_of
from vtopo.catalog.changes import Change
from harness.topology import edited_topology
from vtopo.spec import Sensitive, Topology
from vtopo.spec.names import owned_reader_role_name

K = ObjectKind
HUB, SHARD = "hub", "shard_a"
# the default reader role of shard_a (database "shard"): unique per (topology, database)
READER = owned_reader_role_name(SHARD, "shard")
SERVER = "vtopo_shard_a"
PASSWORD = "tide-pool-42"

BASE_TOPOLOGY = textwrap.dedent(
    """
    version: 1
    name: orbit
    databases:
      hub:
        primary: true
        dsn: postgresql://hub.invalid:5432/hub
      shard_a:
        dsn: postgresql://shard-a.invalid:5433/shard
        fdw:
          password: ${env:ORBIT_SHARD_A_PASSWORD}
          options: {fetch_size: 5}
    collections:
      papers:
        database: shard_a
        dimension: 3
        index: {method: hnsw, m: 8, ef_construction: 32}
        metadata:
          venue: {type: text, index: true}
          year: {type: integer}
        search: {ef_search: 60}
        expose: {view: public.papers, grant: [analyst]}
      notes:
        database: hub
        dimension: 4
        index: {method: ivfflat, lists: 10}
        expose: {view: public.notes}
    """
)


def topology(changes: dict[str, Any] | None = None) -> Topology:
    """BASE_TOPOLOGY with values set at dotted paths; None removes a key."""
    return edited_topology(BASE_TOPOLOGY, changes, "orbit.yaml")


def fdw_target(password: str | None = PASSWORD) -> FdwTarget:
    return FdwTarget(
        host="shard-a.invalid", port="5433", dbname="shard", user=READER,
        password=Sensitive(password) if password is not None else None,
    )


def desired(topo: Topology | None = None, password: str | None = PASSWORD) -> Catalog:
    return build_desired(topo or topology(), {SHARD: fdw_target(password)})


def live(topo: Topology | None = None, password: str = PASSWORD) -> Catalog:
    """What introspection reads once `topo` is applied: roles hold a SCRAM verifier, mappings the plain password."""
    catalog = Catalog()
    for obj in desired(topo, password):
        if obj.kind is K.role and obj.attrs_dict["purpose"] == "reader":
            obj = kinds.role.new(obj.database, obj.name, login=True, purpose="reader", password=Sensitive(scram_verifier(password)))
        catalog.add(obj)
    return catalog


def replaced(catalog: Catalog, *objects: CatalogObject, removed: tuple[Key, ...] = ()) -> Catalog:
    """A copy of catalog with objects put in (replacing those of the same key) and keys removed."""
    result = Catalog()
    for obj in catalog:
        if obj.key not in removed:
            result.objects[obj.key] = obj
    for obj in objects:
        result.objects[obj.key] = obj
    return result


def get(catalog: Catalog, database: str, kind: ObjectKind, name: str) -> CatalogObject:
    obj = catalog.get(key_of(database, kind, name))
    assert obj is not None, (database, kind, name)
    return obj


def by_key(changes: list[Change]) -> dict[Key, Change]:
    return {change.subject.key: change for change in changes}


def scram_verifier(password: str, salt: bytes = b"orbit-salt-16byt", iterations: int = 4096) -> str:
    """A PostgreSQL SCRAM-SHA-256 verifier (RFC 5802 / 7677), as rolpassword stores it."""
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
