"""`vtopo load`: what was loaded, and its progress on stderr.

On a terminal: rich bars (reading, upserting, the index build's phase and
percent) with rows and rows/s. Otherwise (CI logs, files): one plain line
per phase as it ends, with its rows, time and rate.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from vtopo.operations.load import LoadOutcome


def bar_columns() -> tuple[ProgressColumn, ...]:
    return (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[rows]}"),
        TimeElapsedColumn(),
    )


def _rate(rows: int, began: float) -> str:
    seconds = time.monotonic() - began
    return f"{rows / seconds:,.0f} rows/s" if seconds > 0 and rows else ""


class LoadBars:
    """Bars: reading (position in the file), upserting (rows merged), the index build (its phase)."""

    def __init__(self, progress: Progress, source_name: str) -> None:
        self.progress = progress
        self.source_name = source_name
        self.tasks: dict[str, TaskID] = {}
        self.began: dict[str, float] = {}

    def _task(self, key: str, description: str, total: int | None) -> TaskID:
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(description, total=total, rows="")
            self.began[key] = time.monotonic()
        return self.tasks[key]

    def reading(self, rows: int, done: int, total: int) -> None:
        task = self._task("read", f"reading {self.source_name}", total or None)
        self.progress.update(task, completed=done, rows=f"{rows:,} rows  {_rate(rows, self.began['read'])}")

    def writing(self, rows: int, total: int) -> None:
        task = self._task("write", "upserting", total)
        self.progress.update(task, completed=rows, rows=f"{rows:,}/{total:,} rows  {_rate(rows, self.began['write'])}")

    def indexing(self, phase: str, done: int, total: int) -> None:
        task = self._task("index", "vector index", total or None)
        self.progress.update(task, completed=done, total=total or None, rows=phase)


class LoadLines:
    """One line per phase, printed when the phase ends (no live display on a pipe)."""

    def __init__(self, console: Console, source_name: str) -> None:
        self.console = console
        self.source_name = source_name
        self.phase: str | None = None
        self.began = time.monotonic()
        self.rows = 0

    def _enter(self, phase: str) -> None:
        if phase != self.phase:
            self.close()
            self.phase, self.began, self.rows = phase, time.monotonic(), 0

    def reading(self, rows: int, done: int, total: int) -> None:
        self._enter(f"reading {self.source_name}")
        self.rows = rows

    def writing(self, rows: int, total: int) -> None:
        self._enter("upserting")
        self.rows = rows

    def indexing(self, phase: str, done: int, total: int) -> None:
        self._enter(f"vector index: {phase}")

    def close(self) -> None:
        if self.phase is None:
            return
        seconds = time.monotonic() - self.began
        rows = f": {self.rows:,} rows" if self.rows else ""
        rate = f", {self.rows / seconds:,.0f} rows/s" if self.rows and seconds > 0 else ""
        self.console.print(f"{self.phase}{rows} ({seconds:.1f} s{rate})", markup=False, highlight=False)
        self.phase = None


def load_lines(source: Path, outcome: LoadOutcome) -> list[str]:
    report = outcome.report
    if report.rows == 0:
        lines = [f"{source}: no records; nothing written"]
    else:
        how = "one COPY into the empty collection" if not report.staged else "staged, then upserted"
        lines = [
            f"loaded {report.rows:,} rows into {report.collection} (database {report.database}) "
            f"in {report.seconds:.1f} s: {report.rows_per_second:,.0f} rows/s ({how})"
        ]
    if report.index_built:
        lines.append(f"built the vector index {report.index_built} after the rows ({report.index_seconds:.1f} s)")
    if outcome.statistics_refreshed:
        lines.append(f"refreshed the primary's statistics of vtopo.{report.collection}")
    return lines
