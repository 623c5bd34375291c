"""`vtopo query`: routing, output formats, and one-screen errors without tracebacks."""

from __future__ import annotations

import json

import pytest
from psycopg import sql
from harness import run_vtopo

import vtopo
from vtopo.cli import main

PREFIX = "QC"
COLLECTIONS = {
    "posts": {
        "database": "pod1", "dimension": 3,
        "metadata": {"lang": {"type": "text", "index": True}},
        "expose": {"view": "public.posts"},
    },
}
POSTS = [(f"post-{i}", [1.0, i / 7, -(i % 4)], {"lang": ["en", "de", "fr"][i % 3], "n": i}) for i in range(24)]


@pytest.fixture(scope="module")
def topology(applied):
    with vtopo.connect(applied.path) as client:
        client.collection("posts").upsert(POSTS)
    return applied


def run(capsys, *args):
    """The CLI in this process (fast); exit code, stdout, stderr."""
    try:
        main(list(args))
    except SystemExit as done:
        code = done.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table_output_with_metadata(topology, capsys):
    code, out, err = run(capsys, "query", "posts", "-f", str(topology.path), "--vector", "[1, 0.5, 0]", "--limit", "3",
                         "--include-metadata")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["id", "distance", "metadata"]
    assert len(lines) == 4 and all(line.startswith("post-") for line in lines[1:])
    assert '"lang": ' in lines[1]
    assert "3 row(s) from posts (direct, database pod1, cosine)" in err


def test_json_through_the_primary_matches_the_api(topology, capsys):
    filters = '{"$or": [{"lang": {"$eq": "de"}}, {"n": {"$lt": 3}}]}'
    code, out, err = run(capsys, "query", "posts", "-f", str(topology.path), "--vector", "[1, 0.5, 0]",
                         "--filter", filters, "--via", "primary", "--format", "json", "--limit", "5")
    assert code == 0, err
    rows = json.loads(out)
    with vtopo.connect(topology.path) as client:
        expected = client.collection("posts").query([1, 0.5, 0], limit=5, filters=json.loads(filters), include_value=True)
    assert [(r["id"], pytest.approx(r["distance"])) for r in rows] == [(i, d) for i, d in expected]
    assert "(primary, database app, cosine)" in err


def test_like_and_arguments_from_files(topology, capsys, tmp_path):
    (tmp_path / "f.json").write_text('{"lang": {"$eq": "fr"}}')
    code, out, err = run(capsys, "query", "posts", "-f", str(topology.path), "--like", "post-2",
                         "--filter", f"@{tmp_path / 'f.json'}", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows[0] == {"id": "post-2", "distance": pytest.approx(0.0, abs=1e-6)}
    assert {r["id"] for r in rows} <= {p[0] for p in POSTS if p[2]["lang"] == "fr"}
    (tmp_path / "q.json").write_text(json.dumps(POSTS[5][1]))
    code, out, err = run(capsys, "query", "posts", "-f", str(topology.path), "--vector", f"@{tmp_path / 'q.json'}",
                         "--limit", "1", "--format", "json")
    assert json.loads(out)[0]["id"] == "post-5"


@pytest.mark.parametrize(("args", "message"), [
    (["post"], "error: unknown collection 'post'"),
    (["posts", "--filter", '{"lang": {"$eq": "en"}'], "error: filter: --filter is not valid JSON"),
    (["posts", "--filter", '{"lang": "en"}'], 'give an operator: {"lang": {"$eq": "en"}}'),
    (["posts", "--vector", "[1, 2]", "--like", "x"], "give exactly one of --vector JSON or --like ID"),
    (["posts", "--vector", "[1, 2, 3, 4]"], "the vector has 4 values; the collection holds vector(3)"),
    (["posts", "--vector", '[1, "a", 3]'], 'the vector holds a non-numeric value: "a"'),
    (["posts", "--vector", "1,2,3"], "--vector is not valid JSON"),
    (["posts", "--vector", "[1, 2, 3]", "--probes", "4"], "has an HNSW index: --probes applies to IVFFlat"),
    (["posts", "--vector", "[1, 2, 3]", "--via", "primary", "--ef-search", "50"], "search settings are the reader role's"),
    (["posts", "--like", "nobody"], "has no row with id 'nobody'"),
    (["posts", "--vector", "@/nonexistent/q.json"], "--vector @/nonexistent/q.json: cannot read"),
])
def test_user_errors_are_one_screen_messages(topology, capsys, args, message):
    vector = [] if {"--vector", "--like"} & set(args) else ["--vector", "[1, 2, 3]"]
    code, out, err = run(capsys, "query", *args, "-f", str(topology.path), *vector)
    assert code == 1
    assert out == ""
    assert message in err, err
    assert "Traceback" not in err


def test_the_real_command_in_a_subprocess(topology):
    done = run_vtopo("query", "posts", "-f", str(topology.path), "--vector", "[1, 0, 0]", "--limit", "2",
                     "--format", "json", env=topology.env)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 2
    failed = run_vtopo("query", "posts", "-f", str(topology.path), "--vector", "[1, 0]", env=topology.env)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    for secret in topology.env.values():
        assert secret not in done.stdout + done.stderr + failed.stderr


def test_fdw_login_failure_names_the_reason_and_the_fix(topology, capsys):
    # The primary's user mapping holds a wrong password: postgres_fdw's own message is only
    # "could not connect to server"; the query error gives the server's reason and the fix.
    wrong = "Wr0ng-fdw-secret"
    with topology.dbs.primary.connect() as conn:
        (server,) = conn.execute("select srvname from pg_foreign_server").fetchone()
        (options,) = conn.execute("select umoptions from pg_user_mappings where srvname = %s", (server,)).fetchone()
        right = next(o.split("=", 1)[1] for o in options if o.startswith("password="))
        set_password = "alter user mapping for public server {} options (set password {})"
        conn.execute(sql.SQL(set_password).format(sql.Identifier(server), sql.Literal(wrong)))
        try:
            code, out, err = run(capsys, "query", "posts", "-f", str(topology.path), "--vector", "[1, 0, 0]",
                                 "--via", "primary")
        finally:
            conn.execute(sql.SQL(set_password).format(sql.Identifier(server), sql.Literal(right)))
    assert code == 1 and out == ""
    assert "the primary could not reach database 'pod1' through postgres_fdw" in err, err
    assert "password authentication failed" in err
    assert "hint: check databases.pod1.fdw.password" in err
    assert wrong not in err and right not in err and "Traceback" not in err
