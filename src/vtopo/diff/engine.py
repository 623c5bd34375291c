"""The generic diff: desired vs live catalogs → changes, one rule per kind.

After the per-object comparison, replacements and drops cascade to the live
objects that depend on them (a dropped view takes its grants with it, so the
grants are re-created).
"""

from __future__ import annotations

from vtopo.catalog.model import Catalog, CatalogObject, Key
from vtopo.errors import PlanError
from vtopo.catalog.changes import Action, Change

from .rules import rule_for


def diff_catalogs(desired: Catalog, live: Catalog) -> list[Change]:
    """Changes that turn `live` into `desired`. Raises PlanError on objects vtopo must not touch."""
    changes: dict[Key, Change] = {}
    conflicts: list[str] = []
    for key, wanted in desired.objects.items():
        current = live.get(key)
        if current is None:
            changes[key] = Change(Action.create, None, wanted)
            continue
        rule = rule_for(wanted.kind)
        if not current.managed and not rule.may_adopt(current, wanted):
            conflicts.append(
                f"database {wanted.database!r}: {wanted.label()} exists but was not created by vtopo; "
                "rename or drop it, or change the topology"
            )
            continue
        verdict = rule.compare(current, wanted)
        if verdict is not None:
            changes[key] = Change(verdict.action, current, wanted, reason=verdict.reason)
    for key, current in live.objects.items():
        if key not in desired.objects and current.managed and rule_for(current.kind).may_delete(current):
            changes[key] = Change(Action.delete, current, None, reason="not in the topology")
    if conflicts:
        raise PlanError("\n".join(conflicts), hint="vtopo only changes objects it manages")
    _cascade(changes, desired, live)
    return sorted(changes.values(), key=lambda c: (c.database, c.kind.rank, c.name))


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
                Action.replace, dependant, wanted, reason=f"re-created: depends on {key[1].value} {key[2]}"
            )
            pending.append(dependant.key)
