"""`vtopo load`: bulk-load (id, vector, metadata) records from JSONL, CSV or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from vtopo.check.probe import refresh_statistics
from vtopo.load.loader import load_file
from vtopo.load.readers import FORMATS
from vtopo.load.writer import DEFAULT_BATCH
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology

from .app import EnvironmentOption, TopologyFileOption, app, topology_path
from .output import stderr


class _Bar:
    """Two bars on stderr: reading (position in the file) and writing (rows upserted)."""

    def __init__(self, progress: Progress, source_name: str) -> None:
        self.progress = progress
        self.source_name = source_name
        self.read_task: TaskID | None = None
        self.write_task: TaskID | None = None

    def reading(self, rows: int, done: int, total: int) -> None:
        if self.read_task is None:
            self.read_task = self.progress.add_task(f"reading {self.source_name}", total=total or None, rows="")
        self.progress.update(self.read_task, completed=done, rows=f"{rows:,} rows")

    def writing(self, rows: int, total: int) -> None:
        if self.write_task is None:
            self.write_task = self.progress.add_task("upserting", total=total, rows="")
        self.progress.update(self.write_task, completed=rows, rows=f"{rows:,}/{total:,} rows")


@app.command()
def load(
    collection: Annotated[str, typer.Argument(help="Collection name from the topology.", show_default=False)],
    source: Annotated[Path, typer.Argument(help="JSONL, CSV or Parquet file (.gz for JSONL/CSV).", show_default=False)],
    file: TopologyFileOption = None,
    input_format: Annotated[
        str | None, typer.Option("--format", help=f"Input format ({' | '.join(FORMATS)}); default: from the file name.")
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows per COPY and per committed upsert.")] = DEFAULT_BATCH,
    env: EnvironmentOption = None,
) -> None:
    """Load vectors into a collection: binary COPY, in batches, as an upsert.

    Every record is checked first (dimension, numbers, JSON metadata); a bad one
    stops the load before anything is written. Re-running a load upserts: no
    duplicates, and an interrupted load is finished by running it again.

    Examples:
      vtopo load docs vectors.jsonl        {"id": "a", "vector": [0.1, ...], "metadata": {"year": 2024}}
      vtopo load docs vectors.csv          header: id,vector,metadata (vector and metadata as JSON)
      vtopo load docs vectors.parquet      columns id, vector (list), metadata (JSON text or struct)
    """
    resolved = resolve_topology(load_topology(topology_path(file), env=env))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[rows]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=False, disable=not stderr.is_terminal) as progress:
        report = load_file(
            resolved, collection, source, format=input_format, batch_size=batch_size, progress=_Bar(progress, source.name)
        )
    if report.rows == 0:
        stderr.print(f"{source}: no records; nothing written", markup=False)
        return
    stderr.print(
        f"loaded {report.rows:,} rows into {report.collection} (database {report.database}) "
        f"in {report.seconds:.1f} s: {report.rows_per_second:,.0f} rows/s",
        markup=False,
    )
    if refresh_statistics(resolved, collection):
        stderr.print(f"refreshed the primary's statistics of vtopo.{collection}", markup=False)
