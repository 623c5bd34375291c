"""`vtopo graph` offline: the topology drawn as Mermaid, DOT and text, from the file alone."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from graph_fixtures import COLLECTIONS, offline_topology
from harness import run_vtopo
from mermaid_syntax import parse_mermaid

SECONDARY_OF = {"pod1": "vtopo_pod1", "pod2": "vtopo_pod2"}


def graph(path, *args: str) -> str:
    run = run_vtopo("graph", "-f", str(path), *args)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    return run.stdout


def test_mermaid_has_every_database_collection_and_wiring_edge(offline_file):
    diagram = parse_mermaid(graph(offline_file, "--format", "mermaid"))

    assert sorted(diagram.subgraphs.values()) == ["app · primary", "pod1 · secondary", "pod2 · secondary"]
    for name, spec in COLLECTIONS.items():
        node = diagram.find(f"vecs.{name}", spec["database"])
        assert node.shape == '[("', "collections are drawn as cylinders"
    docs = diagram.find("vecs.docs", "pod1")
    assert "8 × vector" in docs.lines and "cosine · hnsw m=8 ef_construction=32" in docs.lines
    assert "metadata: url (text, indexed), year (integer)" in docs.lines
    assert "ivfflat lists=4" in diagram.find("vecs.clips", "pod2").lines[2]
    assert diagram.find("vecs.notes", "pod1").lines[1:] == ["6 × halfvec", "no vector index"]

    for name, spec in COLLECTIONS.items():
        if "expose" not in spec:
            continue
        view = diagram.find(spec["expose"]["view"], "app")
        if spec["database"] == "app":
            assert diagram.edge(diagram.find(f"vecs.{name}", "app"), view)
        else:
            # collection -> exposure view (secondary) -> foreign table (primary, via its server) -> view
            exposure = diagram.find(f"vtopo.{name}", spec["database"])
            foreign = diagram.find(f"vtopo.{name}", "app")
            server = diagram.find(SECONDARY_OF[spec["database"]], "app")
            diagram.edge(diagram.find(f"vecs.{name}", spec["database"]), exposure)
            assert diagram.edge(exposure, foreign)[2] == "postgres_fdw"
            diagram.edge(server, foreign)
            diagram.edge(foreign, view)
        for role in spec["expose"].get("grant", []):
            assert diagram.edge(view, diagram.find(role))[2] == "SELECT"
    grants = [edge for edge in diagram.edges if edge[2] == "SELECT"]
    assert len(grants) == 3, "who may read what: exactly the grants of the file"
    assert not diagram.classes, "the topology alone has no status to mark"


def test_dot_is_accepted_by_graphviz_and_renders(offline_file, tmp_path):
    text = graph(offline_file, "--format", "dot")
    assert text.startswith("digraph vtopo {")
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz's dot is not installed here (CI installs the graphviz package)")
    source = tmp_path / "topology.dot"
    source.write_text(text)
    for fmt, magic in (("svg", b"<svg"), ("png", b"\x89PNG")):
        rendered = subprocess.run([dot, f"-T{fmt}", str(source)], capture_output=True, timeout=60)
        assert rendered.returncode == 0, rendered.stderr.decode()
        assert magic in rendered.stdout[:400], fmt
        assert not rendered.stderr.strip(), rendered.stderr.decode()  # no syntax warnings either
    svg = subprocess.run([dot, "-Tsvg", str(source)], capture_output=True, text=True, timeout=60).stdout
    for label in ("app (primary)", "pod1 (secondary)", "vecs.docs", "vecs.clips", "catalog.clips", "postgres_fdw", "anon"):
        assert label in svg, label


def test_text_draws_a_box_per_database(offline_file):
    text = graph(offline_file)  # text is the default
    assert text.splitlines()[0] == "vtopo graph: gallery"
    boxes = [line for line in text.splitlines() if line.startswith("┌─ ")]
    assert [box.split(" ")[1] for box in boxes] == ["app", "pod1", "pod2"]
    assert "public.docs  (view)  search: public.match_docs()  read by: anon, authenticated" in text
    assert "vecs.clips  4 × vector · l2 · ivfflat lists=4" in text
    assert "app: vtopo.docs (foreign table) via postgres_fdw" in text
    widths = {len(line) for line in text.splitlines() if line and line[0] in "┌│└"}
    assert len(widths) == 3, "each of the three boxes is closed on the right"


def test_titles_and_labels_are_escaped(make_topology, tmp_path):
    path = make_topology(offline_topology(name='acme "search" <prod>\\x'))
    parse_mermaid(graph(path, "--format", "mermaid"))
    text = graph(path, "--format", "dot")
    if shutil.which("dot"):
        rendered = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
        assert rendered.returncode == 0, rendered.stderr


def test_graph_needs_no_database_and_no_secret(offline_file):
    # The file's ${env:...} references are unset in this process: graph reads the file only.
    run = run_vtopo("graph", "-f", str(offline_file), "--format", "mermaid", env={"G_APP_DSN": ""})
    assert run.returncode == 0, run.stderr


def test_an_invalid_file_is_a_located_error(make_topology):
    data = offline_topology()
    data["collections"] = {"docs": {**COLLECTIONS["docs"], "dimension": 0}}
    run = run_vtopo("graph", "-f", str(make_topology(data)))
    assert run.returncode == 1
    assert "collections.docs.dimension" in run.stderr and "Traceback" not in run.stderr
