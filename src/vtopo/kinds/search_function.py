"""Search functions on the primary (`expose.function`, default `<schema>.match_<view>`): what
client libraries call for similarity search (PostgREST cannot order by a distance).

`match_<name>(query_embedding, match_count, filter)` returns the nearest rows first. For a
remote collection it runs on a kept dblink connection to the secondary: one round trip to a
statement prepared there once per connection, search shape and match_count (postgres_fdw's
cursor protocol costs five round trips and an unprepared remote query); for a collection on
the primary it searches `vecs.<name>` in place. The function's marker holds its spec, so
introspection reads it back exactly; who may EXECUTE it comes from its ACL.
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable

from vtopo.catalog.changes import Change, Hazard
from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import OPERATOR

from .base import HazardFacts, ShardMapInPlace
from .reader import CatalogReader, read_marker
from .relations import lock_hazards

# Bump when the function's SQL changes, so existing functions are replaced.
FUNCTION_FORMAT = 4  # 4: statements prepared per match_count, filtered ones too
# match_count above this is refused (a search function is not an export).
MAX_MATCH_COUNT = 1000


def new(
    database: str,
    qualified_name: str,
    *,
    collection_name: str,
    view: str,
    server: str | None,
    source: list[str],
    vector_type: str,
    dimension: int,
    measure: str,
    columns: list[list[str]],
    fields: dict[str, str],
    grant: list[str],
    security_definer: bool | None = None,
    version: int = FUNCTION_FORMAT,
    managed: bool = True,
    shards: list[dict[str, Any]] | None = None,
) -> CatalogObject:
    """view: the exposed view it accompanies. server: the foreign server a remote collection is reached through (None: on the primary).
    source: [schema, relation] it reads there (vtopo.<name> remote, vecs.<name> local).
    shards (a sharded collection): [{server, buckets}]: every shard is searched at once for
    the buckets it owns, and the nearest of all their answers returned."""
    if shards:
        needs = [key_of(database, ObjectKind.foreign_server, shard["server"]) for shard in shards]
    else:
        needs = [key_of(database, ObjectKind.foreign_server, server) if server else key_of(database, ObjectKind.collection, source[1])]
    needs += [key_of(database, ObjectKind.role, role) for role in grant]
    spec: dict[str, Any] = {
        "collection": collection_name, "view": view, "server": server, "source": source, "vector_type": vector_type,
        "dimension": dimension, "measure": measure, "columns": columns, "fields": fields,
        "grant": sorted(grant), "security_definer": bool(server or shards) if security_definer is None else security_definer,
        "format": version,
    }
    if shards:
        spec["shards"] = shards
    return CatalogObject.make(database, ObjectKind.search_function, qualified_name, spec, depends_on=needs, managed=managed)


class SearchFunction(ShardMapInPlace):
    kind = ObjectKind.search_function
    schema_qualified = True
    vector_typed = True

    def hazards(self, change: Change, facts: HazardFacts) -> list[Hazard]:
        return lock_hazards(change)

    def template_context(self, obj: CatalogObject, old: CatalogObject | None) -> dict[str, Any]:
        # Its statements' names on the shared connection: short and distinct per function. A
        # sharded one's statements hold the bucket map: new names whenever the map moves, so a
        # connection never answers from a statement prepared for the old map.
        identity = obj.name + (obj.spec if obj.spec_dict.get("shards") else "")
        statements = "vtopo_" + hashlib.sha1(identity.encode()).hexdigest()[:12]
        return {"operator": OPERATOR[obj.spec_dict["measure"]], "max_count": MAX_MATCH_COUNT, "statements": statements}

    def collection_of(self, obj: CatalogObject) -> str | None:
        return obj.spec_dict.get("collection") or None

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        rows = reader.rows("functions", {"function_names": reader.wanted(ObjectKind.search_function)})
        for row in rows:
            marker = read_marker(row["comment"])
            spec = marker or {}
            yield new(
                reader.database,
                row["name"],
                collection_name=spec.get("collection", ""),
                view=spec.get("view", ""),
                server=spec.get("server"),
                source=list(spec.get("source") or ["", ""]),
                vector_type=spec.get("vector_type", ""),
                dimension=spec.get("dimension", 0),
                measure=spec.get("measure", ""),
                columns=spec.get("columns", []),
                fields=spec.get("fields", {}),
                grant=[role for role in row["executors"]],
                security_definer=row["security_definer"],
                version=spec.get("format", 0),
                managed=marker is not None and "collection" in spec,
                shards=spec.get("shards"),
            )

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        """A part of its exposed view's node: the view and the function serve the same readers."""
        view = f"view:{obj.database}:{spec.get('view', '')}"
        if view not in canvas.nodes:
            return
        canvas.update(view, details=canvas.nodes[view].details + (f"search: {obj.name}()",))
        canvas.part_status(view, obj, f"search function {obj.name}")
