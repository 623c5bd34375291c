"""SIGINT / SIGTERM during apply: stop at a clean point instead of dying mid-step.

The first signal asks every session's server to cancel the statement it runs (a
transaction then rolls back, a concurrent index build stops) and tells the executor to
start nothing new; the executor records each database's true state and raises
ApplyInterrupted. A second signal gives up waiting (KeyboardInterrupt, exit 130).
"""

from __future__ import annotations

import signal
import threading
from typing import Callable

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """While entered (in the main thread; elsewhere signals are not ours to take), SIGINT and
    SIGTERM set `received` and run `cancel` in a thread of its own (it does network I/O)."""

    def __init__(self, cancel: Callable[[], None] = lambda: None) -> None:
        self.cancel = cancel
        self.received: signal.Signals | None = None
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return self.received is not None

    @property
    def name(self) -> str:
        return self.received.name if self.received is not None else ""

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for number in SIGNALS:
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def _handle(self, number: int, frame: object) -> None:
        if self.received is not None:
            raise KeyboardInterrupt  # asked twice: stop waiting for the cancelled statements
        self.received = signal.Signals(number)
        threading.Thread(target=self.cancel, name="vtopo-cancel", daemon=True).start()


class NeverInterrupted:
    """No signal handling (applies run from library code or a non-main thread)."""

    requested = False
    name = ""
