"""The generic diff: desired vs live catalogs → changes, by each kind's rule (vtopo.kinds).

After the per-object comparison, replacements and drops cascade to the live
objects that depend on them (a dropped view takes its grants with it, so the
grants are re-created).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vtopo.catalog.changes import Action, Change, ChangeReason
from vtopo.catalog.model import Catalog, CatalogObject, Key
from vtopo.errors import PlanError
from vtopo.kinds import kind_of

from vtopo.desired.legacy import keep_legacy_names


@dataclass
class Comparison:
    """Every change, sorted; and the keys of look-alikes vtopo must not touch (a plan stops on them)."""

    changes: list[Change] = field(default_factory=list)
    conflicts: list[Key] = field(default_factory=list)


def compare_catalogs(desired: Catalog, live: Catalog) -> Comparison:
    """What would turn `live` into `desired` (never raises: `graph --live` shows conflicts too)."""
    desired = keep_legacy_names(desired, live)
    changes: dict[Key, Change] = {}
    conflicts: list[Key] = []
    for key, wanted in desired.objects.items():
        current = live.get(key)
        if current is None:
            changes[key] = Change(Action.create, None, wanted, reason_code=ChangeReason.missing)
            continue
        kind = kind_of(wanted.kind)
        if not current.managed and not kind.may_adopt(current, wanted):
            conflicts.append(key)
            continue
        verdict = kind.compare(current, wanted)
        if verdict is not None:
            changes[key] = Change(verdict.action, current, wanted, reason=verdict.reason, reason_code=verdict.code)
    for key, current in live.objects.items():
        if key not in desired.objects and current.managed and kind_of(current.kind).may_delete(current):
            changes[key] = Change(Action.delete, current, None, reason="not in the topology", reason_code=ChangeReason.not_in_topology)
    _cascade(changes, desired, live)
    return Comparison(sorted(changes.values(), key=lambda c: (c.database, c.kind.rank, c.name)), conflicts)


def diff_catalogs(desired: Catalog, live: Catalog) -> list[Change]:
    """Changes that turn `live` into `desired`. Raises PlanError on objects vtopo must not touch."""
    desired = keep_legacy_names(desired, live)
    comparison = compare_catalogs(desired, live)
    if comparison.conflicts:
        raise PlanError(
            "\n".join(
                f"database {key[0]!r}: {kind_of(key[1]).conflict(live.objects[key], desired.objects[key])}"
                for key in comparison.conflicts
            ),
            hint="vtopo only changes objects it manages",
        )
    return comparison.changes


def _cascade(changes: dict[Key, Change], desired: Catalog, live: Catalog) -> None:
    """Objects that depend on something dropped or replaced are replaced too."""
    dependants: dict[Key, list[CatalogObject]] = {}
    for obj in live:
        for dependency in obj.depends_on:
            dependants.setdefault(dependency, []).append(obj)
    pending = [key for key, change in changes.items() if change.action in (Action.replace, Action.delete)]
    while pending:
        key = pending.pop()
        for dependant in dependants.get(key, []):
            if dependant.key in changes and changes[dependant.key].action in (Action.replace, Action.delete):
                continue
            wanted = desired.get(dependant.key)
            if wanted is None:
                continue  # not desired: already planned for deletion, or retained
            changes[dependant.key] = Change(
                Action.replace, dependant, wanted, reason=f"re-created: depends on {key[1].value} {key[2]}",
                reason_code=ChangeReason.dependency_replaced,
            )
            pending.append(dependant.key)
