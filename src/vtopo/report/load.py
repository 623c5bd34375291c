"""`vtopo load`: what was loaded, and the reading / writing bars on stderr."""

from __future__ import annotations

from pathlib import Path

from rich.progress import BarColumn, Progress, ProgressColumn, TaskID, TextColumn, TimeElapsedColumn

from vtopo.operations.load import LoadOutcome

def bar_columns() -> tuple[ProgressColumn, ...]:
    return (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[rows]}"),
        TimeElapsedColumn(),
    )


class LoadBars:
    """Two bars: reading (position in the file) and writing (rows upserted)."""

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


def load_lines(source: Path, outcome: LoadOutcome) -> list[str]:
    report = outcome.report
    if report.rows == 0:
        return [f"{source}: no records; nothing written"]
    lines = [
        f"loaded {report.rows:,} rows into {report.collection} (database {report.database}) "
        f"in {report.seconds:.1f} s: {report.rows_per_second:,.0f} rows/s"
    ]
    if outcome.statistics_refreshed:
        lines.append(f"refreshed the primary's statistics of vtopo.{report.collection}")
    return lines
