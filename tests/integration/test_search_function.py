"""Search functions (`expose.function`): what client libraries call for similarity search.

Called the way PostgREST calls them (a transaction, `set local role`, request.jwt.claims,
named arguments, the vector as JSON array text), on rows the real Vecs client wrote
straight into the secondary after apply; results equal direct ones; only granted roles
may call; bad arguments are clear SQL errors; the kept connection survives killed
sessions and an online index replacement.
"""

from __future__ import annotations

import json
import random
import time

import psycopg
import pytest
import vecs
from harness import run_vtopo

from .helpers import Topo, execute, reader_role, rows, scalar

DIMENSION = 8
GRANTEE = "web_anon"


def collections() -> dict:
    return {
        # remote, filterable; ef_search above the row count makes HNSW exact, so equal to direct
        "articles": {
            "database": "pod1", "dimension": DIMENSION, "measure": "cosine",
            "index": {"method": "hnsw", "m": 8, "ef_construction": 32},
            "metadata": {"brand": {"type": "text", "index": True}, "price_cents": {"type": "integer"}},
            "search": {"ef_search": 400},
            "expose": {"view": "public.articles", "grant": [GRANTEE]},
        },
        # on the primary itself, inner product, a custom function name
        "notes": {
            "database": "app", "dimension": DIMENSION, "measure": "inner_product", "index": {"method": "none"},
            "expose": {"view": "public.notes", "grant": [GRANTEE], "function": "public.search_notes"},
        },
        # exposed without a function
        "clips": {
            "database": "pod2", "dimension": DIMENSION, "index": {"method": "none"},
            "expose": {"view": "public.clips", "function": False},
        },
    }


def vector(rng: random.Random) -> list[float]:
    return [round(rng.uniform(-1, 1), 4) for _ in range(DIMENSION)]


def vecs_url(dsn: str) -> str:
    return dsn.replace("postgresql://", "postgresql+psycopg2://", 1)


@pytest.fixture
def searchable(make_topo) -> Topo:
    topo = make_topo(collections(), prefix="SF")
    topo.apply_auto()
    rng = random.Random(7)
    client = vecs.create_client(vecs_url(topo.db("pod1").dsn))
    try:
        articles = client.get_or_create_collection("articles", dimension=DIMENSION)
        articles.upsert([(f"a{i}", vector(rng), {"brand": ["acme", "zenith", "orbit"][i % 3], "price_cents": i}) for i in range(300)])
    finally:
        client.disconnect()
    with topo.db("app").connect() as conn:
        with conn.cursor() as cursor:
            cursor.executemany("insert into vecs.notes (id, vec, metadata) values (%s, %s::vector, %s)",
                               [(f"n{i}", json.dumps(vector(rng)), json.dumps({"i": i})) for i in range(50)])
    return topo


def call_as_postgrest(topo: Topo, function: str, embedding: list[float], count: int | None = None,
                      filter: dict | None = None, role: str = GRANTEE) -> list[tuple]:
    """What PostgREST does for supabase.rpc(function, {...}): named arguments, text values."""
    arguments = {"query_embedding": json.dumps(embedding)}
    if count is not None:
        arguments["match_count"] = count
    if filter is not None:
        arguments["filter"] = json.dumps(filter)
    named = ", ".join(f"{name} := %({name})s" for name in arguments)
    with topo.db("app").connect() as conn, conn.transaction():
        conn.execute(f"set local role {role}")
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps({"role": role}),))
        return conn.execute(f"select * from {function}({named})", arguments).fetchall()


def direct(topo: Topo, embedding: list[float], count: int, filter: dict | None = None) -> list[tuple]:
    where = "where metadata @> %(filter)s" if filter else ""
    query = (f"select id, embedding <=> %(q)s::vector as distance from vtopo.articles {where} "
             "order by embedding <=> %(q)s::vector limit %(k)s")
    with topo.db("pod1").connect() as conn:
        conn.execute("set hnsw.ef_search = 400")
        return conn.execute(query, {"q": json.dumps(embedding), "k": count, "filter": json.dumps(filter or {})}).fetchall()


def test_apply_creates_one_function_per_exposed_collection_and_converges(searchable):
    searchable.assert_plan_empty()
    names = {row[0] for row in rows(searchable.db("app"), "select p.oid::regprocedure::text from pg_proc p "
                                                           "where p.pronamespace = 'public'::regnamespace")}
    assert "match_articles(vector,integer,jsonb)" in names and "search_notes(vector,integer,jsonb)" in names
    assert not any(name.startswith("match_clips") for name in names)


def test_results_equal_direct_ones_for_random_queries_with_and_without_filters(searchable):
    rng = random.Random(11)
    for round_ in range(12):
        query = vector(rng)
        filter = {"brand": "zenith"} if round_ % 2 else None
        got = call_as_postgrest(searchable, "public.match_articles", query, 7, filter)
        expected = direct(searchable, query, 7, filter)
        assert [row[0] for row in got] == [row[0] for row in expected]
        assert [round(row[1], 6) for row in got] == [round(row[1], 6) for row in expected]
        assert all(abs(row[2] - (1 - row[1])) < 1e-9 for row in got)  # cosine similarity
        if filter:
            assert {row[3]["brand"] for row in got} == {"zenith"} and {row[4] for row in got} == {"zenith"}


def test_defaults_return_ten_rows_with_typed_promoted_fields(searchable):
    got = call_as_postgrest(searchable, "public.match_articles", vector(random.Random(3)))
    assert len(got) == 10
    assert all(isinstance(row[5], int) for row in got)  # price_cents, typed
    assert [row[1] for row in got] == sorted(row[1] for row in got)  # nearest first


def test_a_collection_on_the_primary_is_searched_in_place(searchable):
    query = vector(random.Random(5))
    got = call_as_postgrest(searchable, "public.search_notes", query, 5)
    expected = rows(searchable.db("app"), "select id, vec <#> %s::vector from vecs.notes order by 2 limit 5", (json.dumps(query),))
    assert [row[0] for row in got] == [row[0] for row in expected]
    assert all(abs(row[2] + row[1]) < 1e-9 for row in got)  # inner product similarity
    assert [row[0] for row in call_as_postgrest(searchable, "public.search_notes", query, 5, {"i": 3})] == ["n3"]


def test_a_role_outside_the_grants_is_denied(searchable):
    execute(searchable.db("app"), "create role sf_stranger nologin")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        call_as_postgrest(searchable, "public.match_articles", vector(random.Random(1)), role="sf_stranger")


@pytest.mark.parametrize(
    "embedding, count, filter, message",
    [
        ([0.1] * 3, 5, None, "query_embedding must have 8 dimensions, got 3"),
        ([0.1] * DIMENSION, -1, None, "match_count must be between 1 and 1000, got -1"),
        ([0.1] * DIMENSION, 100000, None, "match_count must be between 1 and 1000, got 100000"),
    ],
)
def test_bad_arguments_are_clear_errors(searchable, embedding, count, filter, message):
    with pytest.raises(psycopg.errors.InvalidParameterValue, match=message):
        call_as_postgrest(searchable, "public.match_articles", embedding, count, filter)


def test_a_filter_that_is_no_object_is_refused(searchable):
    with searchable.db("app").connect() as conn:
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="filter must be a JSON object, got array"):
            conn.execute("select * from public.match_articles(%s::vector, 5, '[1]')", (json.dumps([0.1] * DIMENSION),))


def test_the_kept_connection_survives_killed_sessions_and_an_index_replacement(searchable):
    query = vector(random.Random(9))
    with searchable.db("app").connect() as conn:  # one primary session: its dblink connection is kept
        search = "select id from public.match_articles(%s::vector, 5)"
        first = [row[0] for row in conn.execute(search, (json.dumps(query),)).fetchall()]
        # Every other client session of the secondary's database, the kept dblink connection among them.
        killed = scalar(
            searchable.db("pod1"),
            "select count(pg_terminate_backend(pid)) from pg_stat_activity "
            "where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'",
        )
        assert killed >= 1
        assert [row[0] for row in conn.execute(search, (json.dumps(query),)).fetchall()] == first

        spec = searchable.collections["articles"]
        spec["index"]["m"] = 12  # replaced online on the secondary
        searchable.write()
        searchable.apply_auto()
        assert [row[0] for row in conn.execute(search, (json.dumps(query),)).fetchall()] == first


def test_a_dropped_function_is_planned_again_and_grants_are_kept_in_step(searchable):
    execute(searchable.db("app"), "drop function public.match_articles(vector, integer, jsonb)")
    plan = searchable.plan_document()
    assert {(c["action"], c["kind"], c["name"]) for c in plan["changes"]} == {("create", "search_function", "public.match_articles")}
    searchable.apply_auto()
    execute(searchable.db("app"), "grant execute on function public.match_articles(vector, integer, jsonb) to public")
    plan = searchable.plan_document()
    assert [(c["action"], c["name"]) for c in plan["changes"]] == [("replace", "public.match_articles")]
    searchable.apply_auto()
    searchable.assert_plan_empty()


def test_plan_shows_the_function_and_its_grants(searchable):
    spec = searchable.collections["articles"]
    spec["expose"]["function"] = False
    searchable.write()
    result = run_vtopo("plan", "-f", str(searchable.path), env=searchable.env)
    assert result.returncode == 0, result.stderr
    assert "- search_function public.match_articles" in result.stdout
    assert "DROP FUNCTION IF EXISTS \"public\".\"match_articles\"(vector, integer, jsonb)" in result.stdout


def test_the_callers_statement_timeout_reaches_the_remote_query(searchable):
    """The caller's statement_timeout (PostgREST sets one per role) stops the search on the
    secondary too: the call ends at that timeout, nothing keeps running there, and the next
    call answers on the same connection."""
    query = json.dumps(vector(random.Random(4)))
    with searchable.db("pod1").connect() as blocker, searchable.db("app").connect() as conn:
        conn.execute("select id from public.match_articles(%s::vector, 3)", (query,)).fetchall()  # connected, prepared
        blocker.execute("begin")
        blocker.execute("lock table vecs.articles in access exclusive mode")  # the remote search waits on this
        conn.execute("set statement_timeout = '300ms'")
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("select id from public.match_articles(%s::vector, 3)", (query,)).fetchall()
        assert time.monotonic() - started < 2.0
        reader = reader_role(searchable.db("app"), "vtopo_pod1")
        waiting = scalar(searchable.db("pod1"), "select count(*) from pg_stat_activity where usename = %s and state = 'active'", (reader,))
        blocker.execute("rollback")
        assert waiting == 0  # cancelled there, not still waiting for the lock
        conn.execute("set statement_timeout = 0")
        assert len(conn.execute("select id from public.match_articles(%s::vector, 3)", (query,)).fetchall()) == 3


def test_a_cancel_of_the_caller_stops_the_remote_search(searchable):
    """pg_cancel_backend on the calling primary backend (what a client's cancel request does)
    ends the call at once and cancels the search on the secondary; the next call answers."""
    import threading

    query = json.dumps(vector(random.Random(5)))
    reader = reader_role(searchable.db("app"), "vtopo_pod1")
    with searchable.db("pod1").connect() as blocker, searchable.db("app").connect() as conn, searchable.db("app").connect() as control:
        conn.execute("select id from public.match_articles(%s::vector, 3)", (query,)).fetchall()  # connected, prepared
        blocker.execute("begin")
        blocker.execute("lock table vecs.articles in access exclusive mode")  # the remote search waits on this
        caller = conn.info.backend_pid
        threading.Timer(0.5, lambda: control.execute("select pg_cancel_backend(%s)", (caller,))).start()
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled, match="user request"):
            conn.execute("select id from public.match_articles(%s::vector, 3)", (query,)).fetchall()
        assert time.monotonic() - started < 3.0
        waiting = scalar(searchable.db("pod1"), "select count(*) from pg_stat_activity where usename = %s and state = 'active'", (reader,))
        blocker.execute("rollback")
        assert waiting == 0  # cancelled there too, not still waiting for the lock
        assert len(conn.execute("select id from public.match_articles(%s::vector, 3)", (query,)).fetchall()) == 3


def test_the_secondarys_statement_timeout_is_final(searchable):
    """A timeout on the secondary ends the call with its error (it is not retried)."""
    reader = reader_role(searchable.db("app"), "vtopo_pod1")
    execute(searchable.db("pod1"), f"alter role {reader} in database {searchable.db('pod1').dbname} set statement_timeout = '200ms'")
    query = json.dumps(vector(random.Random(6)))
    with searchable.db("pod1").connect() as blocker, searchable.db("app").connect() as conn:
        blocker.execute("begin")
        blocker.execute("lock table vecs.articles in access exclusive mode")
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            conn.execute("select id from public.match_articles(%s::vector, 3)", (query,)).fetchall()
        elapsed = time.monotonic() - started
        blocker.execute("rollback")
    assert elapsed < 2.0, elapsed


def test_the_function_answers_after_the_secondary_restarts(pg_servers, pg_dbs, make_topology, monkeypatch, server_tmp_path):
    """The kept connection dies with the secondary's server; the next call reconnects."""
    if pg_servers.engine != "embedded":
        pytest.skip("restarting a server needs the embedded engine (the primary must reach it on 127.0.0.1)")
    from harness import topology_for
    from vtopo.local import LocalCluster, ServerOptions

    cluster = LocalCluster(server_tmp_path / "own", ServerOptions(fsync=False))
    (server,) = cluster.up(["pod2"])
    try:
        spec = {"database": "pod2", "dimension": DIMENSION, "index": {"method": "none"},
                "expose": {"view": "public.reels", "grant": [GRANTEE]}}
        data, env = topology_for(pg_dbs, prefix="SR", collections={"reels": spec})
        env["SR_POD2_DSN"] = server.dsn()
        topo = Topo(make_topology(data, env), data, env, pg_dbs, monkeypatch)
        topo.apply_auto()
        rng = random.Random(2)
        with psycopg.connect(server.dsn(), autocommit=True) as conn, conn.cursor() as cursor:
            cursor.executemany("insert into vecs.reels (id, vec) values (%s, %s::vector)",
                               [(f"r{i}", json.dumps(vector(rng))) for i in range(20)])
        query = json.dumps(vector(rng))
        with topo.db("app").connect() as conn:
            search = "select id from public.match_reels(%s::vector, 4)"
            before = [row[0] for row in conn.execute(search, (query,)).fetchall()]
            cluster.down()
            with pytest.raises(psycopg.Error):  # down: a clear error, not a hang
                conn.execute(search, (query,)).fetchall()
            cluster.up(["pod2"])
            assert [row[0] for row in conn.execute(search, (query,)).fetchall()] == before
    finally:
        cluster.down(purge=True)
