"""`--target`: plan and apply only the named databases / collections; the rest stays untouched."""

from __future__ import annotations

import copy
import json

from harness import run_vtopo, topology_for

from vtopo.operations import ApplyOptions, apply_topology, make_plan

COLLECTIONS = {
    "docs": {"database": "pod1", "dimension": 3, "expose": {"view": "public.docs", "grant": ["anon"]}},
    "notes": {"database": "pod1", "dimension": 3, "expose": {"view": "public.notes"}},
    "clips": {"database": "pod2", "dimension": 4, "measure": "l2", "expose": {"view": "public.clips"}},
    "faces": {"database": "app", "dimension": 5, "expose": {"view": "public.faces"}},
}


def relations(db) -> set[str]:
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname IN ('vecs', 'vtopo', 'public') AND c.relkind IN ('r', 'v', 'f')"
            " AND c.relname <> '_apply_journal'"  # vtopo's apply journal: bookkeeping, not topology
        ).fetchall()
    return {name for (name,) in rows}


def touched(plan) -> set[tuple[str, str]]:
    return {(c.database, c.name) for c in plan.changes}


def test_target_limits_plan_and_apply_and_leaves_the_rest_untouched(pg_dbs, make_topology):
    data, env = topology_for(pg_dbs, prefix="TG", collections=COLLECTIONS)
    path = make_topology(data, env)

    run = run_vtopo("plan", "-f", str(path), "--target", "docs", "--format", "json", env=env)
    assert run.returncode == 0, run.stderr
    assert "Warning: Resource targeting is in effect" in run.stderr
    document = json.loads(run.stdout)
    assert document["targets"] == ["docs"]
    names = {(c["database"], c["kind"], c["name"]) for c in document["changes"]}
    assert ("pod1", "collection", "docs") in names and ("app", "exposed_view", "public.docs") in names
    assert ("app", "foreign_server", "vtopo_pod1") in names, "a target brings what it depends on"
    assert not any(c["name"] in ("notes", "clips", "faces", "public.notes") or c["database"] == "pod2" for c in document["changes"])

    run = run_vtopo("apply", "-f", str(path), "--target", "docs", "--auto-approve", env=env)
    assert run.returncode == 0, run.stderr
    assert "Applied changes may be incomplete" in run.stderr
    assert relations(pg_dbs.secondary1) == {"vecs.docs", "vtopo.docs"}
    assert relations(pg_dbs.secondary2) == set()  # untouched
    assert relations(pg_dbs.primary) == {"vtopo.docs", "public.docs"}
    with pg_dbs.primary.connect() as conn:  # the targeted wiring works end to end
        assert conn.execute("SELECT count(*) FROM public.docs").fetchone() == (0,)

    # A database target: everything in pod2 and the primary's side of its collections.
    plan, _ = make_plan(path, targets=["pod2"])
    assert touched(plan) >= {("pod2", "clips"), ("app", "clips"), ("app", "public.clips")}
    assert not {name for _, name in touched(plan)} & {"notes", "faces", "public.notes", "public.faces"}
    outcome = apply_topology(path, approve=lambda plan: True, targets=["pod2"])
    assert outcome.remaining is not None and outcome.remaining.is_empty  # verified within the targets
    full, _ = make_plan(path)
    assert touched(full) >= {("pod1", "notes"), ("app", "faces")} and not {("pod2", "clips")} & touched(full)


def test_targeted_drop_keeps_what_untargeted_objects_still_use(pg_dbs, make_topology):
    data, env = topology_for(pg_dbs, prefix="TD", collections={k: COLLECTIONS[k] for k in ("docs", "notes")})
    path = make_topology(data, env)
    apply_topology(path, approve=lambda plan: True)
    gone = copy.deepcopy(data)
    gone["collections"] = {}
    path = make_topology(gone, env)

    plan, _ = make_plan(path, targets=["docs"])
    kinds = {(c.kind.value, c.name, c.action.value) for c in plan.changes}
    assert ("collection", "docs", "delete") in kinds and ("foreign_table", "docs", "delete") in kinds
    # notes' foreign table still uses the server, the mapping and the reader role: they stay.
    assert not {kind for kind, _, _ in kinds} & {"foreign_server", "user_mapping", "role"}
    apply_topology(path, approve=lambda plan: True, targets=["docs"], options=ApplyOptions(allow_destroy=True))
    assert relations(pg_dbs.secondary1) == {"vecs.notes", "vtopo.notes"}
    with pg_dbs.primary.connect() as conn:
        assert conn.execute("SELECT count(*) FROM public.notes").fetchone() == (0,)  # still served


def test_unknown_target_is_a_clear_error(pg_dbs, make_topology):
    data, env = topology_for(pg_dbs, prefix="TU", collections={"docs": COLLECTIONS["docs"]})
    path = make_topology(data, env)
    run = run_vtopo("plan", "-f", str(path), "--target", "doc", "--target", "pod9", env=env)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "unknown target 'doc'; did you mean 'docs'?" in run.stderr
    assert "unknown target 'pod9'" in run.stderr and "hint: targets are database keys (app, pod1, pod2)" in run.stderr
    saved = path.parent / "plan.json"
    assert run_vtopo("plan", "-f", str(path), "--out", str(saved), env=env).returncode == 0
    run = run_vtopo("apply", str(saved), "-f", str(path), "--target", "docs", env=env)
    assert run.returncode == 1 and "--target cannot be used with a saved plan" in run.stderr
