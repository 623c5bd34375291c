"""The graph as a Mermaid flowchart (renders inline in GitHub and GitLab Markdown)."""

from __future__ import annotations

import re

from .model import STATUS_MARKS, EdgeKind, Graph, Node, NodeKind, Status

# Shapes: collections are cylinders, servers hexagons, roles stadiums, views boxes.
SHAPES = {
    NodeKind.collection: ('[("', '")]'),
    NodeKind.server: ('{{"', '"}}'),
    NodeKind.role: ('(["', '"])'),
}
BOX = ('["', '"]')
CLASSES = {
    Status.added: "fill:#dafbe1,stroke:#1a7f37,color:#0f5323",
    Status.changed: "fill:#fff8c5,stroke:#9a6700,color:#4d2d00",
    Status.removed: "fill:#ffebe9,stroke:#cf222e,color:#82071e,stroke-dasharray:5 5",
    Status.foreign: "fill:#ffebe9,stroke:#cf222e,color:#82071e,stroke-width:3px",
}
EDGE_COLORS = {Status.added: "#1a7f37", Status.changed: "#9a6700", Status.removed: "#cf222e", Status.foreign: "#cf222e"}
EDGE_LABELS = {EdgeKind.fdw: "postgres_fdw", EdgeKind.grants: "SELECT"}


def escape(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what would end or confuse it."""
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


class _Ids:
    """Mermaid ids: letters, digits and underscores, unique, never a keyword like `end`."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        if key not in self.ids:
            base = "n_" + re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")
            candidate, suffix = base, 1
            while candidate in self.ids.values():
                suffix += 1
                candidate = f"{base}_{suffix}"
            self.ids[key] = candidate
        return self.ids[key]


def _label(graph: Graph, node: Node) -> str:
    mark = STATUS_MARKS[node.status].strip()
    title = f"{mark} {node.label}" if mark else node.label
    kind = "" if node.kind in (NodeKind.collection, NodeKind.role, NodeKind.server) else node.kind.value
    lines = [f"<b>{escape(title)}</b>"] + ([escape(kind)] if kind else [])
    if node.kind is NodeKind.server:
        lines.append("foreign server")
    lines += [escape(detail) for detail in node.details]
    word = graph.status_word(node.status)
    lines += [f"<i>{escape(note)}</i>" for note in node.notes] or ([f"<i>{escape(word)}</i>"] if word else [])
    return "<br/>".join(lines)


def render_mermaid(graph: Graph) -> str:
    ids = _Ids()
    lines = ["flowchart LR"]
    if graph.title:
        lines.append(f"  %% vtopo graph: {graph.title.replace(chr(10), ' ')}")
    for box in graph.databases:
        lines.append(f'  subgraph {ids("db:" + box.name)}["{escape(box.name)} · {escape(box.role)}"]')
        lines.append("    direction TB")
        for node in graph.nodes_in(box.name):
            lines.append(f"    {_node(graph, node, ids)}")
        lines.append("  end")
    for node in graph.nodes_in(None):
        lines.append(f"  {_node(graph, node, ids)}")
    styles: list[str] = []
    for position, edge in enumerate(graph.edges):
        label = EDGE_LABELS.get(edge.kind)
        arrow = "-.->" if edge.kind is EdgeKind.fdw else "-->"
        text = f"|{escape(label)}|" if label else ""
        lines.append(f"  {ids(edge.source)} {arrow}{text} {ids(edge.target)}")
        if edge.status in EDGE_COLORS:
            styles.append(f"  linkStyle {position} stroke:{EDGE_COLORS[edge.status]},stroke-width:2px")
    lines += styles
    used = {node.status for node in graph.nodes} - {Status.same}
    for status in sorted(used, key=lambda s: s.rank):
        lines.append(f"  classDef {status.value} {CLASSES[status]}")
        members = ",".join(ids(node.id) for node in graph.nodes if node.status is status)
        lines.append(f"  class {members} {status.value}")
    return "\n".join(lines) + "\n"


def _node(graph: Graph, node: Node, ids: _Ids) -> str:
    opening, closing = SHAPES.get(node.kind, BOX)
    return f"{ids(node.id)}{opening}{_label(graph, node)}{closing}"
