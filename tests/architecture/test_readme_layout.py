"""The README's layout section names every package under src/vtopo, and only those."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _layout_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### Layout", 1)[1]
    return section.split("```", 2)[1]


def test_the_layout_lists_exactly_the_packages():
    packages = {path.parent.name for path in (REPO / "src" / "vtopo").glob("*/__init__.py")}
    named = set(re.findall(r"([a-z_]+)/", _layout_block().split("templates/")[0]))
    named -= {"src", "vtopo"}
    assert named == packages


def test_the_layout_lists_the_template_trees():
    trees = {path.name for path in (REPO / "templates").iterdir() if path.is_dir()}
    block = _layout_block().split("templates/", 1)[1]
    assert {name for name in trees if f"{name}/" in block} == trees
