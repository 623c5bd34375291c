"""`vtopo load`: bulk-load (id, vector, metadata) records from JSONL, CSV or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from vtopo.load.index import BuildSettings
from vtopo.load.readers import FORMATS
from vtopo.operations.load import load_collection
from vtopo.report.load import LoadBars, LoadLines, bar_columns, load_lines
from vtopo.vectors.staging import DEFAULT_BATCH

from .app import EnvironmentOption, TopologyFileOption, command_group, topology_path
from .output import print_lines, stderr

commands = command_group()


@commands.command()
def load(
    collection: Annotated[str, typer.Argument(help="Collection name from the topology.", show_default=False)],
    source: Annotated[Path, typer.Argument(help="JSONL, CSV or Parquet file (.gz for JSONL/CSV).", show_default=False)],
    file: TopologyFileOption = None,
    input_format: Annotated[
        str | None, typer.Option("--format", help=f"Input format ({' | '.join(FORMATS)}); default: from the file name.")
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows per COPY batch and per committed upsert.")] = DEFAULT_BATCH,
    maintenance_work_mem: Annotated[
        str | None, typer.Option("--maintenance-work-mem", help="Memory for a vector index built after the load "
                                 "(e.g. 2GB); default: sized from the rows, at least the server's setting.")
    ] = None,
    index_workers: Annotated[
        int | None, typer.Option("--index-workers", min=0, help="Parallel maintenance workers for that build; "
                                 "default: the server's max_parallel_maintenance_workers.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress and no summary (errors still show).")] = False,
    env: EnvironmentOption = None,
) -> None:
    """Load vectors into a collection: binary COPY, in batches, as an upsert.

    Every record is checked first (dimension, finite numbers, JSON object metadata,
    id); a bad one stops the load before anything is written. Re-running a load
    upserts: no duplicates, and an interrupted load is finished by running it again.
    A first load (an empty collection, or one smaller than the file) goes in without
    the vector index, which is then built CONCURRENTLY.

    Examples:
      vtopo load docs vectors.jsonl        {"id": "a", "vector": [0.1, ...], "metadata": {"year": 2024}}
      vtopo load docs vectors.csv          header: id,vector,metadata (vector and metadata as JSON)
      vtopo load docs vectors.parquet      columns id, vector (list), metadata (JSON text or struct)
    """
    build = BuildSettings(maintenance_work_mem, index_workers)
    options = dict(format=input_format, batch_size=batch_size, env=env, build=build)
    path = topology_path(file)
    if quiet:
        load_collection(path, collection, source, **options)
        return
    if stderr.is_terminal:
        with Progress(*bar_columns(), console=stderr, transient=False) as progress:
            outcome = load_collection(path, collection, source, progress=LoadBars(progress, source.name), **options)
    else:
        lines = LoadLines(stderr, source.name)
        try:
            outcome = load_collection(path, collection, source, progress=lines, **options)
        finally:
            lines.close()
    print_lines(stderr, load_lines(source, outcome))
