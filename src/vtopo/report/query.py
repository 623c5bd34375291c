"""`vtopo query` results: a table for people, a JSON list for programs, a summary line."""

from __future__ import annotations

import json

from rich.table import Table
from rich.text import Text

from vtopo.query.search import SearchResult


def search_document(result: SearchResult) -> list[dict]:
    rows = []
    for hit in result.hits:
        row: dict = {"id": hit.id, "distance": hit.distance}
        if hit.metadata is not None:
            row["metadata"] = hit.metadata
        rows.append(row)
    return rows


def search_table(result: SearchResult) -> Table:
    with_metadata = any(hit.metadata is not None for hit in result.hits)
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("id", overflow="fold")
    table.add_column("distance", justify="right")
    if with_metadata:
        table.add_column("metadata", overflow="fold")
    for hit in result.hits:
        # Text(): values from the database are never read as rich markup.
        cells = [Text(hit.id), Text(f"{hit.distance:.6f}")]
        if with_metadata:
            cells.append(Text(json.dumps(hit.metadata, ensure_ascii=False, separators=(", ", ": "))))
        table.add_row(*cells)
    return table


def search_notes(result: SearchResult) -> list[str]:
    """Warnings and notes, then where the rows came from (stderr: the table or JSON stays clean)."""
    return [f"warning: {warning}" for warning in result.warnings] + [f"note: {note}" for note in result.notes] + [
        f"{len(result.hits)} row(s) from {result.collection} ({result.via}, database {result.database}, {result.measure})"
    ]
