"""Two topologies on the same servers (same database keys, other databases) leave each other alone.

Roles are cluster-wide: each topology's reader role carries its owner (topology and database)
in its mark and a name unique per database, its settings are set IN DATABASE, and neither
topology's plan ever names the other's objects. A role of the wanted name that is another
database's stops the plan with an error naming the owner and the key to set. A deployment made
before roles had owners (role `vtopo_fdw_<key>`, settings for every database) is adopted: the
role keeps its name and login, is marked, and its settings move into its database.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from harness import topology_for, write_topology
from harness.databases import create_databases
from psycopg import sql

from vtopo.spec.names import owned_reader_role_name

from .helpers import READER, Topo, changes_of, rows, scalar, vtopo

ARTICLES = {
    "database": "pod1",
    "dimension": 3,
    "metadata": {"lang": {"type": "text", "index": True}},
    "search": {"ef_search": 60},
    "expose": {"view": "public.articles", "grant": [READER]},
}


@pytest.fixture
def other_dbs(pg_servers, pg_dbs):
    """A second set of fresh databases on the same three servers (for topology B). Dropped
    before pg_dbs's cleanup, which then drops every role the test made."""
    dbs = create_databases(pg_servers)
    try:
        yield dbs
    finally:
        for db in dbs:
            with db.server.connect() as conn:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(db.dbname)))


def make(dbs, tmp_path, monkeypatch, prefix: str, collections, fdw_passwords=None) -> Topo:
    data, env = topology_for(dbs, prefix=prefix, collections=copy.deepcopy(collections), fdw_passwords=fdw_passwords)
    path = write_topology(tmp_path / f"{prefix.lower()}.yaml", data, env=env, monkeypatch=monkeypatch)
    return Topo(path, data, env, dbs, monkeypatch)


def settings_in(db, role: str) -> dict[str, str]:
    """The role's settings for this database (ALTER ROLE ... IN DATABASE ... SET)."""
    config = scalar(db, "select s.setconfig from pg_db_role_setting s join pg_roles r on r.oid = s.setrole"
                        " join pg_database d on d.oid = s.setdatabase where r.rolname = %s and d.datname = current_database()", (role,))
    return dict(item.split("=", 1) for item in config or [])


def global_settings(db, role: str) -> dict[str, str]:
    config = scalar(db, "select s.setconfig from pg_db_role_setting s join pg_roles r on r.oid = s.setrole"
                        " where r.rolname = %s and s.setdatabase = 0", (role,))
    return dict(item.split("=", 1) for item in config or [])


def mark(db, role: str) -> dict:
    comment = scalar(db, "select shobj_description(oid, 'pg_authid') from pg_roles where rolname = %s", (role,))
    assert comment and comment.startswith("vtopo:"), comment
    return json.loads(comment[len("vtopo:"):])


def plan_changes(topo: Topo) -> set[tuple[str, str, str, str]]:
    return changes_of(json.loads(topo.plan("--format", "json").stdout))


def reads_and_checks(topo: Topo, ef_search: str) -> None:
    """Reads through the primary work, `vtopo check` passes, the reader role has its own ef_search."""
    role = owned_reader_role_name("pod1", topo.db("pod1").dbname)
    assert scalar(topo.db("app"), "select count(*) from public.articles") >= 0
    vtopo("check", "-f", str(topo.path))
    assert settings_in(topo.db("pod1"), role)["hnsw.ef_search"] == ef_search
    assert global_settings(topo.db("pod1"), role) == {}


def test_two_topologies_on_the_same_servers_apply_change_and_destroy_independently(pg_dbs, other_dbs, tmp_path, monkeypatch):
    a = make(pg_dbs, tmp_path, monkeypatch, "TA", {"articles": ARTICLES})
    b = make(other_dbs, tmp_path, monkeypatch, "TB", {"articles": {**ARTICLES, "search": {"ef_search": 200}}})
    role_a = owned_reader_role_name("pod1", pg_dbs.secondary1.dbname)
    role_b = owned_reader_role_name("pod1", other_dbs.secondary1.dbname)
    assert role_a != role_b

    a.apply_auto()
    assert ("pod1", "role", role_a, "delete") not in plan_changes(b)
    assert all(role_a not in name for _, _, name, _ in plan_changes(b))  # B's fresh plan leaves A's role alone
    b.apply_auto()
    assert mark(pg_dbs.secondary1, role_a) == {"purpose": "reader", "topology": "ta-test", "database": pg_dbs.secondary1.dbname}
    assert mark(other_dbs.secondary1, role_b)["database"] == other_dbs.secondary1.dbname
    a.assert_converged()
    reads_and_checks(a, "60")
    reads_and_checks(b, "200")

    # B changes its search settings: only B's role changes.
    b.collections["articles"]["search"] = {"ef_search": 100}
    b.write()
    assert plan_changes(b) == {("pod1", "role_setting", f"{role_b}:hnsw.ef_search", "update")}
    b.apply_auto()
    a.assert_converged()
    reads_and_checks(a, "60")
    reads_and_checks(b, "100")

    # B stops exposing: B's reader role goes (it was B's alone), A's stays and serves A.
    del b.collections["articles"]["expose"]
    b.write()
    dropped = plan_changes(b)
    assert ("pod1", "role", role_b, "delete") in dropped
    assert all(role_a not in name for _, _, name, _ in dropped)
    b.apply_auto()
    assert not scalar(pg_dbs.secondary1, "select count(*) from pg_roles where rolname = %s", (role_b,))
    a.assert_converged()
    reads_and_checks(a, "60")

    # B is destroyed entirely; A is still whole.
    del b.data["collections"]
    b.write()
    b.apply_auto()
    b.assert_converged()
    a.assert_converged()
    reads_and_checks(a, "60")

    # And A can change and go on without B.
    a.collections["articles"]["search"] = {"ef_search": 80}
    a.write()
    assert plan_changes(a) == {("pod1", "role_setting", f"{role_a}:hnsw.ef_search", "update")}
    a.apply_auto()
    reads_and_checks(a, "80")


def test_a_role_of_the_wanted_name_owned_by_another_topology_stops_the_plan(pg_dbs, other_dbs, tmp_path, monkeypatch):
    a = make(pg_dbs, tmp_path, monkeypatch, "TA", {"articles": ARTICLES})
    a.apply_auto()
    role_a = owned_reader_role_name("pod1", pg_dbs.secondary1.dbname)
    b = make(other_dbs, tmp_path, monkeypatch, "TB", {"articles": ARTICLES})
    b.data["databases"]["pod1"]["fdw"]["user"] = role_a
    b.write()
    refused = b.plan(expect=1)
    message = refused.stdout + refused.stderr
    assert f"role {role_a} belongs to topology 'ta-test', database '{pg_dbs.secondary1.dbname}'" in message, message
    assert "set databases.pod1.fdw.user to another name" in message, message
    a.assert_converged()


def make_legacy(topo: Topo) -> str:
    """Turn an applied deployment into what vtopo made before roles had owners: the reader role
    `vtopo_fdw_pod1`, marked without an owner, its settings set for every database."""
    pod1, app = topo.db("pod1"), topo.db("app")
    role = owned_reader_role_name("pod1", pod1.dbname)
    settings = settings_in(pod1, role)
    name = sql.Identifier("vtopo_fdw_pod1")
    with pod1.connect() as conn:
        conn.execute(sql.SQL("alter role {} rename to {}").format(sql.Identifier(role), name))
        conn.execute(sql.SQL("comment on role {} is 'vtopo:{{\"purpose\": \"reader\"}}'").format(name))
        conn.execute(sql.SQL("alter role {} in database {} reset all").format(name, sql.Identifier(pod1.dbname)))
        for setting, value in settings.items():
            conn.execute(sql.SQL("alter role {} set {} = {}").format(name, sql.SQL(setting), sql.Literal(value)))
    with app.connect() as conn:
        conn.execute("alter user mapping for public server vtopo_pod1 options (set user 'vtopo_fdw_pod1')")
    return "vtopo_fdw_pod1"


def test_a_deployment_made_before_roles_had_owners_is_adopted_not_recreated(pg_dbs, other_dbs, tmp_path, monkeypatch):
    a = make(pg_dbs, tmp_path, monkeypatch, "TA", {"articles": ARTICLES})
    a.apply_auto()
    pod1 = a.db("pod1")
    legacy = make_legacy(a)
    oid = scalar(pod1, "select oid from pg_roles where rolname = %s", (legacy,))
    assert scalar(a.db("app"), "select count(*) from public.articles") == 0  # reads work as the legacy role

    # Another topology on the same servers never touches the legacy role (it is not its database's).
    b = make(other_dbs, tmp_path, monkeypatch, "TB", {"articles": ARTICLES})
    assert all(legacy not in re.split(r"[ :@]", name) for _, _, name, _ in plan_changes(b))

    changes = plan_changes(a)
    assert ("pod1", "role", legacy, "update") in changes, changes
    assert not {c for c in changes if c[1] == "role" and c[3] != "update"}, changes  # no drop, no create
    assert not {c for c in changes if c[1] in ("user_mapping", "grant")}, changes
    assert ("pod1", "role_setting", f"{legacy}:hnsw.ef_search", "create") in changes
    assert ("pod1", "role_setting", f"{legacy}:hnsw.ef_search@global", "delete") in changes
    a.apply_auto()
    assert scalar(pod1, "select oid from pg_roles where rolname = %s", (legacy,)) == oid
    assert mark(pod1, legacy)["database"] == pod1.dbname
    assert global_settings(pod1, legacy) == {}
    assert settings_in(pod1, legacy)["hnsw.ef_search"] == "60"
    assert rows(a.db("app"), "select umoptions from pg_user_mappings where srvname = 'vtopo_pod1'")[0][0].count("user=vtopo_fdw_pod1") == 1
    a.assert_converged()
    vtopo("check", "-f", str(a.path))
    b.apply_auto()  # B gets its own role, A's legacy one stays A's
    a.assert_converged()
    assert settings_in(pod1, legacy)["hnsw.ef_search"] == "60"


def test_a_role_two_deployments_shared_before_roles_had_owners_is_never_dropped_by_one(pg_dbs, other_dbs, tmp_path, monkeypatch):
    """The issue's failure: B stops exposing and its plan dropped the role A still uses."""
    a = make(pg_dbs, tmp_path, monkeypatch, "TA", {"articles": ARTICLES})
    a.apply_auto()
    legacy = make_legacy(a)
    shared_password = a.env["TA_POD1_FDW_PASSWORD"]  # one login for both, as before roles had owners
    b = make(other_dbs, tmp_path, monkeypatch, "TB", {"articles": ARTICLES}, fdw_passwords={"pod1": shared_password})
    b.apply_auto()
    # B as the earlier vtopo left it: the same login, vtopo_fdw_pod1, for B's database too.
    role_b, pod1_b = owned_reader_role_name("pod1", other_dbs.secondary1.dbname), other_dbs.secondary1
    with pod1_b.connect() as conn:
        conn.execute(f"grant usage on schema vtopo to {legacy}")
        conn.execute(f"grant select on vtopo.articles to {legacy}")
        conn.execute(f"drop owned by {role_b}")
        conn.execute(f"drop role {role_b}")
    with other_dbs.primary.connect() as conn:
        conn.execute(f"alter user mapping for public server vtopo_pod1 options (set user '{legacy}')")
    assert scalar(other_dbs.primary, "select count(*) from public.articles") == 0

    del b.collections["articles"]["expose"]
    b.write()
    changes = plan_changes(b)
    assert ("pod1", "role", legacy, "delete") not in changes, changes
    b.apply_auto()  # used to fail: role "vtopo_fdw_pod1" cannot be dropped because some objects depend on it
    assert scalar(pg_dbs.secondary1, "select count(*) from pg_roles where rolname = %s", (legacy,)) == 1
    assert not scalar(pod1_b, "select has_schema_privilege(%s, 'vtopo', 'USAGE')", (legacy,))
    b.assert_converged()
    a.apply_auto()
    a.assert_converged()
    reads_and_checks_as(a, legacy, "60")


def reads_and_checks_as(topo: Topo, role: str, ef_search: str) -> None:
    assert scalar(topo.db("app"), "select count(*) from public.articles") == 0
    vtopo("check", "-f", str(topo.path))
    assert settings_in(topo.db("pod1"), role)["hnsw.ef_search"] == ef_search
