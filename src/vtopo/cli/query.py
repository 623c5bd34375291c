"""`vtopo query`: top-k similarity search with the Vecs filter language."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from vtopo.query.errors import QueryError
from vtopo.query.search import SearchRequest, run_search
from vtopo.query.target import Via
from vtopo.report.query import search_document, search_notes, search_table

from .app import EnvironmentOption, TopologyFileOption, command_group, topology_path
from .output import print_lines, stderr, stdout

commands = command_group()


class QueryFormat(str, Enum):
    table = "table"
    json = "json"


@commands.command()
def query(
    collection: Annotated[str, typer.Argument(help="Collection name from the topology.", show_default=False)],
    file: TopologyFileOption = None,
    vector: Annotated[str | None, typer.Option("--vector", help="Query vector as a JSON array, or @FILE holding it.")] = None,
    like: Annotated[str | None, typer.Option("--like", help="Search with the vector of the row with this id.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-k", help="Number of results (1-1000).")] = 10,
    filter: Annotated[str | None, typer.Option("--filter", help="Vecs metadata filter as JSON, or @FILE holding it.")] = None,
    measure: Annotated[str | None, typer.Option("--measure", help="cosine | l2 | inner_product (default: the collection's).")] = None,
    via: Annotated[Via, typer.Option("--via", help="direct: the collection's database; primary: the primary's exposed view.")] = Via.direct,
    include_metadata: Annotated[bool, typer.Option("--include-metadata", help="Show each row's metadata.")] = False,
    ef_search: Annotated[int | None, typer.Option("--ef-search", help="hnsw.ef_search for this query (direct only).")] = None,
    probes: Annotated[int | None, typer.Option("--probes", help="ivfflat.probes for this query (direct only).")] = None,
    format: Annotated[QueryFormat, typer.Option("--format", help="Output format.")] = QueryFormat.table,
    env: EnvironmentOption = None,
) -> None:
    """Search a collection: nearest rows to a vector, filtered on metadata.

    Examples:
      vtopo query docs --vector '[0.1, 0.2, 0.3]' --limit 5
      vtopo query docs --like doc-42 --filter '{"year": {"$gte": 2020}}' --include-metadata
      vtopo query docs --vector @q.json --via primary --format json
    """
    if (vector is None) == (like is None):
        raise QueryError("give exactly one of --vector JSON or --like ID",
                         hint="example: vtopo query docs --vector '[0.1, 0.2, 0.3]'")
    request = SearchRequest(
        collection=collection,
        vector=_argument(vector, "--vector"),
        like=like,
        limit=limit,
        filter=_argument(filter, "--filter"),
        measure=measure,
        via=via,
        include_metadata=include_metadata,
        ef_search=ef_search,
        probes=probes,
    )
    result = run_search(topology_path(file), request, env=env)
    if format is QueryFormat.json:
        typer.echo(json.dumps(search_document(result), indent=2, ensure_ascii=False))
    else:
        stdout.print(search_table(result))
    print_lines(stderr, search_notes(result))


def _argument(value: str | None, option: str) -> str | None:
    """`@FILE` reads the value from a file (long vectors, filters kept in the repository)."""
    if value is None or not value.startswith("@"):
        return value
    path = Path(value[1:])
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise QueryError(f"{option} {value}: cannot read {path}: {error.strerror or error}") from None

