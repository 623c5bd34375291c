"""Catalog objects (with a status each) → the graph model. Pure: no I/O, no drawing."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping

from vtopo.catalog.model import CatalogObject, Key
from vtopo.catalog.names import VECS_SCHEMA, VTOPO_SCHEMA
from vtopo.kinds import kind_of
from vtopo.spec.names import server_name

from .model import DatabaseBox, Edge, EdgeKind, Graph, Mode, Node, NodeKind, Status

Statuses = Mapping[Key, tuple[Status, str]]


def build_graph(
    objects: Iterable[CatalogObject],
    *,
    primary: str,
    databases: list[str],
    title: str,
    mode: Mode = Mode.topology,
    statuses: Statuses | None = None,
    replicas: Mapping[str, list[str | None]] | None = None,
) -> Graph:
    """The picture of `objects`; statuses (by key) mark what changes or drifted (default: all same);
    replicas: labels of each database's read replicas."""
    order = [primary] + [name for name in databases if name != primary]
    replicas = replicas or {}
    graph = Graph(title=title, mode=mode,
                  databases=[DatabaseBox(name, name == primary, tuple(replicas.get(name, ()))) for name in order])
    builder = _Builder(graph, primary, order, statuses or {})
    for obj in sorted(objects, key=lambda o: (o.kind.rank, order.index(o.database) if o.database in order else 99, o.name)):
        builder.add(obj)
    graph.nodes = builder.ordered_nodes()
    graph.edges = builder.edges
    return graph


class _Builder:
    """The canvas kinds draw on: nodes, parts of nodes, edges, all with statuses."""

    # The vocabulary kinds draw with (they never import graph: graph depends on kinds).
    NodeKind = NodeKind
    EdgeKind = EdgeKind

    def __init__(self, graph: Graph, primary: str, databases: list[str], statuses: Statuses) -> None:
        self.graph, self.primary, self.databases, self.statuses = graph, primary, databases, statuses
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.fields: dict[str, dict[str, str]] = {}  # collection node -> field -> description
        self.wiring: dict[str, dict[str, list[str]]] = {}  # server node -> remote / user / settings
        self.tables: set[str] = set()  # collection nodes with their table in view
        self.indexed: set[str] = set()  # collection nodes with their vector index in view
        # Which secondary a foreign server reaches, from its name when its spec is not at hand.
        self.server_targets = {server_name(db): db for db in databases if db != primary}

    # -- nodes -------------------------------------------------------------------------
    def status(self, obj: CatalogObject) -> tuple[Status, str]:
        return self.statuses.get(obj.key, (Status.same, ""))

    def node(self, node_id: str, kind: NodeKind, label: str, database: str | None) -> Node:
        """The node with this id, created as unchanged context if nothing set it yet."""
        if node_id not in self.nodes:
            self.nodes[node_id] = Node(node_id, kind, label, database)
        return self.nodes[node_id]

    def update(self, node_id: str, **changes) -> None:
        self.nodes[node_id] = replace(self.nodes[node_id], **changes)

    def own_status(self, node_id: str, obj: CatalogObject) -> None:
        """The node stands for obj: its status is obj's."""
        status, reason = self.status(obj)
        node = self.nodes[node_id]
        notes = node.notes + ((reason,) if reason and status is Status.changed else ())
        self.update(node_id, status=_worse(node.status, status), notes=notes)

    def part_status(self, node_id: str, obj: CatalogObject, part: str) -> None:
        """obj is part of the node (an index of a collection): a change to it changes the node."""
        status, reason = self.status(obj)
        if status is Status.same:
            return
        node = self.nodes[node_id]
        word = self.graph.status_word(status)
        note = f"{part}: {reason}" if status is Status.changed and reason else f"{part}: {word}"
        merged = node.status if node.status in (Status.added, Status.removed) else _worse(node.status, Status.changed)
        self.update(node_id, status=merged, notes=node.notes + (note,))

    def ordered_nodes(self) -> list[Node]:
        for node_id in sorted(self.tables - self.indexed):
            self.update(node_id, details=self.nodes[node_id].details + ("no vector index",))
        for node_id, fields in self.fields.items():
            if fields:
                text = ", ".join(f"{name} {desc}" for name, desc in sorted(fields.items()))
                self.update(node_id, details=self.nodes[node_id].details + (f"metadata: {text}",))
        for node_id, facts in self.wiring.items():
            reaches = " ".join(facts.get("remote", [])[:1] + [f"as {user}" for user in facts.get("user", [])[:1]])
            settings = ", ".join(sorted(facts.get("settings", [])))
            details = ((f"to {reaches}",) if reaches else ()) + ((f"settings: {settings}",) if settings else ())
            self.update(node_id, details=details)
        rank = {kind: position for position, kind in enumerate(NodeKind)}
        position = {name: index for index, name in enumerate(self.databases)}
        return sorted(
            self.nodes.values(),
            key=lambda n: (position.get(n.database, len(position)), rank[n.kind], n.label),
        )

    def edge(self, source: str, target: str, kind: EdgeKind, status: Status) -> None:
        self.edges.append(Edge(source, target, kind, status))

    # -- ids of the things objects refer to --------------------------------------------
    def collection_id(self, database: str, name: str) -> str:
        node_id = f"collection:{database}:{name}"
        self.node(node_id, NodeKind.collection, f"{VECS_SCHEMA}.{name}", database)
        return node_id

    def exposure_id(self, database: str, name: str) -> str:
        node_id = f"exposure_view:{database}:{name}"
        self.node(node_id, NodeKind.exposure_view, f"{VTOPO_SCHEMA}.{name}", database)
        return node_id

    def server_id(self, name: str, remote: str | None = None) -> str:
        node_id = f"server:{self.primary}:{name}"
        self.node(node_id, NodeKind.server, name, self.primary)
        remote = remote or self.server_targets.get(name)
        if remote:
            self.facts(node_id, "remote", remote)
        return node_id

    def facts(self, node_id: str, what: str, value: str) -> None:
        known = self.wiring.setdefault(node_id, {}).setdefault(what, [])
        if value not in known:
            known.append(value)

    def foreign_table_id(self, name: str) -> str:
        node_id = f"foreign_table:{self.primary}:{name}"
        self.node(node_id, NodeKind.foreign_table, f"{VTOPO_SCHEMA}.{name}", self.primary)
        return node_id

    def role_id(self, name: str) -> str:
        node_id = f"role::{name}"
        self.node(node_id, NodeKind.role, name, None)
        return node_id

    # -- each kind draws its own objects (vtopo.kinds) ---------------------------------
    def add(self, obj: CatalogObject) -> None:
        kind_of(obj.kind).draw(self, obj, obj.spec_dict)

    def note_fields(self, collection_node: str, fields: dict[str, str]) -> None:
        known = self.fields.setdefault(collection_node, {})
        for name, field_type in fields.items():
            known.setdefault(name, f"({field_type})")


def _worse(a: Status, b: Status) -> Status:
    return a if a.rank >= b.rank else b
