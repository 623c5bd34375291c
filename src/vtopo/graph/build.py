"""Catalog objects (with a status each) → the graph model. Pure: no I/O, no drawing."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Mapping

from vtopo.catalog.model import CatalogObject, Key, ObjectKind
from vtopo.catalog.names import VECS_SCHEMA, VTOPO_SCHEMA, server_name

from .model import DatabaseBox, Edge, EdgeKind, Graph, Mode, Node, NodeKind, Status

K = ObjectKind
MEASURES = {"cosine_ops": "cosine", "l2_ops": "l2", "ip_ops": "inner_product", "l1_ops": "l1"}
Statuses = Mapping[Key, tuple[Status, str]]


def measure_of(opclass: str) -> str:
    """vector_cosine_ops → cosine (halfvec_l2_ops → l2)."""
    return MEASURES.get(opclass.partition("_")[2], opclass)


PARAMETER_ORDER = ("m", "ef_construction", "lists")


def index_text(spec: Mapping) -> str:
    given = spec.get("params", {})
    ordered = sorted(given, key=lambda key: (PARAMETER_ORDER.index(key) if key in PARAMETER_ORDER else 99, key))
    params = " ".join(f"{key}={given[key]}" for key in ordered)
    return f"{spec['method']} {params}".strip()


def build_graph(
    objects: Iterable[CatalogObject],
    *,
    primary: str,
    databases: list[str],
    title: str,
    mode: Mode = Mode.topology,
    statuses: Statuses | None = None,
) -> Graph:
    """The picture of `objects`; statuses (by key) mark what changes or drifted (default: all same)."""
    order = [primary] + [name for name in databases if name != primary]
    graph = Graph(title=title, mode=mode, databases=[DatabaseBox(name, name == primary) for name in order])
    builder = _Builder(graph, primary, order, statuses or {})
    for obj in sorted(objects, key=lambda o: (o.kind.rank, order.index(o.database) if o.database in order else 99, o.name)):
        builder.add(obj)
    graph.nodes = builder.ordered_nodes()
    graph.edges = builder.edges
    return graph


class _Builder:
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

    # -- one handler per kind ----------------------------------------------------------
    def add(self, obj: CatalogObject) -> None:
        handler = getattr(self, f"_add_{obj.kind.value}", None)
        if handler is not None:
            handler(obj, obj.spec_dict)

    def _add_collection(self, obj: CatalogObject, spec: dict) -> None:
        node_id = self.collection_id(obj.database, obj.name)
        self.update(node_id, details=(f"{spec['dimension']} × {spec['type']}",) + self.nodes[node_id].details)
        self.tables.add(node_id)
        self.own_status(node_id, obj)

    def _add_vector_index(self, obj: CatalogObject, spec: dict) -> None:
        node_id = self.collection_id(obj.database, spec["collection"])
        if "#" in obj.name:  # a second vector index on the same table
            self.part_status(node_id, obj, f"extra index {obj.attrs_dict.get('index_name', '')}")
            return
        node = self.nodes[node_id]
        self.update(node_id, details=node.details + (f"{measure_of(spec['opclass'])} · {index_text(spec)}",))
        self.indexed.add(node_id)
        self.part_status(node_id, obj, "vector index")

    def _add_metadata_index(self, obj: CatalogObject, spec: dict) -> None:
        node_id = self.collection_id(obj.database, spec["collection"])
        if spec["field"] != "*":
            self.fields.setdefault(node_id, {})[spec["field"]] = f"({spec['type']}, indexed)"
        self.part_status(node_id, obj, "metadata index" if spec["field"] == "*" else f"index on {spec['field']}")

    def _note_fields(self, collection_node: str, fields: dict[str, str]) -> None:
        known = self.fields.setdefault(collection_node, {})
        for name, field_type in fields.items():
            known.setdefault(name, f"({field_type})")

    def _add_exposure_view(self, obj: CatalogObject, spec: dict) -> None:
        collection = self.collection_id(obj.database, obj.name)
        node_id = self.exposure_id(obj.database, obj.name)
        self.own_status(node_id, obj)
        self._note_fields(collection, spec.get("fields", {}))
        self.edge(collection, node_id, EdgeKind.exposes, self.status(obj)[0])

    def _add_role(self, obj: CatalogObject, spec: dict) -> None:
        purpose = obj.attrs_dict.get("purpose")
        if obj.database == self.primary and purpose == "grantee":
            self.own_status(self.role_id(obj.name), obj)
        elif purpose == "reader" and obj.database != self.primary:
            node_id = self.server_id(server_name(obj.database), obj.database)
            self.part_status(node_id, obj, f"reader role {obj.name}")

    def _add_role_setting(self, obj: CatalogObject, spec: dict) -> None:
        node_id = self.server_id(server_name(obj.database), obj.database)
        self.facts(node_id, "settings", f"{spec['setting']}={spec['value']}")
        self.part_status(node_id, obj, f"setting {spec['setting']}")

    def _add_foreign_server(self, obj: CatalogObject, spec: dict) -> None:
        node_id = self.server_id(obj.name, spec.get("remote_database") or None)
        self.own_status(node_id, obj)

    def _add_user_mapping(self, obj: CatalogObject, spec: dict) -> None:
        node_id = self.server_id(spec["server"])
        if spec.get("user"):
            self.facts(node_id, "user", spec["user"])
        self.part_status(node_id, obj, "user mapping")

    def _add_foreign_table(self, obj: CatalogObject, spec: dict) -> None:
        node_id = self.foreign_table_id(obj.name)
        self.own_status(node_id, obj)
        status = self.status(obj)[0]
        if spec.get("server"):
            server = self.server_id(spec["server"])
            self.edge(server, node_id, EdgeKind.serves, status)
            remote = self.server_targets.get(spec["server"])
            if remote:
                self.edge(self.exposure_id(remote, obj.name), node_id, EdgeKind.fdw, status)

    def _add_exposed_view(self, obj: CatalogObject, spec: dict) -> None:
        node_id = f"view:{obj.database}:{obj.name}"
        self.node(node_id, NodeKind.view, obj.name, obj.database)
        self.own_status(node_id, obj)
        schema, relation = (list(spec.get("source") or []) + ["", ""])[:2]
        status = self.status(obj)[0]
        if schema == VTOPO_SCHEMA and relation:
            self.edge(self.foreign_table_id(relation), node_id, EdgeKind.reads, status)
        elif schema == VECS_SCHEMA and relation:
            collection = self.collection_id(obj.database, relation)
            self._note_fields(collection, spec.get("fields", {}))
            self.edge(collection, node_id, EdgeKind.reads, status)

    def _add_grant(self, obj: CatalogObject, spec: dict) -> None:
        if spec.get("on_kind") != K.exposed_view.value or obj.database != self.primary:
            return  # only "who may read which exposed view" is drawn
        view = f"view:{obj.database}:{spec['on_name']}"
        self.node(view, NodeKind.view, spec["on_name"], obj.database)
        self.edge(view, self.role_id(spec["role"]), EdgeKind.grants, self.status(obj)[0])


def _worse(a: Status, b: Status) -> Status:
    return a if a.rank >= b.rank else b
