"""Changes: what a plan does to one object (an action, a reason, hazards).

They sit beside the object model so the diff, the kinds' hazard rules and the
planner all speak of them without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum

from .model import CatalogObject, ObjectKind


class Action(str, Enum):
    create = "create"
    update = "update"
    replace = "replace"
    delete = "delete"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}[self.value]


class ChangeReason(StrEnum):
    """Why a change is planned, as a value beside its human text (Terraform's ActionReason)."""

    missing = "missing"  # create: the topology wants it, the database lacks it
    not_in_topology = "not_in_topology"  # delete
    differs = "differs"  # update / replace: the spec differs
    secret_changed = "secret_changed"  # update: only a password differs
    dependency_replaced = "dependency_replaced"  # replace: something it depends on is dropped or replaced
    unpinned_statistics = "unpinned_statistics"  # update: a foreign table whose statistics are not vtopo's pinned ones
    owner_unrecorded = "owner_unrecorded"  # update: a role an earlier vtopo made, marked now with its topology and database


class HazardKind(str, Enum):
    deletes_data = "deletes_data"
    rebuilds_index = "rebuilds_index"
    long_lock = "long_lock"
    touches_secret = "touches_secret"
    closes_connections = "closes_connections"


@dataclass(frozen=True)
class Hazard:
    kind: HazardKind
    message: str
    # A blocking hazard stops apply unless --allow-destroy (and never past prevent_destroy).
    blocking: bool = False
    prevented: bool = False


@dataclass
class Change:
    action: Action
    before: CatalogObject | None
    after: CatalogObject | None
    reason: str = ""
    hazards: list[Hazard] = field(default_factory=list)
    # None for changes read back from a plan document (it stores the text only)
    reason_code: ChangeReason | None = None

    @property
    def subject(self) -> CatalogObject:
        subject = self.after or self.before
        assert subject is not None
        return subject

    @property
    def kind(self) -> ObjectKind:
        return self.subject.kind

    @property
    def database(self) -> str:
        return self.subject.database

    @property
    def name(self) -> str:
        return self.subject.name
