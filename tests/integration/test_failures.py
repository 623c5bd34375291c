"""Failures: conflicts stop the plan, a failed statement rolls its database back, errors are one
clear screen that names the database (exit 1, no traceback), and re-running converges."""

from __future__ import annotations

import socket

import pytest

from vtopo.errors import PlanError
from vtopo.operations import plan_from_state, read_state
from vtopo.spec.loader import load_topology

from .helpers import assert_unchanged, execute, relkind, snapshots

CONFLICTS = {
    # (database, what is created by hand, what the error names)
    "table at the exposed view's name": ("app", ["create table public.articles (id int)"], "exposed_view public.articles"),
    "table at the exposure view's name": ("pod1", ["create schema vtopo", "create table vtopo.articles (id int)"],
                                          "exposure_view articles"),
    "table at the foreign table's name": ("app", ["create schema vtopo", "create table vtopo.clips (id int)"],
                                          "foreign_table clips"),
    "foreign server vtopo did not create": ("app", ["create extension postgres_fdw", "create server vtopo_pod2 foreign data wrapper postgres_fdw"],
                                            "foreign_server vtopo_pod2"),
}


@pytest.mark.parametrize("conflict", list(CONFLICTS))
def test_an_object_vtopo_did_not_create_stops_the_plan(topo, conflict):
    database, statements, label = CONFLICTS[conflict]
    execute(topo.db(database), *statements)
    before = snapshots(topo.dbs)
    for command in (topo.plan, topo.apply_auto):
        message = command(expect=1).stderr
        assert f"database '{database}': {label} exists but was not created by vtopo" in message, message
    assert_unchanged(before, topo.dbs)


FREEZE_VIEWS = [
    "create function public.itest_freeze() returns event_trigger language plpgsql"
    " as $$ begin raise exception 'itest: views are frozen here'; end $$",
    "create event trigger itest_freeze on ddl_command_end when tag in ('CREATE VIEW') execute function public.itest_freeze()",
]


def test_a_failing_statement_rolls_back_its_database_and_a_rerun_converges(topo):
    """pod1's CREATE VIEW (its exposure view) fails after the extension, schemas, reader role,
    table and indexes were created in the same transaction: none of them may remain."""
    pod1, pod2 = topo.db("pod1"), topo.db("pod2")
    execute(pod1, *FREEZE_VIEWS)
    before = snapshots(topo.dbs)

    failed = topo.apply_auto(expect=1)
    message = failed.stderr
    assert "database 'pod1': create exposure_view articles failed: itest: views are frozen here" in message, message
    assert "pod1: failed at create exposure_view articles; its transaction was rolled back" in message, message
    after = snapshots(topo.dbs)
    assert after["pod1"] == before["pod1"], sorted(after["pod1"] - before["pod1"])
    assert after["app"] == before["app"]  # the primary's phase never started
    assert relkind(pod2, "vecs.clips") == "r"  # a secondary already done stays done

    execute(pod1, "drop event trigger itest_freeze")
    assert "verified: a fresh plan is empty" in topo.apply_auto().stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_one_screen_error(stderr: str, *fragments: str) -> None:
    assert stderr.startswith("error: "), stderr
    assert len(stderr.splitlines()) <= 10, stderr
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} not in:\n{stderr}"


def test_unreachable_database(topo):
    topo.setenv("IT_POD2_DSN", f"postgresql://postgres:pw@127.0.0.1:{free_port()}/postgres?connect_timeout=3")
    for command in (topo.plan, topo.apply_auto):
        result = command(expect=1)
        assert_one_screen_error(result.stderr, "database 'pod2': cannot connect", "refused", "hint: is the server running")


def test_wrong_password(topo):
    db = topo.db("pod1")
    topo.setenv("IT_POD1_DSN", f"postgresql://{db.user}:not-the-password@{db.host}:{db.port}/{db.dbname}")
    result = topo.plan(expect=1)
    assert_one_screen_error(result.stderr, "database 'pod1': cannot connect", "password authentication failed", "hint: check the password")


def test_insufficient_privilege_names_the_database_and_step(topo):
    """A login role without CREATE on pod1's database (vector is installed for it by a superuser)."""
    pod1 = topo.db("pod1")
    execute(pod1, "create extension vector", "create role itest_deployer login password 'deployer-pw'")
    topo.setenv("IT_POD1_DSN", f"postgresql://itest_deployer:deployer-pw@{pod1.host}:{pod1.port}/{pod1.dbname}")
    before = snapshots(topo.dbs)

    result = topo.apply_auto(expect=1)
    assert "database 'pod1': create schema vecs failed: permission denied for database" in result.stderr, result.stderr
    assert "pod1: failed at create schema vecs" in result.stderr
    assert len(result.stderr.splitlines()) <= 10, result.stderr
    assert snapshots(topo.dbs)["pod1"] == before["pod1"]

    execute(pod1, "drop extension vector")
    topo.setenv("IT_POD1_DSN", pod1.dsn)
    assert "verified: a fresh plan is empty" in topo.apply_auto().stderr


def test_missing_pgvector_is_reported_before_any_change(topo):
    """pgvector cannot be uninstalled from the test servers: read the real live state, then
    take `vector` out of what pod2's server offers."""
    context = read_state(load_topology(topo.path))
    facts = context.facts["pod2"]
    facts.available.pop("vector")
    facts.extensions.pop("vector", None)
    with pytest.raises(PlanError) as raised:
        plan_from_state(context)
    assert "database 'pod2': extension vector is not available on the server" in raised.value.message
    assert "pod1" not in raised.value.message and "app" not in raised.value.message
    assert "install pgvector" in raised.value.hint
