"""Plan data: changes with hazards, and the ordered SQL steps that carry them out.

A Plan is plain data (JSON-serialisable through vtopo.plan.planfile); it holds
no connection and no secret: statements are stored masked and re-rendered
with secrets only by apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from vtopo.catalog.changes import Action, Change, Hazard
from vtopo.diagnostics import Diagnostic


class Phase(str, Enum):
    """Where a step runs: drops on the primary first, then the secondaries, then the primary's creates."""

    primary_drops = "primary_drops"
    secondaries = "secondaries"
    primary = "primary"


class StatementRole(StrEnum):
    """What a statement does, which decides how apply runs it."""

    ddl = "ddl"  # inside the database's transaction (unless the step is concurrent)
    index = "index"  # a concurrent index build: its own timeouts, checked for indisvalid
    analyze = "analyze"  # statistics refresh after the transaction


@dataclass(frozen=True)
class Statement:
    sql: str  # masked: what people see and the plan file stores
    transactional: bool = True
    role: StatementRole = StatementRole.ddl
    index_name: str | None = None
    # Session settings for this statement only (an index build's memory and workers).
    settings: tuple[tuple[str, str], ...] = ()


class Part(str, Enum):
    """Which half of a change a step carries out (a replace is a drop step plus a create step)."""

    drop = "drop"
    create = "create"
    update = "update"
    online_replace = "online_replace"  # indexes: build the new one concurrently, then drop the old
    analyze = "analyze"


@dataclass
class Step:
    """One part of a change rendered for one database, in its phase."""

    database: str
    phase: Phase
    change: Change
    part: Part
    concurrently: bool = False
    statements: list[Statement] = field(default_factory=list)


@dataclass
class Plan:
    topology_name: str | None
    primary: str
    databases: list[str]
    changes: list[Change]
    steps: list[Step]
    fingerprints: dict[str, str]
    created_at: str = ""
    targets: list[str] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)  # things people should know (never secrets)
    environment: str | None = None  # the topology file's environment (--env) the plan is for
    # (database, kind, name) of tables vtopo found but leaves alone: not created by it, not in the topology
    not_managed: list[tuple[str, str, str]] = field(default_factory=list)
    # Sharded collections whose buckets move after the changes (shards/rebalance.Rebalance.as_dict)
    rebalances: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.rebalances

    def summary(self) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    def changes_in(self, database: str) -> list[Change]:
        return [c for c in self.changes if c.database == database]

    @property
    def blocking_hazards(self) -> list[tuple[Change, Hazard]]:
        return [(c, h) for c in self.changes for h in c.hazards if h.blocking]
