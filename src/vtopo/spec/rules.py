"""Rules that span sections of the topology file.

They read plain data (the parsed YAML, or a model dumped to it) so that the
loader can report them together with field errors, all at once.
"""

from __future__ import annotations

from typing import Any

from .names import bounded_name
from .secrets import reference_problems

Location = tuple[Any, ...]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def cross_reference_problems(data: Any) -> list[tuple[Location, str]]:
    """(location, message) for every rule broken across sections."""
    data = _mapping(data)
    databases = {k: _mapping(v) for k, v in _mapping(data.get("databases")).items()}
    collections = {k: _mapping(v) for k, v in _mapping(data.get("collections")).items()}
    problems: list[tuple[Location, str]] = []

    primaries = [name for name, db in databases.items() if db.get("primary") is True]
    if databases and len(primaries) != 1:
        found = ", ".join(primaries) if primaries else "none"
        problems.append((("databases",), f"exactly one database must have primary: true (found: {found})"))

    for name, db in databases.items():
        fdw = db.get("fdw")
        for loc, text in (
            (("databases", name, "dsn"), db.get("dsn")),
            (("databases", name, "fdw", "password"), _mapping(fdw).get("password")),
        ):
            if isinstance(text, str):
                problems.extend((loc, problem) for problem in reference_problems(text))
        if db.get("primary") is True and fdw is not None:
            problems.append((("databases", name, "fdw"), "the primary is not reached through postgres_fdw; remove fdw"))

    problems.extend(_search_setting_conflicts(collections))
    views: dict[str, str] = {}
    functions: dict[str, str] = {}
    for name, collection in collections.items():
        loc = ("collections", name)
        homes = _homes(collection)
        if not homes:
            continue
        known = ", ".join(databases) or "none"
        unknown = [(key_loc, database) for key_loc, database in homes if database not in databases]
        for key_loc, database in unknown:
            problems.append(((*loc, *key_loc), f"unknown database {database!r} (declared: {known})"))
        if unknown:
            continue
        for key_loc, database in homes:
            if key_loc[0] == "shards" and databases[database].get("primary") is True:
                problems.append(((*loc, *key_loc), f"{database!r} is the primary: shards are secondaries the primary reads"))
        expose = collection.get("expose")
        if not isinstance(expose, dict):
            continue
        view = expose.get("view")
        if isinstance(view, str):
            qualified = view if "." in view else f"public.{view}"
            other = views.setdefault(qualified, name)
            function = expose.get("function", True)
            if other != name:
                problems.append(((*loc, "expose", "view"), f"view {qualified} is already used by collection {other!r}"))
                function = False  # its default search function clashes too: one problem is enough
            if function is True:
                schema, _, relation = qualified.partition(".")
                function = f"{schema}.{bounded_name('match', relation)}"
            if isinstance(function, str):
                other = functions.setdefault(function, name)
                if other != name:
                    problems.append(((*loc, "expose", "function"), f"search function {function} is already used by collection {other!r}"))
        for _, database in homes:
            target = databases[database]
            if target.get("primary") is not True and not _mapping(target.get("fdw")).get("password"):
                problems.append(
                    (
                        (*loc, "expose"),
                        f"exposing a collection of secondary {database!r} needs "
                        f"databases.{database}.fdw.password (a ${{env:...}} reference)",
                    )
                )
    return problems


def _homes(collection: dict[str, Any]) -> list[tuple[Location, str]]:
    """(key location, database) of each database the collection's rows live in."""
    database, shards = collection.get("database"), collection.get("shards")
    if isinstance(database, str):
        return [(("database",), database)]
    if isinstance(shards, list):
        return [(("shards", index), shard) for index, shard in enumerate(shards) if isinstance(shard, str)]
    return []


def _search_setting_conflicts(collections: dict[str, dict[str, Any]]) -> list[tuple[Location, str]]:
    """Search settings live on the secondary's one reader role: exposed collections there must agree."""
    chosen: dict[tuple[str, str], tuple[Any, str]] = {}
    problems: list[tuple[Location, str]] = []
    for name, collection in collections.items():
        search = collection.get("search")
        if not isinstance(search, dict) or not collection.get("expose"):
            continue
        for (key, value), (_, database) in ((item, home) for item in search.items() for home in _homes(collection)):
            if value is None:
                continue
            first = chosen.setdefault((database, key), (value, name))
            if first[0] != value and first[1] != name:
                problems.append(
                    (
                        ("collections", name, "search", key),
                        f"{key}: {value!r} conflicts with {first[0]!r} of collection {first[1]!r}; exposed collections "
                        f"of database {database!r} share one reader role, so their search settings must agree",
                    )
                )
    return problems
