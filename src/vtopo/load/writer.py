"""Writing a loaded file into its collection: the staged rows upserted in committed batches.

Two phases, so bad input never leaves half a file behind:
1. stage: every record is checked and sent in batches through one binary
   COPY into a temporary table (vtopo.vectors.staging). A bad record aborts
   the COPY: nothing has reached the collection.
2. merge: `INSERT ... ON CONFLICT (id) DO UPDATE` from the staging table in
   batches, each committed. Re-running a load upserts the same rows again:
   no duplicates, and an interrupted load is finished by running it again.
"""

from __future__ import annotations

from typing import Callable

from vtopo.vectors.staging import Staging


def merge_in_batches(
    staging: Staging, collection: str, batch_size: int, on_written: Callable[[int], None] | None = None
) -> int:
    """Upsert the staged rows, one committed batch at a time (autocommit connection)."""
    written = 0
    for first in range(1, staging.rows + 1, batch_size):
        last = min(first + batch_size - 1, staging.rows)
        staging.merge(collection, first, last)
        written = last
        if on_written is not None:
            on_written(written)
    return written
