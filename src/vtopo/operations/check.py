"""`vtopo check`: are searches and filters through the primary shipped to the secondaries?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vtopo.check.probe import run_checks
from vtopo.check.verdict import CheckResult
from vtopo.introspect.state import PlanContext, read_state
from vtopo.spec.loader import load_topology


@dataclass(frozen=True)
class CheckReport:
    results: list[CheckResult]

    @property
    def passed(self) -> bool:
        """No check failed (skipped ones do not count)."""
        return not any(result.passed is False for result in self.results)


def check_state(context: PlanContext, *, analyze: bool = False) -> CheckReport:
    """analyze: pin foreign-table statistics where they are not pinned (kinds/foreign_table.py)."""
    return CheckReport(run_checks(context, analyze=analyze))


def check_topology(path: str | Path, *, env: str | None = None, analyze: bool = False) -> CheckReport:
    return check_state(read_state(load_topology(path, env)), analyze=analyze)
