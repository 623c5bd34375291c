"""Secrets never leave vtopo: not in plans (text, JSON, Markdown, files), apply output or errors;
a password shows as (sensitive). A changed FDW password is rotated on both ends."""

from __future__ import annotations

import json
import urllib.parse

import psycopg
import pytest
from psycopg import sql

from .helpers import READER, assert_no_secret, changes_of, execute, hazards_of, insert_vectors, user_mapping_options

FDW_PASSWORD = "it's; 100% fdw s3cret"
DSN_PASSWORD = "dsn pw'; 42% x"
WRONG_DSN_PASSWORD = "wrong dsn; 7% 'pw"
HIDDEN_BAD_PASSWORD = "md5 bad; 9% 'pw"
ROTATED_PASSWORD = "rotated 'fdw'; 55% pw"
ADMIN = "itest_admin"


def admin_dsn(db, password: str, port: int | None = None) -> str:
    return f"postgresql://{ADMIN}:{urllib.parse.quote(password, safe='')}@{db.host}:{port or db.port}/{db.dbname}"


@pytest.fixture
def secret_topo(make_topo):
    """The gallery, with DSNs of a superuser whose password is recognisable, and a recognisable
    FDW password for pod1 (both with a quote, a semicolon, a percent sign and spaces)."""
    topo = make_topo(fdw_passwords={"pod1": FDW_PASSWORD})
    for db in topo.dbs:
        execute(db, sql.SQL("create role {} superuser login password {}").format(sql.Identifier(ADMIN), sql.Literal(DSN_PASSWORD)))
    for key in ("app", "pod1", "pod2"):
        topo.setenv(f"IT_{key.upper()}_DSN", admin_dsn(topo.db(key), DSN_PASSWORD))
    return topo


def query_through_primary(topo) -> list[tuple]:
    with topo.db("app").connect() as conn:
        conn.execute(f"set role {READER}")
        return conn.execute("select id, lang from public.articles order by id").fetchall()


def test_secrets_never_appear_in_plans_apply_output_or_errors(secret_topo, tmp_path):
    topo, outputs = secret_topo, []

    def keep(result):
        outputs.extend([result.stdout, result.stderr])
        return result

    text = keep(topo.plan()).stdout
    assert "PASSWORD '(sensitive)'" in text and "password '(sensitive)'" in text, text
    document = json.loads(keep(topo.plan("--format", "json")).stdout)
    assert any("(sensitive)" in s["sql"] for step in document["steps"] for s in step["statements"])
    keep(topo.plan("--format", "markdown"))
    keep(topo.plan("--out", str(tmp_path / "p.json")))
    outputs.append((tmp_path / "p.json").read_text())
    keep(topo.apply_auto())
    keep(topo.plan("--format", "json", "--detailed-exitcode"))
    insert_vectors(topo.db("pod1"), "articles", [("a1", [1] * 8, {"lang": "de"})])
    assert query_through_primary(topo) == [("a1", "de")]  # the quoted FDW password works

    # Failing commands: a wrong DSN password, a closed port.
    topo.setenv("IT_APP_DSN", admin_dsn(topo.db("app"), WRONG_DSN_PASSWORD))
    assert "password authentication failed" in keep(topo.plan(expect=1)).stderr
    topo.setenv("IT_APP_DSN", admin_dsn(topo.db("app"), DSN_PASSWORD, port=1))
    assert "cannot connect" in keep(topo.apply_auto(expect=1)).stderr
    topo.setenv("IT_APP_DSN", admin_dsn(topo.db("app"), DSN_PASSWORD))

    # A bad FDW password vtopo cannot see (an md5 verifier is not comparable): queries through
    # the primary fail, and so does apply's closing check of a new collection (no DDL step
    # reaches the secondary through the FDW: foreign-table statistics are pinned, not ANALYZEd).
    execute(topo.db("pod1"), "set password_encryption = 'md5'",
            sql.SQL("alter role {} password {}").format(sql.Identifier(topo.reader("pod1")), sql.Literal(HIDDEN_BAD_PASSWORD)))
    with pytest.raises(psycopg.Error, match="password authentication failed"):
        query_through_primary(topo)
    topo.collections["notes"] = {"database": "pod1", "dimension": 4, "expose": {"view": "public.notes"}}
    topo.write()
    failed = keep(topo.apply_auto(expect=1))
    assert "password authentication failed" in failed.stdout and topo.reader("pod1") in failed.stdout, failed.stdout
    assert "the topology is applied, but some checks failed" in failed.stderr, failed.stderr

    assert len(outputs) >= 17
    assert_no_secret(outputs, [FDW_PASSWORD, DSN_PASSWORD, WRONG_DSN_PASSWORD, HIDDEN_BAD_PASSWORD])


def test_a_changed_fdw_password_is_rotated_on_the_role_and_the_user_mapping(secret_topo):
    topo = secret_topo
    topo.setup_apply()
    reader = topo.reader("pod1")

    topo.setenv("IT_POD1_FDW_PASSWORD", ROTATED_PASSWORD)
    shown = topo.plan("--detailed-exitcode", expect=2)
    assert f"~ role {reader}" in shown.stdout and "~ user_mapping vtopo_pod1:public" in shown.stdout, shown.stdout
    assert "password changed (sensitive)" in shown.stdout
    document = topo.plan_document()
    assert changes_of(document) == {("pod1", "role", reader, "update"), ("app", "user_mapping", "vtopo_pod1:public", "update")}
    assert hazards_of(document, "role", reader) == {"touches_secret"}
    assert hazards_of(document, "user_mapping", "vtopo_pod1:public") == {"touches_secret"}

    applied = topo.apply_auto()
    assert_no_secret([shown.stdout, shown.stderr, json.dumps(document), applied.stdout, applied.stderr], [FDW_PASSWORD, ROTATED_PASSWORD])
    assert user_mapping_options(topo.db("app"), "vtopo_pod1")["password"] == ROTATED_PASSWORD
    insert_vectors(topo.db("pod1"), "articles", [("a1", [1] * 8, {"lang": "de"})])
    assert query_through_primary(topo) == [("a1", "de")]
