"""The README's topology picture is what `vtopo graph --format mermaid` draws from the example file."""

from __future__ import annotations

import re
from pathlib import Path

from harness import run_vtopo
from mermaid_syntax import parse_mermaid

REPO = Path(__file__).resolve().parents[2]
MARKER = "<!-- vtopo graph -f topology.example.yaml --format mermaid -->"


def readme_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(MARKER) + r"\n```mermaid\n(?P<body>.*?)\n```\n", text, re.S)
    assert match, f"README.md has no mermaid block after {MARKER}"
    return match["body"] + "\n"


def test_the_readme_picture_is_the_current_graph_of_the_example():
    drawn = run_vtopo("graph", "-f", "topology.example.yaml", "--format", "mermaid", cwd=REPO)
    assert drawn.returncode == 0, drawn.stderr
    assert readme_block() == drawn.stdout, "README.md's mermaid block is stale: paste `vtopo graph -f topology.example.yaml --format mermaid`"


def test_the_readme_picture_is_valid_mermaid_showing_every_database():
    diagram = parse_mermaid(readme_block())
    labels = " ".join(diagram.subgraphs.values())
    assert all(name in labels for name in ("app · primary", "docs_pod · secondary", "media_pod · secondary")), labels
