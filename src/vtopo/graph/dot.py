"""The graph in Graphviz's DOT language: `vtopo graph --format dot | dot -Tsvg > topology.svg`."""

from __future__ import annotations

from .model import STATUS_MARKS, EdgeKind, Graph, Node, NodeKind, Status

SHAPES = {
    NodeKind.collection: "cylinder",
    NodeKind.exposure_view: "box",
    NodeKind.server: "component",
    NodeKind.foreign_table: "box",
    NodeKind.view: "box",
    NodeKind.role: "ellipse",
}
COLORS = {
    Status.same: ("#57606a", "#ffffff"),
    Status.added: ("#1a7f37", "#dafbe1"),
    Status.changed: ("#9a6700", "#fff8c5"),
    Status.removed: ("#cf222e", "#ffebe9"),
    Status.foreign: ("#cf222e", "#ffebe9"),
}
EDGE_LABELS = {EdgeKind.fdw: "postgres_fdw", EdgeKind.grants: "SELECT"}


def quote(text: str) -> str:
    """A DOT double-quoted string (ids and labels): backslashes and quotes escaped, newlines as \\n."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n") + '"'


def _label(graph: Graph, node: Node) -> str:
    mark = STATUS_MARKS[node.status].strip()
    lines = [f"{mark} {node.label}" if mark else node.label]
    if node.kind not in (NodeKind.collection, NodeKind.role):
        lines.append(node.kind.value)
    lines += list(node.details)
    word = graph.status_word(node.status)
    lines += list(node.notes) or ([word] if word else [])
    return "\n".join(lines)


def _style(status: Status) -> str:
    color, fill = COLORS[status]
    dashed = ",dashed" if status is Status.removed else ""
    width = ", penwidth=2" if status is not Status.same else ""
    return f'color="{color}", fillcolor="{fill}", style="filled{dashed}"{width}'


def render_dot(graph: Graph) -> str:
    lines = [
        "digraph vtopo {",
        f'  graph [rankdir=LR, fontname="Helvetica", labelloc=t, label={quote(graph.title)}];',
        '  node [fontname="Helvetica", fontsize=11, shape=box];',
        '  edge [fontname="Helvetica", fontsize=9, color="#57606a"];',
    ]
    for index, box in enumerate(graph.databases):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f'    label={quote(f"{box.name} ({box.role})")}; style="rounded"; color="#8c959f";')
        for node in graph.nodes_in(box.name):
            lines.append(f"    {_node(graph, node)}")
        lines.append("  }")
    for node in graph.nodes_in(None):
        lines.append(f"  {_node(graph, node)}")
    for edge in graph.edges:
        attributes = []
        label = EDGE_LABELS.get(edge.kind)
        if label:
            attributes.append(f"label={quote(label)}")
        if edge.kind is EdgeKind.fdw:
            attributes.append('style="dashed"')
        if edge.status is not Status.same:
            attributes.append(f'color="{COLORS[edge.status][0]}", penwidth=2')
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {quote(edge.source)} -> {quote(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(graph: Graph, node: Node) -> str:
    return f"{quote(node.id)} [label={quote(_label(graph, node))}, shape={SHAPES[node.kind]}, {_style(node.status)}];"
