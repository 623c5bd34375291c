"""The one object model for desired and live state.

Every managed thing is a small immutable value: a kind, an identity (database
+ kind + name) and a comparable spec. Desired state (from the topology) and
live state (from the catalogs) are both sets of these, so the planner is one
generic diff plus a short rule per kind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, Mapping

from vtopo.spec.secrets import Sensitive


class ObjectKind(str, Enum):
    """Kinds in creation order: a kind may depend only on kinds listed before it."""

    extension = "extension"
    schema = "schema"
    role = "role"
    role_setting = "role_setting"
    collection = "collection"
    vector_index = "vector_index"
    metadata_index = "metadata_index"
    shard_guard = "shard_guard"
    exposure_view = "exposure_view"
    foreign_server = "foreign_server"
    user_mapping = "user_mapping"
    foreign_table = "foreign_table"
    exposed_view = "exposed_view"
    search_function = "search_function"
    grant = "grant"

    @property
    def rank(self) -> int:
        return list(ObjectKind).index(self)


Key = tuple[str, ObjectKind, str]


def canonical_json(value: Any) -> str:
    """The comparable form of a spec: JSON with sorted keys."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class CatalogObject:
    """One managed object.

    spec: what is compared (frozen, JSON-able). attrs: facts carried along but
    not compared (a live index's actual name, a table's row estimate).
    secrets: Sensitive values used when rendering SQL; compared through
    `secret_state` ("same" / "different" / "unknown"), never shown.
    depends_on: keys of objects in the same database this one needs.
    """

    database: str
    kind: ObjectKind
    name: str
    spec: str = "{}"
    attrs: str = "{}"
    secrets: tuple = ()
    depends_on: tuple[Key, ...] = ()
    managed: bool = True

    @classmethod
    def make(
        cls,
        database: str,
        kind: ObjectKind,
        name: str,
        spec: Mapping[str, Any] | None = None,
        *,
        attrs: Mapping[str, Any] | None = None,
        secrets: Mapping[str, Sensitive | None] | None = None,
        depends_on: Iterable[Key] = (),
        managed: bool = True,
    ) -> CatalogObject:
        return cls(
            database=database,
            kind=kind,
            name=name,
            spec=canonical_json(dict(spec or {})),
            attrs=canonical_json(dict(attrs or {})),
            secrets=tuple(sorted((secrets or {}).items())),
            depends_on=tuple(depends_on),
            managed=managed,
        )

    @property
    def key(self) -> Key:
        return (self.database, self.kind, self.name)

    @property
    def spec_dict(self) -> dict[str, Any]:
        return json.loads(self.spec)

    @property
    def attrs_dict(self) -> dict[str, Any]:
        return json.loads(self.attrs)

    @property
    def secrets_dict(self) -> dict[str, Sensitive | None]:
        return dict(self.secrets)

    def label(self) -> str:
        return f"{self.kind.value} {self.name}"

    def with_spec(self, **changes: Any) -> CatalogObject:
        """A copy with some spec keys changed."""
        return dataclasses.replace(self, spec=canonical_json({**self.spec_dict, **changes}))

    def with_attrs(self, **changes: Any) -> CatalogObject:
        return dataclasses.replace(self, attrs=canonical_json({**self.attrs_dict, **changes}))

    def unmanaged(self) -> CatalogObject:
        """The same object marked as not vtopo's (never dropped; a conflict if the topology wants it)."""
        return dataclasses.replace(self, managed=False)


def key_of(database: str, kind: ObjectKind, name: str) -> Key:
    return (database, kind, name)


@dataclass
class Catalog:
    """All objects of one side (desired or live), keyed by identity."""

    objects: dict[Key, CatalogObject] = field(default_factory=dict)

    def add(self, obj: CatalogObject) -> CatalogObject:
        if obj.key in self.objects:
            raise ValueError(f"duplicate catalog object {obj.key}")
        self.objects[obj.key] = obj
        return obj

    def get(self, key: Key) -> CatalogObject | None:
        return self.objects.get(key)

    def in_database(self, database: str) -> list[CatalogObject]:
        return [o for o in self.objects.values() if o.database == database]

    def __iter__(self):
        return iter(self.objects.values())

    def __len__(self) -> int:
        return len(self.objects)


def fingerprint(objects: Iterable[CatalogObject]) -> str:
    """A stable digest of objects' kinds, names and specs (never their secrets)."""
    digest = hashlib.sha256()
    for obj in sorted(objects, key=lambda o: (o.kind.rank, o.name)):
        digest.update(canonical_json([obj.kind.value, obj.name, obj.spec]).encode())
    return digest.hexdigest()
