"""`vtopo inspect`: read live databases and write the topology file that describes them."""

from __future__ import annotations

from pathlib import Path

from vtopo.errors import VtopoError
from vtopo.inspect import Inspection, inspect_databases, sources_from_file, sources_from_pairs


def inspect_topology(
    *,
    dsn_pairs: list[str] | None = None,
    primary: str | None = None,
    path: Path | None = None,
    env: str | None = None,
    out: Path | None = None,
    force: bool = False,
) -> Inspection:
    """The databases of `NAME=DSN` pairs, else of the topology file at `path`; the file is
    written to `out` when given (refused before any database is read if it exists, unless force)."""
    if out is not None and out.exists() and not force:
        raise VtopoError(f"{out} exists; nothing was written", hint="pass --force to overwrite it, or choose another --out")
    sources = sources_from_pairs(dsn_pairs, primary) if dsn_pairs else sources_from_file(path, env)
    result = inspect_databases(sources)
    if out is not None:
        out.write_text(result.text, encoding="utf-8")
    return result
