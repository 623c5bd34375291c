"""The graph as boxes in the terminal, one per database, wiring drawn as trees.

    ┌─ docs_pod · secondary ──────────────────────────────┐
    │   vecs.docs  384 × vector · cosine · hnsw m=16 ...   │
    │   └─▶ vtopo.docs  exposure view  ──postgres_fdw──▶ app │
    └──────────────────────────────────────────────────────┘

A status mark leads each line: + created / missing, ~ changed / drifted,
- deleted / not in the topology, ! not created by vtopo.
"""

from __future__ import annotations

from .model import STATUS_MARKS, EdgeKind, Graph, Mode, Node, NodeKind, Status


def _describe(node: Node) -> tuple[str, list[str]]:
    """The node's line, and its details: on that line when short, else on lines below."""
    kind = "" if node.kind in (NodeKind.collection, NodeKind.role) else f"  ({node.kind.value})"
    joined = " · ".join(node.details)
    if len(joined) <= 60:
        return f"{node.label}{kind}{'  ' + joined if joined else ''}", []
    return f"{node.label}{kind}  {node.details[0]}", list(node.details[1:])


def _readers(graph: Graph, node: Node) -> str:
    roles = [graph.node(edge.target) for edge in graph.edges_from(node.id) if edge.kind is EdgeKind.grants]
    if not roles:
        return ""
    names = [f"{STATUS_MARKS[r.status].strip()}{r.label}" for r in roles if r is not None]
    return "  read by: " + ", ".join(names)


def _lines_for(graph: Graph, node: Node, prefix: str, connector: str, seen: set[str]) -> list[tuple[Status, str]]:
    seen.add(node.id)
    first, more = _describe(node)
    lines = [(node.status, f"{prefix}{connector}{first}{_readers(graph, node)}")]
    child_prefix = prefix + ("    " if connector else "")
    lines += [(node.status, f"{child_prefix}  {detail}") for detail in more]
    for note in node.notes:
        lines.append((node.status, f"{child_prefix}  {note}"))
    if not node.notes and node.status is not Status.same:
        lines.append((node.status, f"{child_prefix}  {graph.status_word(node.status)}"))
    children = [
        graph.node(edge.target)
        for edge in graph.edges_from(node.id)
        if edge.kind is not EdgeKind.grants
    ]
    here = [child for child in children if child is not None and child.database == node.database and child.id not in seen]
    away = [child for child in children if child is not None and child.database != node.database]
    for child in away:
        lines.append((Status.same, f"{child_prefix}└─▶ {child.database}: {child.label} ({child.kind.value}) via postgres_fdw"))
    for child in here:
        lines += _lines_for(graph, child, child_prefix, "└─▶ ", seen)
    return lines


def _box(title: str, lines: list[tuple[Status, str]]) -> list[str]:
    body = [f"{STATUS_MARKS[status]} {text}" for status, text in lines] or ["  (nothing)"]
    width = max([len(line) for line in body] + [len(title) + 4])
    top = f"┌─ {title} " + "─" * (width - len(title) - 1) + "┐"
    return [top] + [f"│ {line.ljust(width)} │" for line in body] + ["└" + "─" * (width + 2) + "┘"]


def render_text(graph: Graph) -> str:
    out = [f"vtopo graph: {graph.title}", ""]
    for box in graph.databases:
        nodes = graph.nodes_in(box.name)
        seen: set[str] = set()
        lines: list[tuple[Status, str]] = []
        for node in nodes:
            incoming_here = [
                edge for edge in graph.edges_to(node.id)
                if (source := graph.node(edge.source)) is not None and source.database == box.name
            ]
            if node.id in seen or incoming_here:
                continue
            for edge in graph.edges_to(node.id):
                source = graph.node(edge.source)
                if source is not None and source.database not in (box.name, None):
                    lines.append((Status.same, f"◀── {source.database}: {source.label} via postgres_fdw"))
            lines += _lines_for(graph, node, "", "", seen)
        out += _box(f"{box.name} · {box.role}", lines)
    legend = _legend(graph)
    if legend:
        out += ["", legend]
    return "\n".join(out) + "\n"


def _legend(graph: Graph) -> str:
    if graph.mode is Mode.topology:
        return ""
    used = sorted({node.status for node in graph.nodes} - {Status.same}, key=lambda s: s.rank)
    if not used:
        return "no drift: the databases match the topology" if graph.mode is Mode.live else "no changes"
    return "   ".join(f"{STATUS_MARKS[status]} {graph.status_word(status)}" for status in used)
