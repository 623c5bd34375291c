"""`vtopo graph`: the topology, a plan or the live state as a picture (mermaid, dot, text)."""

from __future__ import annotations

from enum import Enum
from typing import Callable

from .dot import render_dot
from .mermaid import render_mermaid
from .model import Graph, Mode, Status
from .sources import live_graph, plan_graph, topology_graph
from .text import render_text


class GraphFormat(str, Enum):
    text = "text"
    mermaid = "mermaid"
    dot = "dot"


RENDERERS: dict[GraphFormat, Callable[[Graph], str]] = {
    GraphFormat.text: render_text,
    GraphFormat.mermaid: render_mermaid,
    GraphFormat.dot: render_dot,
}


def render_graph(graph: Graph, format: GraphFormat) -> str:
    return RENDERERS[format](graph)


__all__ = ["Graph", "GraphFormat", "Mode", "Status", "live_graph", "plan_graph", "render_graph", "topology_graph"]
