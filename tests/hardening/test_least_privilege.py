"""Least privilege, checked by logging in as the roles involved (never by reading ACLs alone).

On a secondary, the FDW login role (with the password the primary's user mapping holds) can
read its exposure views and nothing else: not the vecs tables, not a collection that is not
exposed, and it cannot write. Going through the primary's foreign server does not widen that.
On the primary, a role not in expose.grant cannot read an exposed view, its foreign table or
vtopo's journal, and nobody but the owner sees the FDW password.
"""

from __future__ import annotations

import urllib.parse

import psycopg
from psycopg import sql
import pytest

from integration.helpers import OUTSIDER, READER, execute, gallery_collections, insert_vectors
from vtopo.operations import make_plan
from vtopo.spec.names import owned_reader_role_name

DENIED = psycopg.errors.InsufficientPrivilege


@pytest.fixture
def wired(make_topo):
    collections = gallery_collections()
    collections["drafts"] = {"database": "pod1", "dimension": 8}  # on pod1, not exposed
    topo = make_topo(collections)
    topo.setup_apply()
    insert_vectors(topo.db("pod1"), "articles", [("a1", [1] * 8, {"lang": "de"})])
    insert_vectors(topo.db("pod1"), "drafts", [("d1", [2] * 8, {"secret": "draft"})])
    return topo


def reader_role_of(topo, key: str) -> str:
    """The reader role vtopo names after the secondary's database (unique per topology)."""
    return owned_reader_role_name(key, topo.db(key).dbname)


def login_as_reader(topo, key: str) -> psycopg.Connection:
    """Connect to the secondary as its FDW role, exactly as postgres_fdw does."""
    db = topo.db(key)
    password = urllib.parse.quote(topo.env[f"IT_{key.upper()}_FDW_PASSWORD"], safe="")
    return psycopg.connect(f"postgresql://{reader_role_of(topo, key)}:{password}@{db.host}:{db.port}/{db.dbname}", autocommit=True)


def denied(conn: psycopg.Connection, statement: str) -> None:
    with pytest.raises(DENIED, match="permission denied"):
        conn.execute(statement)


def test_the_fdw_role_reads_only_the_exposure_views_and_cannot_write(wired):
    with login_as_reader(wired, "pod1") as conn:
        assert conn.execute("select id, lang from vtopo.articles").fetchall() == [("a1", "de")]
        for statement in (
            "select * from vecs.articles",
            "select * from vecs.drafts",  # another collection, not exposed
            "insert into vtopo.articles (id, embedding) values ('x', '[1,1,1,1,1,1,1,1]')",  # the view is auto-updatable
            "update vtopo.articles set metadata = '{}'",
            "delete from vtopo.articles",
            "truncate vecs.articles",
            "create table vecs.planted (id int)",
            "create table public.planted (id int)",
            "create view vtopo.planted as select 1",
        ):
            denied(conn, statement)
        assert conn.execute("select to_regclass('vtopo.drafts')").fetchone() == (None,)  # no view for it
        assert conn.execute("select rolsuper or rolcreaterole or rolcreatedb from pg_roles where rolname = current_user").fetchone() == (False,)
        # PostgreSQL lets every role set its own session defaults: that is drift the plan shows
        # (and apply resets), not a privilege the role was given.
        conn.execute(sql.SQL("alter role current_user in database {} set hnsw.ef_search = 1").format(sql.Identifier(wired.db("pod1").dbname)))
    drift = {(c.kind.value, c.name, c.action.value) for c in make_plan(wired.path)[0].changes}
    assert drift == {("role_setting", f"{reader_role_of(wired, 'pod1')}:hnsw.ef_search", "update")}, drift
    with login_as_reader(wired, "pod2") as conn:
        assert conn.execute("select count(*) from vtopo.clips").fetchone() == (0,)
        denied(conn, "select * from vecs.clips")
        denied(conn, "insert into vtopo.clips (id, embedding) values ('x', '[1,1,1,1]')")


def test_the_foreign_server_does_not_widen_what_the_fdw_role_may_do(wired):
    """Even the primary's superuser, pointing a foreign table of vtopo's server at pod1's vecs
    tables, is refused by pod1: the remote role is the limit. Writes through vtopo's own foreign
    table are refused the same way."""
    app = wired.db("app")
    execute(
        app,
        "create foreign table public.sneak (id text, metadata jsonb) server vtopo_pod1 options (schema_name 'vecs', table_name 'drafts')",
    )
    with app.connect() as conn:
        with pytest.raises(psycopg.Error, match="permission denied for (schema vecs|table drafts)"):
            conn.execute("select * from public.sneak")
        # vtopo's foreign tables are read-only (updatable 'false'); the remote role could not write either.
        with pytest.raises(psycopg.Error, match="does not allow inserts|permission denied for view articles"):
            conn.execute("insert into vtopo.articles (id, embedding, metadata) values ('x', '[1,1,1,1,1,1,1,1]', '{}')")
    execute(app, "drop foreign table public.sneak")


def test_a_role_not_in_expose_grant_reads_nothing_on_the_primary(wired):
    app = wired.db("app")
    execute(app, f"create role {OUTSIDER}", f"grant usage on schema vtopo, vecs to {OUTSIDER}")
    with app.connect() as conn:
        conn.execute(f"set role {OUTSIDER}")
        for relation in ("public.articles", "vtopo.articles", "public.clips", "vtopo.clips", "public.faces", "vecs.faces", "vtopo._apply_journal"):
            with pytest.raises(DENIED, match="permission denied"):
                conn.execute(f"select * from {relation}")
        # The PUBLIC user mapping's options (the FDW password) are hidden from non-owners.
        assert conn.execute("select umoptions from pg_user_mappings where srvname = 'vtopo_pod1'").fetchall() == [(None,)]


def test_a_granted_role_reads_the_views_but_cannot_write_nor_use_the_server(wired):
    app = wired.db("app")
    with app.connect() as conn:
        conn.execute(f"set role {READER}")
        assert conn.execute("select id, lang from public.articles").fetchall() == [("a1", "de")]
        assert conn.execute("select umoptions from pg_user_mappings where srvname = 'vtopo_pod1'").fetchall() == [(None,)]
        for statement in (
            "insert into public.articles (id, embedding, metadata) values ('x', '[1,1,1,1,1,1,1,1]', '{}')",
            "delete from public.faces",
            "select * from vtopo._apply_journal",
            "create foreign table vtopo.sneak (id text) server vtopo_pod1 options (schema_name 'vecs', table_name 'drafts')",
        ):
            with pytest.raises(DENIED, match="permission denied"):
                conn.execute(statement)
