"""The statements of the query API, rendered from templates/query (values as parameters)."""

from __future__ import annotations

from typing import Any

from vtopo.render.statements import render_query

from .compile import compile_filter
from .filters import Node
from .target import Target, operator_of


def search_statement(
    target: Target,
    tree: Node | None,
    *,
    query: str,
    measure: str,
    limit: int,
    include_value: bool,
    include_metadata: bool,
) -> tuple[str, dict[str, Any]]:
    node, params = compile_filter(tree, promoted=target.promoted, indexed=target.indexed)
    text = render_query(
        "query/search.sql.j2",
        schema=target.schema,
        relation=target.relation,
        vector_column=target.vector_column,
        vector_type=target.spec.type.value,
        operator=operator_of(measure),
        limit=limit,
        include_value=include_value,
        include_metadata=include_metadata,
        filter=node,
        view=target.through_view,
    )
    return text, {**params, "query": query}


def settings_statement(settings: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
    if not settings:
        return None
    names = list(settings)
    text = render_query("query/settings.sql.j2", names=names)
    return text, {f"s{index}": settings[name] for index, name in enumerate(names)}


def fetch_statement(target: Target, ids: list[str]) -> tuple[str, dict[str, Any]]:
    text = render_query(
        "query/fetch.sql.j2", schema=target.schema, relation=target.relation, vector_column=target.vector_column
    )
    return text, {"ids": ids}


def delete_statement(name: str, *, ids: list[str] | None = None, tree: Node | None = None) -> tuple[str, dict[str, Any]]:
    node, params = compile_filter(tree)
    text = render_query("query/delete.sql.j2", name=name, filter=node)
    return text, params if node is not None else {"ids": ids or []}


def collection_type_statement(name: str) -> tuple[str, dict[str, Any]]:
    return render_query("query/collection.sql.j2"), {"name": name}
