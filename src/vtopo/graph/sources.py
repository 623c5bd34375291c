"""The three pictures: the topology, a plan (what changes), the live state (drift)."""

from __future__ import annotations

from vtopo.catalog.model import Catalog, CatalogObject, Key
from vtopo.diff.engine import compare_catalogs
from vtopo.kinds import kind_of
from vtopo.plan.model import Plan
from vtopo.catalog.changes import Action

from .build import build_graph
from .model import Graph, Mode, Status

ACTION_STATUS = {Action.create: Status.added, Action.update: Status.changed, Action.replace: Status.changed, Action.delete: Status.removed}


def _title(name: str | None, environment: str | None) -> str:
    label = name or "topology"
    return f"{label} ({environment})" if environment else label


def topology_graph(desired: Catalog, *, primary: str, databases: list[str], name: str | None = None, environment: str | None = None,
                   replicas: dict[str, list[str | None]] | None = None) -> Graph:
    title = _title(name, environment)
    return build_graph(desired, primary=primary, databases=databases, title=title, mode=Mode.topology, replicas=replicas)


def plan_graph(plan: Plan) -> Graph:
    """What the plan changes, with the objects around it as unchanged context."""
    objects: list[CatalogObject] = []
    statuses: dict[Key, tuple[Status, str]] = {}
    for change in plan.changes:
        obj = change.after or change.before
        objects.append(obj)
        statuses[obj.key] = (ACTION_STATUS[change.action], change.reason if change.action is not Action.create else "")
    title = f"{_title(plan.topology_name, plan.environment)}: changes"
    graph = build_graph(objects, primary=plan.primary, databases=plan.databases, title=title, mode=Mode.plan, statuses=statuses)
    graph.databases = [box for box in graph.databases if graph.nodes_in(box.name)]  # only where something changes
    return graph


def drift(desired: Catalog, live: Catalog) -> tuple[list[CatalogObject], dict[Key, tuple[Status, str]]]:
    """What the databases hold (plus what they lack), and how each object differs from the topology.

    Straight from the diff engine (cascade included), so "drifted" means exactly "plan would change it".
    """
    comparison = compare_catalogs(desired, live)
    statuses: dict[Key, tuple[Status, str]] = {key: (Status.same, "") for key in desired.objects}
    for change in comparison.changes:
        reason = change.reason if change.action in (Action.update, Action.replace) else ""
        statuses[change.subject.key] = (ACTION_STATUS[change.action], reason)
    for key in comparison.conflicts:
        statuses[key] = (Status.foreign, "")
    objects = [live.get(key) or desired.objects[key] for key in desired.objects]
    objects += [change.before for change in comparison.changes if change.action is Action.delete and change.before is not None]
    # Tables in vecs vtopo did not create and the topology does not name: left alone, shown as such.
    strays = [obj for obj in live if not obj.managed and kind_of(obj.kind).holds_rows and obj.key not in desired.objects]
    statuses.update({obj.key: (Status.foreign, "") for obj in strays})
    return objects + strays, statuses


def live_graph(
    desired: Catalog, live: Catalog, *, primary: str, databases: list[str], name: str | None = None, environment: str | None = None,
    replicas: dict[str, list[str | None]] | None = None,
) -> Graph:
    objects, statuses = drift(desired, live)
    title = f"{_title(name, environment)}: live"
    return build_graph(objects, primary=primary, databases=databases, title=title, mode=Mode.live, statuses=statuses,
                       replicas=replicas)
