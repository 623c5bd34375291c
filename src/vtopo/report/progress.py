"""Apply progress on stderr: a live status line on a terminal, plain lines otherwise."""

from __future__ import annotations

import threading
import time

from rich.console import Console

from vtopo.plan.model import Phase, Statement, StatementRole, Step


class ConsoleProgress:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.lock = threading.Lock()
        # Started at the first step, not before: the confirmation prompt must stay readable.
        self.status = None
        self.started = time.monotonic()

    def __enter__(self) -> ConsoleProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.stop()

    def step_started(self, step: Step, statement: Statement) -> None:
        label = f"{step.database}: {step.part.value} {step.change.kind.value} {step.change.name}"
        with self.lock:
            self._show(label)
            if self.status is None and statement.role is StatementRole.index:
                # Long steps get their own line where no live status can be drawn.
                self.console.print(f"  {label} (building index concurrently)", markup=False, highlight=False)

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

    def database_done(self, database: str, phase: Phase, count: int) -> None:
        with self.lock:
            elapsed = time.monotonic() - self.started
            self.console.print(f"[green]✓[/] {database}: {count} step(s) applied ({elapsed:.1f}s)", highlight=False)
