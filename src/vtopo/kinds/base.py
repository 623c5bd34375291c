"""What every object kind declares: one class per kind, registered in vtopo.kinds.

A kind says, in one module: how its objects are made (`new`), how a difference
between live and desired is resolved (update in place, replace, refuse), which
hazards its changes carry, what its templates need beyond the object, how
`--target` finds it, how catalog rows become live objects, and how it is drawn.
The engines (diff, hazards, planner, renderer, targets, introspection, graph)
loop over the registry; none of them names a kind.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from vtopo.catalog.changes import Action, Change, ChangeReason, Hazard, HazardKind
from vtopo.catalog.model import CatalogObject, Key, ObjectKind, key_of
from vtopo.catalog.scram import SecretState, compare_password

if TYPE_CHECKING:
    from .reader import CatalogReader


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str
    code: ChangeReason = ChangeReason.differs


@dataclass(frozen=True)
class HazardFacts:
    """What hazard rules need beyond the change: exact row counts, prevent_destroy collections."""

    row_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    prevent_destroy: frozenset[str] = frozenset()
    # (database, collection) whose table the plan creates or drops and re-creates: their
    # indexes are built in the table's transaction, not concurrently
    rebuilt_tables: frozenset[tuple[str, str]] = frozenset()


def only_shards_differ(live: CatalogObject, desired: CatalogObject) -> bool:
    """The specs are the same but for the bucket state of a sharded collection (`shards`)."""
    live_spec, desired_spec = dict(live.spec_dict), dict(desired.spec_dict)
    if "shards" not in desired_spec or live_spec.pop("shards", None) == desired_spec.pop("shards"):
        return False
    return live_spec == desired_spec


class Kind(ABC):
    """Defaults shared by most kinds; a kind module overrides what is its own."""

    kind: ClassVar[ObjectKind]
    # -- diff ----------------------------------------------------------------------------
    # update: differences fixed in place (ALTER); otherwise the object is replaced.
    update_in_place: ClassVar[bool] = False
    # never dropped by vtopo even when no longer desired (shared, or maybe used by others)
    retain: ClassVar[bool] = False
    # a live object vtopo did not create may be taken over (Vecs collections, extensions...)
    adoptable: ClassVar[bool] = False
    # the spec keys to compare; None compares the whole spec
    compared_keys: ClassVar[tuple[str, ...] | None] = None
    # -- plan ----------------------------------------------------------------------------
    # an index: built CONCURRENTLY outside the transaction, replaced online, checked for indisvalid
    is_index: ClassVar[bool] = False
    # refreshed with ANALYZE after it is created (and an `update` of it is only that)
    analyzed: ClassVar[bool] = False
    # dropping or rebuilding it loses rows: the planner counts them first
    holds_rows: ClassVar[bool] = False
    # -- targets -------------------------------------------------------------------------
    # exists only for others: selected by --target when everything it hangs on is selected
    attached: ClassVar[bool] = False
    # named after the collection it belongs to (its table, exposure view, foreign table)
    named_after_collection: ClassVar[bool] = False
    # has a column (or argument) of pgvector's types, so it needs the vector extension in its database
    vector_typed: ClassVar[bool] = False
    # named schema.name: it needs that schema
    schema_qualified: ClassVar[bool] = False

    # -- diff ----------------------------------------------------------------------------
    @property
    def has_updates(self) -> bool:
        """Some differences are fixed in place (an `update` template renders them)."""
        return self.update_in_place

    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        if live.spec == desired.spec and not desired.secrets:
            return None  # canonical JSON: equal text, equal specs (most objects of a no-op plan)
        live_spec, desired_spec = live.spec_dict, desired.spec_dict
        keys = self.compared_keys if self.compared_keys is not None else tuple(sorted(set(live_spec) | set(desired_spec)))
        differing = [key for key in keys if key in desired_spec and live_spec.get(key) != desired_spec.get(key)]
        secret_changed = [name for name, state in self.secret_states(live, desired).items() if state is SecretState.different]
        if not differing and not secret_changed:
            return None
        parts = [_describe(key, live_spec.get(key), desired_spec.get(key)) for key in differing]
        parts += [f"{name} changed (sensitive)" for name in secret_changed]
        action = Action.update if self.update_in_place else Action.replace
        return Verdict(action, "; ".join(parts), ChangeReason.differs if differing else ChangeReason.secret_changed)

    def secret_states(self, live: CatalogObject, desired: CatalogObject) -> dict[str, SecretState]:
        live_secrets = live.secrets_dict
        states = {}
        for name, wanted in desired.secrets_dict.items():
            if wanted is None:
                continue  # offline plan: secret not resolved, nothing to compare
            states[name] = compare_password(wanted, live_secrets.get(name))
        return states

    def may_delete(self, live: CatalogObject) -> bool:
        return not self.retain

    def may_adopt(self, live: CatalogObject, desired: CatalogObject) -> bool:
        return self.adoptable

    def conflict(self, live: CatalogObject, desired: CatalogObject) -> str:
        """Why the plan stops on `live`, an object at a wanted name that is not vtopo's to take."""
        return f"{desired.label()} exists but was not created by vtopo; rename or drop it, or change the topology"

    def with_role(self, obj: CatalogObject, database: str, old_name: str, new_name: str) -> CatalogObject:
        """obj naming role `new_name` instead of `old_name` (the reader role of `database` keeps an older name)."""
        return obj

    # -- hazards -------------------------------------------------------------------------
    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        return []

    # -- plan ----------------------------------------------------------------------------
    def renamed(self, obj: CatalogObject, generation: int) -> CatalogObject:
        """obj under another name, for an online replacement while the old one still exists."""
        raise NotImplementedError(f"{self.kind.value} is not replaced online")

    # -- render --------------------------------------------------------------------------
    def template_context(self, obj: CatalogObject, old: CatalogObject | None) -> dict[str, Any]:
        """What templates/ddl/<kind>/ need beyond name, spec, attrs, secrets and old."""
        return {}

    # -- targets -------------------------------------------------------------------------
    def collection_of(self, obj: CatalogObject) -> str | None:
        """The collection obj belongs to, or None for shared objects."""
        return obj.name if self.named_after_collection else None

    def implicit_needs(self, obj: CatalogObject) -> tuple[Key, ...]:
        """What obj needs that its depends_on does not say (the vector type, a view's schema)."""
        needs: tuple[Key, ...] = ()
        if self.schema_qualified and "." in obj.name:
            needs += (key_of(obj.database, ObjectKind.schema, obj.name.split(".", 1)[0]),)
        if self.vector_typed:
            needs += (key_of(obj.database, ObjectKind.extension, "vector"),)
        return needs

    # -- introspection -------------------------------------------------------------------
    @abstractmethod
    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        """The live objects of this kind in one database, from the reader's catalog queries."""

    # -- graph ---------------------------------------------------------------------------
    @abstractmethod
    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        """Put obj in the picture (graph.build's canvas: nodes, parts, edges); pass if never drawn."""


class Retained(Kind):
    """Created where needed, never dropped nor changed (other users may need it): extensions, schemas."""

    retain = True
    adoptable = True
    compared_keys = ()


def secret_hazards(change: Change) -> list[Hazard]:
    """Creating or updating an object that holds a password (grantee roles hold none)."""
    if change.action in (Action.create, Action.update) and change.subject.secrets:
        return [Hazard(HazardKind.touches_secret, "sets a password from the topology's secret reference")]
    return []


def _describe(key: str, old: object, new: object) -> str:
    """`key: old → new`; for mappings only the entries that differ, for lists what was added and removed."""
    if isinstance(old, list) and isinstance(new, list):
        before, after = [_show(item) for item in old], [_show(item) for item in new]
        added = [item for item in after if item not in before]
        removed = [item for item in before if item not in after]
        if not added and not removed:
            return f"{key}: order {', '.join(before)} → {', '.join(after)}"
        return f"{key}: " + "; ".join([f"+ {item}" for item in added] + [f"- {item}" for item in removed])
    if isinstance(old, dict) and isinstance(new, dict):
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        return "; ".join(f"{key}.{k}: {_show(old.get(k, '(unset)'))} → {_show(new.get(k, '(unset)'))}" for k in keys)
    return f"{key}: {_show(old)} → {_show(new)}"


def _show(value: object) -> str:
    """A value as people write it: `id character varying`, not `['id', 'character varying']`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        if all(not isinstance(item, (list, dict)) for item in value):
            return " ".join(str(item) for item in value)
        return ", ".join(_show(item) for item in value)
    return str(value)


class ShardMapInPlace(Kind):
    """A kind a sharded collection's bucket map lives in (the primary's view, its search
    function): a change of the map alone is made in place (CREATE OR REPLACE), so readers and
    grants never see the object missing, and the flip is one statement."""

    has_updates = True

    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        verdict = super().compare(live, desired)
        if verdict is not None and only_shards_differ(live, desired):
            return Verdict(Action.update, "bucket map: " + verdict.reason, verdict.code)
        return verdict
