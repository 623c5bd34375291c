"""The topology as a picture, independent of how it is drawn.

Databases are boxes; inside them sit the collections (with dimension, measure and
index), the exposure views, foreign servers, foreign tables and exposed views;
the roles that may read an exposed view sit outside. Every node and edge has a
status, so the same model draws the topology, a plan (what changes) or the live
state (drift).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    same = "same"
    added = "added"  # plan: created; live: in the topology, missing from the database
    changed = "changed"  # plan: updated or replaced; live: differs from the topology
    removed = "removed"  # plan: deleted; live: in the database, not in the topology
    foreign = "foreign"  # live: a look-alike vtopo did not create (the plan stops on it)

    @property
    def rank(self) -> int:
        return list(Status).index(self)


class Mode(str, Enum):
    """What the graph shows; it decides the words for each status."""

    topology = "topology"
    plan = "plan"
    live = "live"


STATUS_WORDS = {
    Mode.topology: {},
    Mode.plan: {Status.added: "create", Status.changed: "change", Status.removed: "delete"},
    Mode.live: {
        Status.added: "missing in the database",
        Status.changed: "drifted",
        Status.removed: "not in the topology",
        Status.foreign: "not created by vtopo",
    },
}
STATUS_MARKS = {Status.same: " ", Status.added: "+", Status.changed: "~", Status.removed: "-", Status.foreign: "!"}


class NodeKind(str, Enum):
    collection = "collection"
    exposure_view = "exposure view"
    server = "foreign server"
    foreign_table = "foreign table"
    view = "view"
    role = "role"


class EdgeKind(str, Enum):
    exposes = "exposes"  # a collection -> the view over it
    fdw = "postgres_fdw"  # a secondary's exposure view -> the primary's foreign table
    serves = "server"  # a foreign server -> its foreign tables
    reads = "reads"  # a foreign table or collection -> the exposed view
    grants = "SELECT"  # an exposed view -> a role that may read it


@dataclass(frozen=True)
class Node:
    id: str  # "<kind>:<database>:<name>": unique, stable across renders
    kind: NodeKind
    label: str
    database: str | None  # None: roles, which live outside the databases
    details: tuple[str, ...] = ()
    status: Status = Status.same
    notes: tuple[str, ...] = ()  # why it is changed / drifted


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: EdgeKind
    status: Status = Status.same


@dataclass(frozen=True)
class DatabaseBox:
    name: str
    primary: bool
    replicas: tuple[str | None, ...] = ()  # host:port of each read replica (None: not in the file)

    @property
    def role(self) -> str:
        if self.primary:
            return "primary"
        if not self.replicas:
            return "secondary"
        known = [label for label in self.replicas if label]
        count = len(self.replicas)
        return f"secondary + {count} replica{'s' if count > 1 else ''}" + (f" ({', '.join(known)})" if known else "")


@dataclass
class Graph:
    title: str
    mode: Mode
    databases: list[DatabaseBox]
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def nodes_in(self, database: str | None) -> list[Node]:
        return [node for node in self.nodes if node.database == database]

    def node(self, node_id: str) -> Node | None:
        return next((node for node in self.nodes if node.id == node_id), None)

    def edges_from(self, node_id: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.source == node_id]

    def edges_to(self, node_id: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.target == node_id]

    def status_word(self, status: Status) -> str:
        return STATUS_WORDS[self.mode].get(status, "")
