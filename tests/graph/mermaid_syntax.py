"""A strict parser for the Mermaid subset `vtopo graph --format mermaid` writes.

Every line must be one of the forms below; anything else (an unbalanced
subgraph, a node shape opened one way and closed another, an edge to an
undefined node) fails. The result is the diagram's structure, so tests can
check that every database, collection and wiring edge is there.
(The output was also checked with mermaid 11's own parser while writing this.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

IDENT = r"[A-Za-z][A-Za-z0-9_]*"
SHAPES = {'[("': '")]', '{{"': '"}}', '(["': '"])', '["': '"]'}
NODE = re.compile(rf'^(?P<id>{IDENT})(?P<open>\[\("|\{{\{{"|\(\["|\[")(?P<label>[^"]*)(?P<close>"\)\]|"\}}\}}|"\]\)|"\])$')
EDGE = re.compile(rf"^(?P<a>{IDENT}) (?P<arrow>-->|-\.->)(?:\|(?P<label>[^|\"]+)\|)? (?P<b>{IDENT})$")
SUBGRAPH = re.compile(rf'^subgraph (?P<id>{IDENT})\["(?P<label>[^"]*)"\]$')
CLASSDEF = re.compile(rf"^classDef (?P<name>{IDENT}) [a-z-]+:[^ ]+$")
CLASS = re.compile(rf"^class (?P<ids>{IDENT}(?:,{IDENT})*) (?P<name>{IDENT})$")
LINKSTYLE = re.compile(r"^linkStyle (?P<index>\d+) [a-z-]+:[^ ]+$")
KEYWORDS = {"end", "subgraph", "graph", "flowchart", "class", "classDef", "style", "linkStyle", "click"}


@dataclass
class Node:
    id: str
    shape: str
    lines: list[str]  # label lines, tags removed
    subgraph: str | None

    @property
    def title(self) -> str:
        """First label line without the status mark."""
        return re.sub(r"^[+~!-] ", "", self.lines[0])


@dataclass
class Diagram:
    subgraphs: dict[str, str] = field(default_factory=dict)  # id -> label
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str, str | None, str]] = field(default_factory=list)  # (a, arrow, label, b)
    classes: dict[str, set[str]] = field(default_factory=dict)  # class name -> node ids

    def find(self, title: str, subgraph_label_prefix: str | None = None) -> Node:
        found = [
            node
            for node in self.nodes.values()
            if node.title == title
            and (subgraph_label_prefix is None or (node.subgraph and self.subgraphs[node.subgraph].startswith(subgraph_label_prefix)))
        ]
        assert len(found) == 1, f"{title!r} in {subgraph_label_prefix!r}: {len(found)} nodes"
        return found[0]

    def edge(self, a: Node, b: Node) -> tuple[str, str, str | None, str]:
        found = [edge for edge in self.edges if edge[0] == a.id and edge[3] == b.id]
        assert len(found) == 1, f"edge {a.title} -> {b.title}: {len(found)} found"
        return found[0]

    def status_of(self, node: Node) -> str | None:
        names = [name for name, ids in self.classes.items() if node.id in ids]
        assert len(names) <= 1
        return names[0] if names else None


def _label_lines(label: str) -> list[str]:
    text = re.sub(r"</?(b|i)>", "", label)
    for entity, char in (("#quot;", '"'), ("#lt;", "<"), ("#gt;", ">"), ("#amp;", "&")):
        text = text.replace(entity, char)
    return text.split("<br/>")


def parse_mermaid(text: str) -> Diagram:
    lines = [line.strip() for line in text.strip().splitlines()]
    assert lines and lines[0] == "flowchart LR", lines[:1]
    diagram = Diagram()
    stack: list[str] = []
    styled: list[int] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line or line.startswith("%%"):
            continue
        if match := SUBGRAPH.fullmatch(line):
            assert not stack, f"line {number}: nested subgraph"
            stack.append(match["id"])
            diagram.subgraphs[match["id"]] = match["label"]
        elif line == "direction TB":
            assert stack, f"line {number}: direction outside a subgraph"
        elif line == "end":
            assert stack, f"line {number}: `end` without subgraph"
            stack.pop()
        elif match := NODE.fullmatch(line):
            assert SHAPES[match["open"]] == match["close"], f"line {number}: shape {match['open']} closed by {match['close']}"
            assert match["id"] not in KEYWORDS and match["id"] not in diagram.nodes, f"line {number}: bad or duplicate id"
            diagram.nodes[match["id"]] = Node(match["id"], match["open"], _label_lines(match["label"]), stack[-1] if stack else None)
        elif match := EDGE.fullmatch(line):
            diagram.edges.append((match["a"], match["arrow"], match["label"], match["b"]))
        elif match := LINKSTYLE.fullmatch(line):
            styled.append(int(match["index"]))
        elif match := CLASSDEF.fullmatch(line.split(",")[0]):  # first style property is enough
            diagram.classes.setdefault(match["name"], set())
        elif match := CLASS.fullmatch(line):
            assert match["name"] in diagram.classes, f"line {number}: class before classDef"
            diagram.classes[match["name"]].update(match["ids"].split(","))
        else:
            raise AssertionError(f"line {number}: not valid here: {line!r}")
    assert not stack, "unclosed subgraph"
    defined = set(diagram.nodes)
    for a, _, _, b in diagram.edges:
        assert a in defined and b in defined, f"edge {a} -> {b} to an undefined node"
    assert all(index < len(diagram.edges) for index in styled), "linkStyle past the last edge"
    for ids in diagram.classes.values():
        assert ids <= defined, f"class on undefined nodes: {ids - defined}"
    return diagram
