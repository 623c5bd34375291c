"""`vtopo graph --live` against real servers: what the databases hold, with hand-made drift marked."""

from __future__ import annotations

from graph_fixtures import COLLECTIONS
from harness import run_vtopo, topology_for
from mermaid_syntax import parse_mermaid

from vtopo.operations import apply_topology


def applied_gallery(pg_dbs, make_topology):
    data, env = topology_for(pg_dbs, prefix="GL", collections=COLLECTIONS)
    path = make_topology(data, env)
    outcome = apply_topology(path, approve=lambda plan: True)
    assert outcome.remaining is not None and outcome.remaining.is_empty
    return path, env


def live(path, env, fmt: str) -> str:
    run = run_vtopo("graph", "-f", str(path), "--live", "--format", fmt, env=env)
    assert run.returncode == 0, run.stderr
    for secret in env.values():
        assert secret not in run.stdout + run.stderr  # DSNs and FDW passwords never shown
    return run.stdout


def test_live_graph_marks_hand_made_drift(pg_dbs, make_topology):
    path, env = applied_gallery(pg_dbs, make_topology)
    text = live(path, env, "text")
    assert text.rstrip().endswith("no drift: the databases match the topology")

    # Drift by hand: docs' index rebuilt with other parameters, the primary's view of
    # clips dropped, and a collection the topology does not know.
    with pg_dbs.secondary1.connect() as conn:
        (index,) = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'vecs' AND tablename = 'docs' AND indexname LIKE 'ix_vector%'"
        ).fetchone()
        conn.execute(f'DROP INDEX vecs."{index}"')
        conn.execute("CREATE INDEX ix_vector_cosine_ops_hnsw_m4_efc16_handmad ON vecs.docs USING hnsw (vec vector_cosine_ops) WITH (m = 4, ef_construction = 16)")
        conn.execute("CREATE TABLE vecs.stray (id varchar PRIMARY KEY, vec vector(3) NOT NULL, metadata jsonb NOT NULL DEFAULT '{}')")
    with pg_dbs.primary.connect() as conn:
        conn.execute("DROP VIEW catalog.clips")

    diagram = parse_mermaid(live(path, env, "mermaid"))
    docs = diagram.find("vecs.docs", "pod1")
    assert diagram.status_of(docs) == "changed"
    assert "cosine · hnsw m=4 ef_construction=16" in docs.lines  # what the database holds...
    assert any("params.m: 4 → 8" in line for line in docs.lines)  # ...and what the topology wants
    assert diagram.status_of(diagram.find("catalog.clips", "app")) == "added"  # missing in the database
    assert diagram.status_of(diagram.find("vecs.stray", "pod1")) == "foreign"  # not vtopo's, not in the topology: left alone
    assert diagram.status_of(diagram.find("vecs.faces", "app")) is None  # untouched parts stay unmarked
    assert diagram.status_of(diagram.find("vtopo.docs", "pod1")) is None

    text = live(path, env, "text")
    assert "│ ~ vecs.docs" in text and "│ ! vecs.stray" in text
    assert "catalog.clips  (view)" in next(line for line in text.splitlines() if "catalog.clips" in line and line.startswith("│ +"))
    assert "+ missing in the database   ~ drifted   ! not created by vtopo" in text
