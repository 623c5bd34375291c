"""One rule per object kind: what a difference between live and desired means.

Rules are pure. Given (live, desired) they say: nothing, update in place, or
replace. Whether a live object may be dropped, or adopted when vtopo did not
create it, is part of the rule too.
"""

from __future__ import annotations

from dataclasses import dataclass

from vtopo.catalog.model import CatalogObject, ObjectKind
from vtopo.catalog.scram import SecretState, compare_password

from vtopo.catalog.changes import Action

K = ObjectKind


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str


@dataclass(frozen=True)
class Rule:
    kind: ObjectKind
    # update: differences fixed in place (ALTER); otherwise the object is replaced.
    update_in_place: bool = False
    # never dropped by vtopo even when no longer desired (shared, or maybe used by others)
    retain: bool = False
    # a live object vtopo did not create may be taken over (Vecs collections, extensions...)
    adoptable: bool = False
    # the spec keys to compare; None compares the whole spec
    compared_keys: tuple[str, ...] | None = None

    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        live_spec, desired_spec = live.spec_dict, desired.spec_dict
        keys = self.compared_keys if self.compared_keys is not None else tuple(sorted(set(live_spec) | set(desired_spec)))
        differing = [key for key in keys if key in desired_spec and live_spec.get(key) != desired_spec.get(key)]
        secret_changed = [name for name, state in self.secret_states(live, desired).items() if state is SecretState.different]
        if not differing and not secret_changed:
            return None
        parts = [_describe(key, live_spec.get(key), desired_spec.get(key)) for key in differing]
        parts += [f"{name} changed (sensitive)" for name in secret_changed]
        action = Action.update if self.update_in_place else Action.replace
        return Verdict(action, "; ".join(parts))

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


class RoleRule(Rule):
    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        if desired.attrs_dict.get("purpose") == "grantee":
            return None  # grantee roles are only ensured to exist
        return super().compare(live, desired)

    def may_adopt(self, live: CatalogObject, desired: CatalogObject) -> bool:
        # A login role someone else created is never taken over (vtopo would reset its password).
        return desired.attrs_dict.get("purpose") == "grantee"

    def may_delete(self, live: CatalogObject) -> bool:
        # Only reader roles vtopo created (marked) are dropped; grantee roles may be used elsewhere.
        return live.managed and live.attrs_dict.get("purpose") == "reader"


class ForeignTableRule(Rule):
    def compare(self, live: CatalogObject, desired: CatalogObject) -> Verdict | None:
        verdict = super().compare(live, desired)
        if verdict is None and live.attrs_dict.get("analyzed") is False:
            # Statistics are part of the wiring (the ANALYZE after create may have failed): without
            # them postgres_fdw keeps ORDER BY/LIMIT of a filtered search on the primary.
            return Verdict(Action.update, "never analyzed: filtered searches would not be shipped")
        return verdict


def _describe(key: str, old: object, new: object) -> str:
    """`key: old → new`; for mappings only the entries that differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        return "; ".join(f"{key}.{k}: {_show(old.get(k, '(unset)'))} → {_show(new.get(k, '(unset)'))}" for k in keys)
    return f"{key}: {_show(old)} → {_show(new)}"


def _show(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={v}" for k, v in sorted(value.items())) + "}"
    return str(value)


# Every rule, one per kind (a test checks it: a duplicate would silently win in RULES).
ALL_RULES: tuple[Rule, ...] = (
    Rule(K.extension, retain=True, adoptable=True, compared_keys=()),
    Rule(K.schema, retain=True, adoptable=True, compared_keys=()),
    RoleRule(K.role, update_in_place=True, adoptable=True),
    Rule(K.role_setting, update_in_place=True, adoptable=True),
    Rule(K.collection, adoptable=True),
    Rule(K.vector_index, adoptable=True),
    Rule(K.metadata_index, adoptable=True),
    Rule(K.exposure_view),
    Rule(K.foreign_server, update_in_place=True),
    Rule(K.user_mapping, update_in_place=True),
    ForeignTableRule(K.foreign_table),
    Rule(K.exposed_view),
    Rule(K.grant, adoptable=True),
)
RULES: dict[ObjectKind, Rule] = {rule.kind: rule for rule in ALL_RULES}


def rule_for(kind: ObjectKind) -> Rule:
    return RULES[kind]
