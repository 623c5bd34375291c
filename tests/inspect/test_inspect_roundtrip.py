"""Databases vtopo itself populated: inspect gives back an equivalent topology, from the file
or from bare --dsn pairs, and plan on it is empty."""

from __future__ import annotations

import copy

import pytest
from inspect_helpers import written
from harness import run_vtopo, topology_for

from vtopo.desired.build import build_desired
from vtopo.operations import apply_topology, make_plan
from vtopo.spec import load_topology
from vtopo.spec.resolve import resolve_topology

COLLECTIONS = {
    "docs": {
        "database": "pod1", "dimension": 8, "measure": "cosine", "index": {"method": "hnsw", "m": 8, "ef_construction": 40},
        "metadata": {"url": {"type": "text", "index": True}, "year": {"type": "integer"}, "draft": {"type": "boolean"}},
        "search": {"ef_search": 60},
        "expose": {"view": "public.docs", "grant": ["anon", "authenticated"]},
    },
    "notes": {"database": "pod1", "dimension": 3, "measure": "l2", "expose": {"view": "public.notes"}},
    "clips": {
        "database": "pod2", "dimension": 4, "type": "halfvec", "measure": "l2", "index": {"method": "ivfflat", "lists": 4},
        "metadata": {"score": {"type": "numeric", "index": True}},
        "search": {"probes": 2, "iterative_scan": "off"},
        "expose": {"view": "catalog.clips", "grant": ["reader"]},
    },
    "faces": {"database": "app", "dimension": 5, "measure": "inner_product", "expose": {"view": "public.faces"}},
    "scratch": {"database": "app", "dimension": 2, "index": {"method": "none"}},
}


@pytest.fixture
def original(pg_dbs, make_topology):
    data, env = topology_for(pg_dbs, prefix="RT", collections=COLLECTIONS)
    fdw = data["databases"]["pod1"]["fdw"]
    fdw.update(user="docs_reader", sslmode="disable", options={"fetch_size": 250, "use_remote_estimate": True})
    data["databases"]["pod2"]["reader"] = {"connection_limit": 20, "statement_timeout": "30s", "work_mem": "8MB"}
    path = make_topology(data, env, name="original.yaml")
    outcome = apply_topology(path, approve=lambda plan: True)
    assert outcome.remaining is not None and outcome.remaining.is_empty
    return path, env


def desired_of(path) -> dict:
    """What a topology asks for, object by object (secrets by name only)."""
    topology = load_topology(path, "")
    catalog = build_desired(topology, resolve_topology(topology).fdw_targets)
    return {key: (obj.spec, obj.depends_on, tuple(name for name, _ in obj.secrets)) for key, obj in catalog.objects.items()}


def test_inspect_from_the_file_round_trips(original, tmp_path):
    path, env = original
    adopted = tmp_path / "adopted.yaml"
    run = run_vtopo("inspect", "-f", str(path), "--out", str(adopted))
    assert run.returncode == 0, run.stderr
    assert "warning" not in run.stderr, run.stderr

    assert desired_of(adopted) == desired_of(path)  # the same objects, to the last option
    plan, _ = make_plan(adopted, env="")
    assert plan.is_empty, [f"{c.action.value} {c.kind.value} {c.name}: {c.reason}" for c in plan.changes]

    back, source = written(adopted), written(path)
    assert back["databases"] == source["databases"]  # DSN and password references kept as written
    assert back["collections"]["clips"] == COLLECTIONS["clips"]
    docs = copy.deepcopy(COLLECTIONS["docs"])
    docs["expose"]["grant"].sort()
    assert back["collections"]["docs"] == docs
    for secret in env.values():
        assert secret not in adopted.read_text() + run.stdout + run.stderr


def test_inspect_from_dsn_pairs_round_trips(original, tmp_path, dsn_args, dsn_env):
    path, env = original
    adopted = tmp_path / "adopted.yaml"
    run = run_vtopo("inspect", *dsn_args, "--out", str(adopted))  # the primary is found from the wiring
    assert run.returncode == 0, run.stderr
    assert "(primary: app)" in run.stderr and "warning" not in run.stderr, run.stderr
    assert "set before `vtopo plan`: APP_DSN POD1_DSN POD1_FDW_PASSWORD POD2_DSN POD2_FDW_PASSWORD" in run.stderr

    fdw = written(adopted)["databases"]["pod1"]["fdw"]
    for key in ("host", "port"):  # written only where the server's differ from the DSN's (docker engine)
        fdw.pop(key, None)
    assert fdw == {
        "user": "docs_reader", "password": "${env:POD1_FDW_PASSWORD}", "sslmode": "disable",
        "options": {"fetch_size": 250, "use_remote_estimate": True},
    }
    passwords = {"POD1_FDW_PASSWORD": env["RT_POD1_FDW_PASSWORD"], "POD2_FDW_PASSWORD": env["RT_POD2_FDW_PASSWORD"]}
    plan = run_vtopo("plan", "-f", str(adopted), "--detailed-exitcode", env={**dsn_env, **passwords})
    assert plan.returncode == 0, plan.stdout + plan.stderr
