"""Apply progress on stderr: a live status line on a terminal, plain lines otherwise."""

from __future__ import annotations

import threading
import time

from rich.console import Console

from vtopo.apply.build_progress import BuildReport
from vtopo.plan.model import Phase, Statement, StatementRole, Step

BAR_WIDTH = 20


class ConsoleProgress:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.lock = threading.Lock()
        # Started at the first step, not before: the confirmation prompt must stay readable.
        self.status = None
        self.started = time.monotonic()
        self.phases: dict[str, str] = {}  # step label -> the build phase last printed (logs: one line per phase)

    def __enter__(self) -> ConsoleProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None

    def step_started(self, step: Step, statement: Statement) -> None:
        label = _label(step)
        with self.lock:
            self._show(label)
            if self.status is None and statement.role is StatementRole.index:
                # Long steps get their own line where no live status can be drawn.
                self.console.print(f"  {label} (building index concurrently)", markup=False, highlight=False)

    def index_progress(self, step: Step, report: BuildReport) -> None:
        """A concurrent build's phase and percent: the live line on a terminal, else one line per phase."""
        label = _label(step)
        with self.lock:
            if self.status is not None:
                self.status.update(f"{label}: {build_text(report, bar=True)}")
            elif self.phases.get(label) != report.phase:
                self.phases[label] = report.phase
                self.console.print(f"  {label}: {build_text(report)}", markup=False, highlight=False)

    def stage(self, label: str) -> None:
        """A stage after the steps (the closing check): the live status line only."""
        with self.lock:
            self._show(label)

    def _show(self, label: str) -> None:
        if self.status is None and self.console.is_terminal:
            self.status = self.console.status(label)
            self.status.start()
        if self.status is not None:
            self.status.update(label)

    def moved(self, collection: str, source: str, target: str, buckets: list[int], rows: int) -> None:
        """A rebalance batch done (copied, flipped, deleted): one line each."""
        with self.lock:
            self.console.print(f"[green]✓[/] {collection}: {len(buckets)} bucket(s) moved {source} → {target} ({rows} rows)",
                               highlight=False)

    def database_done(self, database: str, phase: Phase, count: int) -> None:
        with self.lock:
            elapsed = time.monotonic() - self.started
            self.console.print(f"[green]✓[/] {database}: {count} step(s) applied ({elapsed:.1f}s)", highlight=False)


def _label(step: Step) -> str:
    return f"{step.database}: {step.part.value} {step.change.kind.value} {step.change.name}"


def build_text(report: BuildReport, *, bar: bool = False) -> str:
    """`building index: loading tuples 42% ████████░░░░` (the bar on a terminal only)."""
    percent = report.percent
    if percent is None:
        return report.phase
    text = f"{report.phase} {percent:.0f}%"
    if bar:
        filled = round(BAR_WIDTH * percent / 100)
        text += " " + "█" * filled + "░" * (BAR_WIDTH - filled)
    return text
