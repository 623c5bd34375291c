"""The vector index of a collection (hnsw / ivfflat), named the way Vecs names it."""

from __future__ import annotations

from typing import Any, Iterable

from vtopo.catalog.model import CatalogObject, ObjectKind, key_of
from vtopo.catalog.names import measure_of, vector_index_name

from .indexes import VECTOR_METHODS, IndexKind, as_its_table, index_rows, preference
from .reader import CatalogReader

PARAMETER_ORDER = ("m", "ef_construction", "lists")


def new(
    database: str,
    collection_name: str,
    *,
    method: str,
    opclass: str,
    params: dict[str, int],
    valid: bool = True,
    index_name: str,
    key_name: str | None = None,
    build: dict[str, str] | None = None,
) -> CatalogObject:
    """key_name defaults to the collection: one vector index per collection.
    Extra live vector indexes get their own index name as key (and are dropped).
    build: session settings of its builds (not compared: changing them rebuilds nothing)."""
    return CatalogObject.make(
        database,
        ObjectKind.vector_index,
        key_name or collection_name,
        {"collection": collection_name, "method": method, "opclass": opclass, "params": params, "valid": valid},
        attrs={"index_name": index_name, **({"build": build} if build else {})},
        depends_on=[key_of(database, ObjectKind.collection, collection_name)],
    )


def _params(method: str, options: list[str] | None) -> dict[str, int]:
    params = dict(VECTOR_METHODS[method])
    for item in options or []:
        key, _, value = item.partition("=")
        if key in params and value.isdigit():
            params[key] = int(value)
    return params


def index_text(spec: dict[str, Any]) -> str:
    """`hnsw m=16 ef_construction=64`."""
    given = spec.get("params", {})
    ordered = sorted(given, key=lambda key: (PARAMETER_ORDER.index(key) if key in PARAMETER_ORDER else 99, key))
    params = " ".join(f"{key}={given[key]}" for key in ordered)
    return f"{spec['method']} {params}".strip()


class VectorIndex(IndexKind):
    kind = ObjectKind.vector_index

    def index_name(self, spec: dict[str, Any], generation: int) -> str:
        return vector_index_name(spec["collection"], spec["opclass"], spec["method"], spec["params"], generation)

    def introspect(self, reader: CatalogReader) -> Iterable[CatalogObject]:
        by_table: dict[str, list[dict[str, Any]]] = {}
        for row in index_rows(reader):
            if row["method"] in VECTOR_METHODS and (row["columns"] or []) == ["vec"]:
                by_table.setdefault(row["table_name"], []).append(row)
        for table, candidates in by_table.items():
            for position, row in enumerate(sorted(candidates, key=preference)):
                obj = new(
                    reader.database,
                    table,
                    method=row["method"],
                    opclass=(row["opclasses"] or [""])[0],
                    params=_params(row["method"], row["options"]),
                    valid=row["valid"],
                    index_name=row["name"],
                    key_name=None if position == 0 else f"{table}#{row['name']}",
                )
                # Extra vector indexes are vtopo's to drop only if they look like Vecs/vtopo ones.
                if position and not row["name"].lower().startswith("ix_"):
                    obj = obj.unmanaged()
                yield as_its_table(reader, obj)

    def draw(self, canvas: Any, obj: CatalogObject, spec: dict[str, Any]) -> None:
        node_id = canvas.collection_id(obj.database, spec["collection"])
        if "#" in obj.name:  # a second vector index on the same table
            canvas.part_status(node_id, obj, f"extra index {obj.attrs_dict.get('index_name', '')}")
            return
        opclass = spec["opclass"]
        measure = measure_of(opclass) or opclass.partition("_")[2].removesuffix("_ops")
        canvas.update(node_id, details=canvas.nodes[node_id].details + (f"{measure} · {index_text(spec)}",))
        canvas.indexed.add(node_id)
        canvas.part_status(node_id, obj, "vector index")
