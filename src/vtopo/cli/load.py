"""`vtopo load`: bulk-load (id, vector, metadata) records from JSONL, CSV or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from vtopo.load.readers import FORMATS
from vtopo.operations.load import load_collection
from vtopo.report.load import LoadBars, bar_columns, load_lines
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
    with Progress(*bar_columns(), console=stderr, transient=False, disable=not stderr.is_terminal) as progress:
        outcome = load_collection(
            topology_path(file), collection, source, format=input_format, batch_size=batch_size, env=env,
            progress=LoadBars(progress, source.name),
        )
    print_lines(stderr, load_lines(source, outcome))
