"""Adopting a deployment the real Vecs client made: inspect writes a file whose plan is empty."""

from __future__ import annotations

import vecs
from inspect_helpers import vecs_url, written
from harness import run_vtopo
from vecs import IndexArgsHNSW, IndexArgsIVFFlat, IndexMeasure, IndexMethod


def populate_with_vecs(pg_dbs) -> None:
    """Several collections, HNSW and IVFFlat, every measure, one without an index."""
    rows = [(f"r{i}", [float(i), 1.0, (i % 3) - 1.0, 0.5], {"i": i}) for i in range(40)]
    clients = []
    try:
        pod1 = vecs.create_client(vecs_url(pg_dbs.secondary1))
        clients.append(pod1)
        docs = pod1.get_or_create_collection(name="docs", dimension=4)
        docs.upsert(rows)
        docs.create_index(method=IndexMethod.hnsw, measure=IndexMeasure.cosine_distance,
                          index_arguments=IndexArgsHNSW(m=8, ef_construction=32))
        pod1.get_or_create_collection(name="drafts", dimension=7)  # never indexed

        pod2 = vecs.create_client(vecs_url(pg_dbs.secondary2))
        clients.append(pod2)
        clips = pod2.get_or_create_collection(name="clips", dimension=4)
        clips.upsert(rows)
        clips.create_index(method=IndexMethod.ivfflat, measure=IndexMeasure.l2_distance,
                           index_arguments=IndexArgsIVFFlat(n_lists=3))

        app = vecs.create_client(vecs_url(pg_dbs.primary))
        clients.append(app)
        faces = app.get_or_create_collection(name="faces", dimension=4)
        faces.upsert(rows[:5])
        faces.create_index(method=IndexMethod.hnsw, measure=IndexMeasure.max_inner_product)  # Vecs's defaults
    finally:
        for client in clients:
            client.disconnect()


def test_inspect_adopts_vecs_collections_and_plan_is_empty(pg_dbs, tmp_path, dsn_args, dsn_env):
    populate_with_vecs(pg_dbs)
    out = tmp_path / "adopted.yaml"

    run = run_vtopo("inspect", *dsn_args, "--primary", "app", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "plan on this file would still change" not in run.stderr, run.stderr
    assert "set before `vtopo plan`: APP_DSN POD1_DSN POD2_DSN" in run.stderr

    topology = written(out)
    assert topology["databases"] == {
        "app": {"primary": True, "dsn": "${env:APP_DSN}"},
        "pod1": {"dsn": "${env:POD1_DSN}"},
        "pod2": {"dsn": "${env:POD2_DSN}"},
    }
    # Vecs 0.4.5 means to make a GIN index on metadata but never commits it: gin_index: false.
    assert topology["collections"] == {
        "faces": {"database": "app", "dimension": 4, "measure": "inner_product",
                  "index": {"method": "hnsw", "m": 16, "ef_construction": 64}, "gin_index": False},
        "docs": {"database": "pod1", "dimension": 4, "measure": "cosine",
                 "index": {"method": "hnsw", "m": 8, "ef_construction": 32}, "gin_index": False},
        "drafts": {"database": "pod1", "dimension": 7, "index": {"method": "none"}, "gin_index": False},
        "clips": {"database": "pod2", "dimension": 4, "measure": "l2", "index": {"method": "ivfflat", "lists": 3},
                  "gin_index": False},
    }
    text = out.read_text()
    for db in pg_dbs:
        assert db.password not in text + run.stdout + run.stderr  # secrets are never written

    plan = run_vtopo("plan", "-f", str(out), "--detailed-exitcode", env=dsn_env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout


def test_inspect_guesses_nothing_it_cannot_say(pg_dbs, tmp_path, dsn_args, dsn_env):
    """An l1 index has no topology measure: inspect says so, and what plan would change."""
    client = vecs.create_client(vecs_url(pg_dbs.secondary1))
    try:
        taxi = client.get_or_create_collection(name="taxi", dimension=3)
        taxi.create_index(method=IndexMethod.hnsw, measure=IndexMeasure.l1_distance)
    finally:
        client.disconnect()
    run = run_vtopo("inspect", *dsn_args, "--primary", "app")
    assert run.returncode == 0, run.stderr
    assert "vector_l1_ops has no vtopo measure" in run.stderr
    assert "plan on this file would still change" in run.stderr and "vector_index taxi" in run.stderr
    assert "taxi:" in run.stdout  # the collection itself is kept: plan never drops it
