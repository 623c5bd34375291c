"""Every command, run with a known password in the DSNs (a superuser's) and in the FDW secrets,
and with failures provoked: a wrong DSN password, an unreachable host, a DSN that does not
parse, a wrong FDW password, a user-mapping statement the server rejects while quoting it,
a `--dsn` given without NAME=. Everything a person or a pipeline could see (stdout, stderr,
plan files, JSON, Markdown, inspect's output, the apply journal) is searched for each password
in every form it could leak in (raw, URL-encoded, SQL-quoted): never found. DSNs that are
shown have the password masked.

`vtopo dev env` is the one command whose job is to print secrets (for `eval`); `vtopo demo`
starts servers of its own (tests/test_quickstart.py runs it).
"""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor
import urllib.parse
from pathlib import Path

import pytest
from psycopg import sql

from harness import run_vtopo
from vtopo.spec.names import owned_reader_role_name
from integration.helpers import assert_no_secret, execute, rows

# A quote, a semicolon, a percent sign, a backslash, spaces and SQL comment characters.
DSN_PASSWORD = "dsn K3y'; --% \\x"
FDW_PASSWORD = "fdw K3y'); drop table x; --% 7"
FDW_PASSWORD_2 = "second fdw pw' or '1'='1"
ROTATED_PASSWORD = "rotated fdw'; 99% pw"
WRONG_PASSWORD = "wrong pw'; 5%"
ADMIN = "hard_admin"

REJECT_USER_MAPPINGS = [
    "create function public.hard_reject() returns event_trigger language plpgsql as $$"
    " begin raise exception 'invalid user mapping option in: %', current_query(); end $$",
    "create event trigger hard_reject on ddl_command_end when tag in ('ALTER USER MAPPING', 'CREATE USER MAPPING')"
    " execute function public.hard_reject()",
]


def dsn_for(db, password: str, *, port: int | None = None) -> str:
    return f"postgresql://{ADMIN}:{urllib.parse.quote(password, safe='')}@{db.host}:{port or db.port}/{db.dbname}"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def secret_topo(make_topo):
    topo = make_topo(fdw_passwords={"pod1": FDW_PASSWORD, "pod2": FDW_PASSWORD_2}, prefix="HS")
    for db in topo.dbs:
        execute(db, sql.SQL("create role {} superuser login password {}").format(sql.Identifier(ADMIN), sql.Literal(DSN_PASSWORD)))
    for key in ("app", "pod1", "pod2"):
        topo.setenv(f"HS_{key.upper()}_DSN", dsn_for(topo.db(key), DSN_PASSWORD))
    return topo


class Transcript:
    """Every output of every command of the test, to be searched at the end."""

    def __init__(self, topo) -> None:
        self.topo, self.texts, self.commands = topo, [], []

    def run(self, *args: str, expect: int | tuple[int, ...] = 0, file: bool = True):
        command = [args[0], *(("-f", str(self.topo.path)) if file else ()), *args[1:]]
        result = run_vtopo(*command)
        self.commands.append(" ".join(command))
        self.texts += [result.stdout, result.stderr]
        allowed = expect if isinstance(expect, tuple) else (expect,)
        assert result.returncode in allowed, f"vtopo {' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        return result

    def run_all(self, *commands: tuple, expect: int = 0) -> list:
        """Independent commands at once (each is mostly a Python start-up)."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda args: self.run(*args, expect=expect), commands))

    def keep(self, *texts: str) -> None:
        self.texts += list(texts)


def test_no_command_ever_shows_a_password(secret_topo, tmp_path):
    topo, t = secret_topo, Transcript(secret_topo)
    app = topo.db("app")

    # Offline, and plans in every format (and a saved plan, then applied).
    plan_file = tmp_path / "plan.json"
    t.run("schema", file=False)
    _, _, text, as_json, _, _ = t.run_all(
        ("validate",), ("graph", "--format", "mermaid"), ("plan",), ("plan", "--format", "json"),
        ("plan", "--format", "markdown"), ("plan", "--out", str(plan_file)),
    )
    assert "PASSWORD '(sensitive)'" in text.stdout and "password '(sensitive)'" in text.stdout, text.stdout
    document = json.loads(as_json.stdout)
    assert any("(sensitive)" in s["sql"] for step in document["steps"] for s in step["statements"])
    t.keep(plan_file.read_text())
    t.run("apply", str(plan_file))

    # Everything that reads the live databases.
    inspected = tmp_path / "inspected.yaml"
    vectors = tmp_path / "v.jsonl"
    vectors.write_text(json.dumps({"id": "a1", "vector": [1] * 8, "metadata": {"lang": "de"}}) + "\n")
    status, *_ = t.run_all(
        ("status",), ("status", "--format", "json"), ("check", "--format", "json"), ("graph", "--live"),
        ("inspect", "--out", str(inspected)), ("load", "articles", str(vectors)),
    )
    assert "password=(sensitive)" in status.stdout and f"user={ADMIN}" in status.stdout, status.stdout  # the DSN, masked
    t.keep(inspected.read_text())
    t.run("inspect", "--dsn", f"app={topo.env['HS_APP_DSN']}", "--dsn", f"pod1={topo.env['HS_POD1_DSN']}", file=False)
    t.run("query", "articles", "--vector", json.dumps([1] * 8), "--via", "primary", "--format", "json")
    t.run("dev", "status", "-f", str(topo.path), file=False)

    # A wrong DSN password, everywhere it is used.
    topo.setenv("HS_APP_DSN", dsn_for(app, WRONG_PASSWORD))
    for result in t.run_all(("plan",), ("apply", "--auto-approve"), ("status",), ("check",), ("graph", "--live"), ("inspect",),
                            ("query", "faces", "--vector", "[1,0,0,0]"), expect=1):
        assert "password authentication failed" in result.stderr, result.stderr
    # An unreachable host, and a DSN that does not parse (key=value, the password breaking it up).
    topo.setenv("HS_APP_DSN", dsn_for(app, DSN_PASSWORD, port=closed_port()))
    assert "cannot connect" in t.run("apply", "--auto-approve", expect=1).stderr
    assert "cannot connect" in t.run("status", expect=1).stderr
    topo.setenv("HS_POD1_DSN", f"host={app.host} port={app.port} user={ADMIN} password={DSN_PASSWORD} dbname=x")
    assert "not a valid libpq connection string" in t.run("plan", expect=1).stderr
    # --dsn without NAME= (the DSN itself taken for the name).
    t.run("inspect", "--dsn", topo.env["HS_APP_DSN"], file=False, expect=1)
    t.run("inspect", "--dsn", topo.env["HS_APP_DSN"] + "?sslmode=disable", file=False, expect=1)
    topo.setenv("HS_APP_DSN", dsn_for(app, DSN_PASSWORD))
    topo.setenv("HS_POD1_DSN", dsn_for(topo.db("pod1"), DSN_PASSWORD))

    # A wrong FDW password on pod1's side: searches through the primary fail with the server's
    # reason (which names the role, never the password).
    reader = owned_reader_role_name("pod1", topo.db("pod1").dbname)
    execute(topo.db("pod1"), sql.SQL("alter role {} password {}").format(sql.Identifier(reader), sql.Literal(WRONG_PASSWORD)))
    failed = t.run("query", "articles", "--vector", json.dumps([1] * 8), "--via", "primary", expect=1).stderr
    assert "the primary could not reach database 'pod1' through postgres_fdw" in failed
    assert f'password authentication failed for user "{reader}"' in failed
    t.run("check", expect=1)
    # The rotation to a new FDW password is refused by the primary, whose error quotes the
    # whole statement, user-mapping options and all.
    execute(app, *REJECT_USER_MAPPINGS)
    topo.setenv("HS_POD1_FDW_PASSWORD", ROTATED_PASSWORD)
    failed = t.run("apply", "--auto-approve", expect=1)
    assert "database 'app': update user_mapping vtopo_pod1:public failed: invalid user mapping option in: ALTER USER MAPPING" in failed.stderr, failed.stderr
    assert "'(sensitive)'" in failed.stderr, failed.stderr
    t.run("status", "--format", "json")
    t.keep(*(json.dumps(row, default=str) for row in rows(app, "select * from vtopo._apply_journal")))

    # A literal password in the file is refused without being repeated.
    literal = tmp_path / "literal.yaml"
    literal.write_text(Path(topo.path).read_text().replace("${env:HS_APP_DSN}", dsn_for(app, DSN_PASSWORD)))
    assert "literal password" in t.run("validate", "-f", str(literal), file=False, expect=1).stderr

    assert len(t.commands) >= 30, t.commands
    assert_no_secret(t.texts, [DSN_PASSWORD, FDW_PASSWORD, FDW_PASSWORD_2, ROTATED_PASSWORD, WRONG_PASSWORD])
