"""`--target`: limit a plan to some databases and collections (like Terraform's -target).

A target names a database key or a collection (`databases.NAME` / `collections.NAME`
when a name is both). Both catalogs are cut down to the same keys before the diff,
so every kept object gets exactly the verdict a full plan would give it.

What a target covers:
- a collection: its own objects where its rows live (table, indexes, exposure view)
  and on the primary (foreign table, exposed view), and the grants on them;
- a database: every object in it, plus the primary-side objects of its collections;
- then what those depend on (schemas, extensions, the foreign server, roles) and the
  grants, role settings and user mappings that hang only on selected objects.

A shared object the topology no longer wants (a foreign server, a reader role) is
kept out of a targeted plan while objects outside the targets still use it: dropping
it would fail, or break them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from vtopo.errors import PlanError

from vtopo.catalog.model import Catalog, CatalogObject, Key, ObjectKind
from vtopo.kinds import kind_of

K = ObjectKind


@dataclass(frozen=True)
class Targets:
    databases: frozenset[str]
    collections: frozenset[str]
    labels: tuple[str, ...]  # as given, for the plan document and warnings


def resolve_targets(names: list[str], databases: list[str], collections: set[str], *, strict: bool = True) -> Targets:
    """Check each name against the topology's databases and the known collections (topology or live).

    strict=False skips unknown names (a targeted collection dropped by the apply being verified)."""
    chosen_databases: set[str] = set()
    chosen_collections: set[str] = set()
    problems: list[str] = []
    for raw in names:
        name = raw.strip()
        section, _, bare = name.rpartition(".")
        if section not in ("", "databases", "collections"):
            section, bare = "", name  # a dotted name that is no key path: reported as unknown
        is_database = bare in databases and section in ("", "databases")
        is_collection = bare in collections and section in ("", "collections")
        if is_database and is_collection:
            problems.append(f"{raw!r} is a database and a collection: write databases.{bare} or collections.{bare}")
        elif is_database:
            chosen_databases.add(bare)
        elif is_collection:
            chosen_collections.add(bare)
        elif strict:
            known = sorted(databases) + sorted(collections)
            close = difflib.get_close_matches(bare, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"unknown target {raw!r}{hint}")
    if problems:
        raise PlanError(
            "\n".join(problems),
            hint=f"targets are database keys ({', '.join(databases)}) or collection names "
            f"({', '.join(sorted(collections)) or 'none'})",
        )
    labels = tuple(dict.fromkeys(name.strip() for name in names))
    return Targets(frozenset(chosen_databases), frozenset(chosen_collections), labels)


def collection_of(obj: CatalogObject) -> str | None:
    """The collection an object belongs to, or None for shared objects."""
    return kind_of(obj.kind).collection_of(obj)


def _needs(obj: CatalogObject) -> tuple[Key, ...]:
    return (*obj.depends_on, *kind_of(obj.kind).implicit_needs(obj))


def _attached(key: Key) -> bool:
    """Objects that exist only for others (grants, role settings, user mappings)."""
    return kind_of(key[1]).attached


def select_keys(targets: Targets, desired: Catalog, live: Catalog) -> set[Key]:
    """The keys a targeted plan may touch (the same set cuts both catalogs)."""
    everything: dict[Key, list[CatalogObject]] = {}
    for obj in [*live, *desired]:
        everything.setdefault(obj.key, []).append(obj)

    def depends_on(key: Key) -> set[Key]:
        return {dep for obj in everything.get(key, []) for dep in _needs(obj)}

    owned = set(targets.collections) | {
        obj.name for obj in [*desired, *live] if obj.kind is K.collection and obj.database in targets.databases
    }
    seeds = {
        key
        for key, objs in everything.items()
        if key[0] in targets.databases or any(collection_of(obj) in owned for obj in objs)
    }
    # Grants on a selected object belong to it (and bring their role along).
    seeds |= {key for key, objs in everything.items() if key[1] is K.grant and objs[0].depends_on[:1] and objs[0].depends_on[0] in seeds}

    selected = set(seeds)
    _add_ancestors(selected, depends_on)
    _add_attached(selected, everything, depends_on)
    _drop_shared_in_use(selected, seeds, desired, live)
    return selected


def _add_ancestors(selected: set[Key], depends_on) -> None:
    pending = list(selected)
    while pending:
        for dependency in depends_on(pending.pop()):
            if dependency not in selected:
                selected.add(dependency)
                pending.append(dependency)


def _add_attached(selected: set[Key], everything: dict[Key, list[CatalogObject]], depends_on) -> None:
    for key in everything:
        if key not in selected and _attached(key) and depends_on(key) <= selected:
            selected.add(key)


def _drop_shared_in_use(selected: set[Key], seeds: set[Key], desired: Catalog, live: Catalog) -> None:
    """Unselect shared objects a targeted plan would drop while unselected live objects need them."""
    users: dict[Key, set[Key]] = {}
    for obj in live:
        for dependency in obj.depends_on:
            users.setdefault(dependency, set()).add(obj.key)
    changed = True
    while changed:
        changed = False
        for key in sorted(selected - seeds, key=str):
            going = desired.get(key) is None
            orphaned = _attached(key) and any(
                dep not in selected for obj in (live.get(key), desired.get(key)) if obj for dep in obj.depends_on
            )
            if orphaned or (going and users.get(key, set()) - selected):
                selected.discard(key)
                changed = True


def filter_catalog(catalog: Catalog, keys: set[Key]) -> Catalog:
    return Catalog({key: obj for key, obj in catalog.objects.items() if key in keys})
