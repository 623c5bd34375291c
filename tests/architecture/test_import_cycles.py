"""The package graph under src/vtopo has no cycle: data flows one way (issue 11).

Every `import vtopo.x...` / `from vtopo.x... import` / relative import, at any depth in
a module (function-level imports included), adds an edge between top-level packages.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "vtopo"


def _package_of(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return parts[0] if len(parts) > 1 else "(" + parts[0] + ")"  # top-level modules stand alone


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    if module_parts[-1] == "__init__":
        module_parts = module_parts[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module_parts[: len(module_parts) - node.level + (1 if path.name == "__init__.py" else 0)]
                names = [".".join(["vtopo", *base, *(node.module.split(".") if node.module else [])])]
                if not node.module:  # from . import x
                    names = [".".join(["vtopo", *base, alias.name]) for alias in node.names]
            else:
                names = [node.module or ""]
                if node.module == "vtopo":
                    names = [f"vtopo.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] != "vtopo" or len(parts) < 2:
                continue
            target = SOURCE / parts[1]
            if target.is_dir():
                found.add(parts[1])
            elif target.with_suffix(".py").is_file():
                found.add(f"({parts[1]})")
            else:  # `from vtopo import __version__`: a name of the package itself
                found.add("(__init__)")
    return found


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.py"):
        package = _package_of(path)
        graph.setdefault(package, set()).update(_imported_packages(path) - {package})
    return graph


def test_the_graph_covers_the_packages():
    graph = package_graph()
    assert {"spec", "catalog", "diff", "plan", "render", "apply", "cli"} <= set(graph)
    assert "catalog" in graph["diff"]  # the reader sees edges at all


def test_no_package_import_cycle():
    graph = package_graph()
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise AssertionError(f"package import cycle: {' -> '.join(error.args[1])}") from None


def test_a_cycle_is_detected():
    """The check itself can fail: a made-up graph with a cycle is refused."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError:
        return
    raise AssertionError("cycle not detected")
