"""Environments: one topology file, several deployments (`--env NAME`, `$VTOPO_ENV`)."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from harness import run_vtopo, topology_for

from vtopo.errors import SpecError
from vtopo.operations import make_plan
from vtopo.spec import parse_topology

# Line numbers below refer to this text.
FILE = """\
version: 1
name: envs
databases:
  app:
    primary: true
    dsn: ${env:APP_DSN}
  pod:
    dsn: ${env:POD_DSN}
    fdw:
      password: ${env:POD_FDW_PASSWORD}
collections:
  docs:
    database: pod
    dimension: 8
    index: {method: hnsw, m: 16}
    expose: {view: public.docs}
  big:
    database: pod
    dimension: 4
environments:
  staging:
    databases:
      pod:
        dsn: ${env:STAGING_POD_DSN}
    collections:
      docs:
        index: {m: 8, ef_construction: 32}
      big: null
      extra: {database: app, dimension: 3}
  tiny:
    collections:
      docs:
        index: {method: ivfflat, lists: 2}
"""


def problems(text: str, env: str | None) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_topology(text, "t.yaml", env)
    return caught.value.problems


def test_an_environment_is_merged_over_the_base():
    base = parse_topology(FILE, "t.yaml", "")
    assert base.environment is None and base.databases["pod"].dsn == "${env:POD_DSN}"
    assert set(base.collections) == {"docs", "big"} and base.collections["docs"].index.effective_m == 16

    staging = parse_topology(FILE, "t.yaml", "staging")
    assert staging.environment == "staging"
    assert staging.databases["pod"].dsn == "${env:STAGING_POD_DSN}"  # overridden
    assert staging.databases["pod"].fdw.password == "${env:POD_FDW_PASSWORD}"  # kept from the base
    docs = staging.collections["docs"]
    assert (docs.index.effective_m, docs.index.effective_ef_construction, docs.dimension) == (8, 32, 8)
    assert docs.expose.view == "public.docs"
    assert set(staging.collections) == {"docs", "extra"}  # null removes, a new key adds

    tiny = parse_topology(FILE, "t.yaml", "tiny")  # another method replaces the index block
    assert (tiny.collections["docs"].index.method.value, tiny.collections["docs"].index.lists) == ("ivfflat", 2)


def test_vtopo_env_selects_and_an_explicit_empty_name_means_the_base(monkeypatch):
    monkeypatch.setenv("VTOPO_ENV", "staging")
    assert parse_topology(FILE, "t.yaml").environment == "staging"
    assert parse_topology(FILE, "t.yaml", "").environment is None


def test_unknown_environment_lists_the_known_ones():
    assert problems(FILE, "prod") == ["t.yaml:20: unknown environment 'prod'; the file defines: staging, tiny"]
    plain = FILE.split("environments:")[0]
    assert problems(plain, "prod") == ["t.yaml:1: unknown environment 'prod'; the file defines no environments"]


def test_errors_point_at_the_override_lines():
    text = FILE.replace("        index: {m: 8, ef_construction: 32}", "        index: {m: 8, ef_construction: 32}\n        dimension: 0")
    found = problems(text, "staging")
    assert found == ["t.yaml:28: environments.staging.collections.docs.dimension: Input should be greater than or equal to 1"]
    # A merged value broken by the override: the override's line, where the change was made.
    text = FILE.replace("{m: 8, ef_construction: 32}", "{m: 40}")
    assert problems(text, "staging") == [
        "t.yaml:27: collections.docs.index.ef_construction: ef_construction (64) must be at least 2 * m (80)"
    ]
    # Shape errors inside any environment are errors of the file, whichever is selected.
    text = FILE.replace("        index: {method: ivfflat, lists: 2}", "        indx: {method: ivfflat}")
    assert problems(text, None) == ["t.yaml:33: environments.tiny.collections.docs.indx: unknown key 'indx'; did you mean 'index'?"]


def test_validate_checks_every_environment(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(FILE.replace("{m: 8, ef_construction: 32}", "{m: 40}"))
    run = run_vtopo("validate", "-f", str(path))
    assert run.returncode == 1 and "(environment staging)" in run.stderr and "Traceback" not in run.stderr
    run = run_vtopo("validate", "-f", str(path), "--env", "tiny")
    assert run.returncode == 0 and "(environment tiny)" in run.stderr
    run = run_vtopo("plan", "-f", str(path), "--env", "prod")
    assert run.returncode == 1
    assert "unknown environment 'prod'; the file defines: staging, tiny" in run.stderr and "Traceback" not in run.stderr


def test_the_json_schema_describes_environments():
    schema = json.loads(run_vtopo("schema").stdout)
    assert "environments" in schema["properties"]
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(yaml.safe_load(FILE))
    bad = yaml.safe_load(FILE)
    bad["environments"]["tiny"]["collections"]["docs"]["indx"] = {}
    assert [list(e.absolute_path) for e in validator.iter_errors(bad)] == [["environments", "tiny", "collections", "docs"]]


def test_env_overrides_apply_to_the_right_databases(pg_dbs, make_topology, tmp_path):
    """Base: pod = secondary1. staging: pod = secondary2, with smaller index parameters."""
    data, env = topology_for(pg_dbs, prefix="EV", collections={
        "docs": {"database": "pod1", "dimension": 3, "index": {"method": "hnsw", "m": 16}, "expose": {"view": "public.docs"}},
    })
    pod2 = data["databases"].pop("pod2")
    data["environments"] = {"staging": {
        "databases": {"pod1": {"dsn": pod2["dsn"], "fdw": {"host": pg_dbs.secondary2.peer_host, "port": pg_dbs.secondary2.peer_port}}},
        "collections": {"docs": {"index": {"m": 8, "ef_construction": 32}}},
    }}
    path = make_topology(data, env)

    run = run_vtopo("apply", "-f", str(path), "--env", "staging", "--auto-approve", "--no-check", env=env)
    assert run.returncode == 0, run.stderr
    with pg_dbs.secondary2.connect() as conn:
        (options,) = conn.execute("SELECT reloptions FROM pg_class WHERE relname LIKE 'ix_vector%'").fetchone()
    assert sorted(options) == ["ef_construction=32", "m=8"]
    with pg_dbs.secondary1.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'vecs'").fetchone() == (0,)

    staging = run_vtopo("plan", "-f", str(path), "--detailed-exitcode", env={**env, "VTOPO_ENV": "staging"})
    assert staging.returncode == 0, staging.stdout + staging.stderr
    base, _ = make_plan(path, env="")
    assert {c.database for c in base.changes} == {"pod1", "app"}  # base points at secondary1: all to do

    saved = tmp_path / "staging-plan.json"
    assert run_vtopo("plan", "-f", str(path), "--env", "staging", "--out", str(saved), env=env).returncode == 0
    assert json.loads(saved.read_text())["environment"] == "staging"
    run = run_vtopo("apply", str(saved), "-f", str(path), env=env)  # applied without --env: refused
    assert run.returncode == 1
    assert "the plan was made for environment 'staging' but apply runs with the base topology" in run.stderr
