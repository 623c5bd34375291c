"""Sharded collections (`shards: [pod1, pod2]`): rows placed by a stable function of the id,
the primary's view returning every row once and shipping filters to every shard, the search
function's global top-k (searched on every shard at once), against real servers."""

from __future__ import annotations

import json
import random
import time

import psycopg
import pytest
import yaml

from vtopo.errors import VtopoError
from vtopo.shards.placement import BUCKETS, bucket_of, placement
from vtopo.shards.state import state_from_marker

from .helpers import Topo, rows, scalar
from .helpers import vtopo as vtopo_cli

DIMENSION = 8
GRANTEE = "shard_reader"
ROWS = 2000


def collections() -> dict:
    return {
        "notes": {
            "shards": ["pod1", "pod2"], "dimension": DIMENSION, "measure": "cosine",
            "index": {"method": "hnsw", "m": 8, "ef_construction": 64},
            "metadata": {"topic": {"type": "text", "index": True}, "year": {"type": "integer"}},
            "search": {"ef_search": 100},
            "expose": {"view": "public.notes", "grant": [GRANTEE]},
        },
    }


def vector(rng: random.Random) -> list[float]:
    return [round(rng.gauss(0, 1), 4) for _ in range(DIMENSION)]


def records(count: int, seed: int = 15) -> list[tuple[str, list[float], dict]]:
    rng = random.Random(seed)
    # 2% of the rows have topic "rare": a selective filter
    return [(f"note-{i}", vector(rng), {"topic": "rare" if i % 50 == 0 else f"t{i % 7}", "year": 2000 + i % 25})
            for i in range(count)]


def write_by_placement(topo: Topo, items) -> None:
    """Rows straight into the shard their id is placed on (as a Vecs client pointed at each would)."""
    owner = {bucket: shard for shard, buckets in placement(["pod1", "pod2"]).items() for bucket in buckets}
    for shard in ("pod1", "pod2"):
        mine = [(i, str(v), json.dumps(m)) for i, v, m in items if owner[bucket_of(i)] == shard]
        with topo.db(shard).connect() as conn, conn.cursor() as cursor:
            cursor.executemany("INSERT INTO vecs.notes (id, vec, metadata) VALUES (%s, %s::vector, %s::jsonb)", mine)


@pytest.fixture
def sharded(make_topo) -> Topo:
    topo = make_topo(collections(), prefix="SH")
    topo.setup_apply()
    return topo


def as_grantee(topo: Topo, query: str, params=()) -> list[tuple]:
    with topo.db("app").connect() as conn:
        conn.execute(f"SET ROLE {GRANTEE}")
        return conn.execute(query, params).fetchall()


def test_the_bucket_is_the_same_in_python_and_in_sql(sharded):
    ids = [f"id-{i}" for i in range(200)] + ["", "ünïcode", "a'b", "x" * 500]
    with sharded.db("pod1").connect() as conn, conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL vtopo.rebalancing = 'on'")  # every bucket, as a move writes (the guard lets it)
        conn.execute("INSERT INTO vecs.notes (id, vec) SELECT i, array_fill(0.5, ARRAY[8])::vector FROM unnest(%s::text[]) AS i", (ids,))
        found = dict(conn.execute("SELECT id, vtopo_bucket FROM vtopo.notes").fetchall())
    assert found == {i: bucket_of(i) for i in ids}
    assert all(0 <= b < BUCKETS for b in found.values())


def test_every_row_once_through_the_view_and_filters_shipped_to_every_shard(sharded):
    items = records(ROWS)
    write_by_placement(sharded, items)
    counts = {shard: scalar(sharded.db(shard), "SELECT count(*) FROM vecs.notes") for shard in ("pod1", "pod2")}
    assert all(0.35 * ROWS <= n <= 0.65 * ROWS for n in counts.values()), counts
    ids = [r[0] for r in as_grantee(sharded, "SELECT id FROM public.notes")]
    assert sorted(ids) == sorted(i for i, _, _ in items)  # each row once
    plan = scalar(sharded.db("app"), "EXPLAIN (VERBOSE, FORMAT JSON) SELECT id FROM public.notes WHERE topic = 'rare' AND year > 2010")
    remote = [node["Remote SQL"] for node in _nodes(plan) if "Remote SQL" in node]
    # Outside a rebalance each shard is read whole: no bucket filter to slow it (see the rebalance tests).
    assert len(remote) == 2 and all("topic" in sql and "year" in sql and "vtopo_bucket" not in sql for sql in remote), remote


def test_the_search_function_returns_the_global_top_k(sharded):
    items = records(ROWS)
    write_by_placement(sharded, items)
    rng = random.Random(7)
    everything = {i: (v, m) for i, v, m in items}
    hits = total = 0
    for _ in range(20):
        query = vector(rng)
        exact = sorted(everything, key=lambda i: _cosine(everything[i][0], query))[:10]
        found = [r[0] for r in as_grantee(sharded, "SELECT id FROM public.match_notes(%s::vector, 10)", (str(query),))]
        hits += len(set(found) & set(exact))
        total += 10
    assert hits / total >= 0.95, hits / total
    rare = as_grantee(sharded, "SELECT id, metadata, distance FROM public.match_notes(%s::vector, 10, '{\"topic\": \"rare\"}')",
                      (str(vector(rng)),))
    assert len(rare) == 10 and all(m["topic"] == "rare" for _, m, _ in rare)
    assert [d for _, _, d in rare] == sorted(d for _, _, d in rare)  # nearest first across shards
    # As PostgREST calls it: in a transaction, as the role, with a statement_timeout (sent along to every shard).
    with sharded.db("app").connect() as conn, conn.transaction():
        conn.execute(f"SET LOCAL ROLE {GRANTEE}")
        conn.execute("SET LOCAL statement_timeout = '5s'")
        timed = conn.execute("SELECT id FROM public.match_notes(query_embedding => %s::vector, match_count => 7, "
                             "filter => '{\"topic\": \"rare\"}')", (str(vector(rng)),)).fetchall()
        assert len(timed) == 7
    # Killed sessions on a shard: the next call reconnects.
    for shard in ("pod1", "pod2"):
        with sharded.db(shard).connect() as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename LIKE 'vtopo_fdw_%%' AND datname = current_database()")
    with sharded.db("app").connect() as conn:
        conn.execute(f"SET ROLE {GRANTEE}")
        first = conn.execute("SELECT id FROM public.match_notes(%s::vector, 5)", (str(vector(rng)),)).fetchall()
        for shard in ("pod1", "pod2"):
            with sharded.db(shard).connect() as pod:
                pod.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename LIKE 'vtopo_fdw_%%' AND datname = current_database()")
        again = conn.execute("SELECT id FROM public.match_notes(%s::vector, 5)", (str(vector(rng)),)).fetchall()
    assert len(first) == 5 and len(again) == 5


def test_plan_check_inspect_and_graph_understand_shards(sharded):
    import yaml

    write_by_placement(sharded, records(300))
    sharded.assert_converged()
    checked = vtopo_cli("check", "-f", str(sharded.path)).stdout
    report = " ".join(checked.split())
    assert "All checks passed." in report, checked
    assert "bucket map" in report and "256 buckets, one owner each" in report and "filter shipped" in report, checked
    placed = placement(["pod1", "pod2"])
    assert all(f"takes writes to its {len(placed[shard])} buckets only" in report for shard in placed), checked
    with sharded.db("pod1").connect() as conn:
        conn.execute("DROP TRIGGER vtopo_guard_delete ON vecs.notes")  # a guard half removed by hand
    broken = vtopo_cli("check", "-f", str(sharded.path), expect=1)
    assert "no write guard (or half of one)" in " ".join(broken.stdout.split()), broken.stdout
    assert "shard_guard notes" in sharded.plan().stdout
    sharded.apply_auto()
    sharded.assert_converged()
    adopted = sharded.path.parent / "adopted.yaml"
    vtopo_cli("inspect", "-f", str(sharded.path), "--out", str(adopted))
    written = yaml.safe_load(adopted.read_text())["collections"]["notes"]
    assert written["shards"] == ["pod1", "pod2"] and "database" not in written, written
    assert "No changes" in vtopo_cli("plan", "-f", str(adopted)).stdout
    drawn = vtopo_cli("graph", "-f", str(sharded.path), "--live").stdout
    assert drawn.count("vecs.notes") == 2 and "vtopo.notes__pod1" in drawn and "vtopo.notes__pod2" in drawn, drawn
    targeted = vtopo_cli("plan", "-f", str(sharded.path), "--target", "pod2")
    assert "No changes" in targeted.stdout, targeted.stdout
    capacity = json.loads(vtopo_cli("capacity", "-f", str(sharded.path), "--format", "json").stdout)
    held = [db["database"] for db in capacity["databases"] if any(c["name"] == "notes" and c["present"] for c in db["collections"])]
    assert sorted(held) == ["pod1", "pod2"], capacity  # each shard reports its part


def _ids_on(topo: Topo, shard: str) -> set[str]:
    """The ids the shard's table holds (none when it has no table)."""
    if rows(topo.db(shard), "SELECT to_regclass('vecs.notes')") == [(None,)]:
        return set()
    return {r[0] for r in rows(topo.db(shard), "SELECT id FROM vecs.notes")}


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = (sum(x * x for x in a) ** 0.5) * (sum(y * y for y in b) ** 0.5)
    return 1 - dot / norm


def _nodes(plan):
    stack = [plan[0]["Plan"] if isinstance(plan, list) else plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("Plans", []))


def test_direct_reads_go_on_with_the_primary_down_and_writes_say_they_need_it(sharded, tmp_path):
    import vtopo

    items = records(200, seed=4)
    write_by_placement(sharded, items)
    down = tmp_path / "primary-down.yaml"  # the same topology, its primary on a port nothing listens on
    data = json.loads(json.dumps(sharded.data))
    data["databases"]["app"]["dsn"] = "postgresql://postgres@127.0.0.1:9/app?connect_timeout=2"
    down.write_text(yaml.safe_dump(data))
    with vtopo.connect(down) as client:
        notes = client.collection("notes")
        found = notes.query(items[7][1], limit=3, ef_search=400)
        assert found[0] == items[7][0] and len(found) == 3  # every shard searched, by the file's list
        assert [f[0] for f in notes.fetch([items[1][0], items[2][0]])] == [items[1][0], items[2][0]]
        with pytest.raises(VtopoError, match="app") as refused:
            notes.upsert([("new-1", [0.1] * DIMENSION, {})])
    assert "9" in str(refused.value) and "Traceback" not in str(refused.value)
    assert "new-1" not in _ids_on(sharded, "pod1") | _ids_on(sharded, "pod2")


def test_the_python_api_routes_writes_by_id_and_merges_reads(sharded):
    import numpy as np

    import vtopo

    items = records(600, seed=3)
    with vtopo.connect(sharded.path) as client:
        notes = client.collection("notes")
        notes.upsert(items[:300])
        notes.upsert(ids=[i for i, _, _ in items[300:]], vectors=np.array([v for _, v, _ in items[300:]], dtype=np.float32),
                     metadata=[m for _, _, m in items[300:]])
        owner = {b: s for s, buckets in placement(["pod1", "pod2"]).items() for b in buckets}
        for shard in ("pod1", "pod2"):  # each id on the shard its bucket is placed on, and only there
            assert _ids_on(sharded, shard) == {i for i, _, _ in items if owner[bucket_of(i)] == shard}
        query = items[42][1]
        exact = sorted(items, key=lambda item: _cosine(item[1], query))[:5]
        found = notes.query(query, limit=5, include_value=True, ef_search=400)
        assert [i for i, _ in found] == [i for i, _, _ in exact]
        assert [d for _, d in found] == sorted(d for _, d in found)
        filtered = notes.query(query, limit=3, filters={"topic": {"$eq": "rare"}}, include_metadata=True, ef_search=400)
        assert len(filtered) == 3 and all(m["topic"] == "rare" for _, m in filtered)
        fetched = notes.fetch([items[1][0], items[2][0], "missing"])
        assert [f[0] for f in fetched] == [items[1][0], items[2][0]]
        with pytest.raises(VtopoError, match="record 1"):
            notes.upsert([("ok-1", [0.1] * DIMENSION, {}), ("bad", [0.1] * 3, {})])
        assert notes.fetch(["ok-1"]) == []  # nothing was written
        deleted = notes.delete(ids=[items[1][0], items[2][0]])
        assert sorted(deleted) == sorted([items[1][0], items[2][0]])
        assert sorted(notes.delete(filters={"topic": {"$eq": "rare"}})) == sorted(
            i for i, _, m in items if m["topic"] == "rare")
    listed = json.loads(sharded_query(sharded, "--vector", json.dumps(query), "--limit", "3", "--format", "json"))
    assert [r["id"] for r in listed] == [i for i, _, _ in exact if i not in (items[1][0], items[2][0])][:3]


def sharded_query(topo: Topo, *args: str) -> str:
    return vtopo_cli("query", "notes", "-f", str(topo.path), *args).stdout


# --- rebalancing ---------------------------------------------------------------------------------


@pytest.fixture
def pod3(sharded):
    """A third database (on pod2's server) in the topology, not yet a shard."""
    server = sharded.db("pod2")
    name = f"{server.dbname}_p3"
    with server.connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dsn = server.dsn.rsplit("/", 1)[0] + f"/{name}"
    sharded.setenv("SH_POD3_DSN", dsn)
    sharded.setenv("SH_POD3_FDW_PASSWORD", "fdw-pod3-pw")
    sharded.data["databases"]["pod3"] = {"dsn": "${env:SH_POD3_DSN}", "fdw": {"password": "${env:SH_POD3_FDW_PASSWORD}"}}
    sharded.write()
    sharded.pod3_dsn = dsn
    yield dsn
    with server.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _shard_ids(topo: Topo) -> dict[str, set[str]]:
    found = {shard: _ids_on(topo, shard) for shard in ("pod1", "pod2")}
    with psycopg.connect(topo.pod3_dsn) as conn:
        exists = conn.execute("SELECT to_regclass('vecs.notes') IS NOT NULL").fetchone()[0]
        found["pod3"] = {r[0] for r in conn.execute("SELECT id FROM vecs.notes")} if exists else set()
    return found


def test_an_existing_collection_is_sharded_by_a_rebalance_from_its_pod(make_topo):
    """The collection outgrew pod1: `database: pod1` becomes `shards: [pod1, pod2]`. pod1 holds
    every row, so it owns every bucket until apply moves pod2's share, online."""
    spec = collections()
    spec["notes"].pop("shards")
    topo = make_topo({"notes": {**spec["notes"], "database": "pod1"}}, prefix="SH")
    topo.setup_apply()
    items = records(ROWS)
    with topo.db("pod1").connect() as conn, conn.cursor() as cursor:
        cursor.executemany("INSERT INTO vecs.notes (id, vec, metadata) VALUES (%s, %s::vector, %s::jsonb)",
                           [(i, str(v), json.dumps(m)) for i, v, m in items])
    topo.collections["notes"].pop("database")
    topo.collections["notes"]["shards"] = ["pod1", "pod2"]
    topo.write()
    planned = topo.plan().stdout
    placed = placement(["pod1", "pod2"])
    assert f"rebalance notes: {len(placed['pod2'])} buckets move" in planned and "pod1 → pod2" in planned, planned
    with Watcher(topo, ROWS) as watcher:
        applied = topo.apply_auto()
    assert "Apply complete" in applied.stdout, applied.stdout + applied.stderr
    assert watcher.reads > 0 and not watcher.problems, (watcher.reads, watcher.problems[:5])
    owner = {b: s for s, buckets in placed.items() for b in buckets}
    for shard in ("pod1", "pod2"):
        assert _ids_on(topo, shard) == {i for i, _, _ in items if owner[bucket_of(i)] == shard}, shard
    topo.assert_converged()


class Background:
    """A thread that runs `_run` until the `with` block ends (while a rebalance runs)."""

    def __init__(self) -> None:
        import threading

        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(60)


class Watcher(Background):
    """Reads through the primary (view and search function) while a rebalance runs; records
    any answer that misses or doubles a row."""

    def __init__(self, topo: Topo, expected: int) -> None:
        super().__init__()
        self.topo, self.expected, self.problems, self.reads = topo, expected, [], 0

    def _run(self) -> None:
        rng = random.Random(1)
        with self.topo.db("app").connect() as conn:
            conn.execute(f"SET ROLE {GRANTEE}")
            while not self.stop.is_set():
                try:
                    total, distinct = conn.execute("SELECT count(*), count(DISTINCT id) FROM public.notes").fetchone()
                    top = [r[0] for r in conn.execute("SELECT id FROM public.match_notes(%s::vector, 20)", (str(vector(rng)),))]
                except psycopg.Error as error:  # a read that fails mid-apply is a problem too
                    self.problems.append(repr(error))
                    continue
                if total != self.expected or distinct != self.expected or len(set(top)) != 20:
                    self.problems.append((total, distinct, len(set(top))))
                self.reads += 1


def test_adding_a_shard_moves_its_share_online_and_every_row_stays_once(sharded, pod3):
    items = records(ROWS)
    write_by_placement(sharded, items)
    sharded.collections["notes"]["shards"] = ["pod1", "pod2", "pod3"]
    sharded.write()
    planned = sharded.plan()
    wanted = placement(["pod1", "pod2", "pod3"])
    assert f"rebalance notes: {len(wanted['pod3'])} buckets move" in planned.stdout, planned.stdout
    assert "pod1 → pod3" in planned.stdout and "pod2 → pod3" in planned.stdout
    with Watcher(sharded, ROWS) as watcher:
        applied = sharded.apply_auto()
    assert "Apply complete" in applied.stdout, applied.stdout + applied.stderr
    assert watcher.reads > 0 and not watcher.problems, (watcher.reads, watcher.problems[:5])
    held = _shard_ids(sharded)
    owner = {b: s for s, buckets in wanted.items() for b in buckets}
    for shard, ids in held.items():
        assert ids == {i for i, _, _ in items if owner[bucket_of(i)] == shard}, shard  # exactly its share, once
    assert 0.2 * ROWS <= len(held["pod3"]) <= 0.45 * ROWS
    sharded.assert_converged()


class Writer(Background):
    """Writes through vtopo's Python API while a rebalance runs, to rows whose buckets move:
    changes (a version in the metadata), new rows and deletes. Remembers what each id must
    hold afterwards; a write the rebalance lost shows as a wrong version or a missing id."""

    def __init__(self, topo: Topo, items, moving: list[str]) -> None:
        super().__init__()
        self.topo, self.moving = topo, moving
        self.expected = {i: None for i, _, _ in items}  # id -> the version it must hold (None: as loaded)
        self.rounds, self.errors = 0, []

    def _run(self) -> None:
        import vtopo

        rng = random.Random(11)
        try:
            with vtopo.connect(self.topo.path) as client:
                notes = client.collection("notes")
                while not self.stop.is_set():
                    version = self.rounds + 1
                    changed = rng.sample(self.moving, 10)
                    fresh = [f"fresh-{version}-{k}" for k in range(3)]
                    notes.upsert([(i, vector(rng), {"topic": "w", "version": version}) for i in [*changed, *fresh]])
                    self.expected.update({i: version for i in [*changed, *fresh]})
                    if version % 4 == 0:
                        gone = rng.sample([i for i in self.moving if i in self.expected and i not in changed], 3)
                        assert sorted(notes.delete(ids=gone)) == sorted(gone)
                        for i in gone:
                            del self.expected[i]
                    self.rounds += 1
        except Exception as error:  # reported by the test
            self.errors.append(repr(error))


def test_writes_during_a_rebalance_are_never_lost_nor_doubled(sharded, pod3):
    items = records(ROWS)
    write_by_placement(sharded, items)
    sharded.collections["notes"]["shards"] = ["pod1", "pod2", "pod3"]
    sharded.write()
    to_pod3 = set(placement(["pod1", "pod2", "pod3"])["pod3"])
    moving = [i for i, _, _ in items if bucket_of(i) in to_pod3]
    with Writer(sharded, items, moving) as writer:
        time.sleep(0.5)  # writing before the move starts, too
        applied = sharded.apply_auto()
        time.sleep(0.5)
    assert "Apply complete" in applied.stdout, applied.stdout + applied.stderr
    assert not writer.errors, writer.errors
    assert writer.rounds >= 10, writer.rounds
    held = _shard_ids(sharded)
    assert not (held["pod1"] & held["pod2"]) and not (held["pod3"] & (held["pod1"] | held["pod2"]))  # an id on one shard
    assert held["pod1"] | held["pod2"] | held["pod3"] == set(writer.expected)  # no write lost, no delete undone
    versions = dict(as_grantee(sharded, "SELECT id, (metadata->>'version')::int FROM public.notes"))
    assert versions == writer.expected
    sharded.assert_converged()


def test_a_writer_holding_a_shard_past_the_lock_timeout_stops_the_move_with_one_line(sharded, pod3):
    """The giving shard's guard waits for writers in flight (up to lock_timeout, 10 s): a
    transaction left open past it stops the move, named, and the next apply finishes it."""
    items = records(ROWS)
    write_by_placement(sharded, items)
    sharded.collections["notes"]["shards"] = ["pod1", "pod2", "pod3"]
    sharded.write()
    owner = {b: s for s, buckets in placement(["pod1", "pod2"]).items() for b in buckets}
    mine = next(i for i, _, _ in items if owner[bucket_of(i)] == "pod1")
    with sharded.db("pod1").connect() as writer, writer.transaction():
        writer.execute("UPDATE vecs.notes SET metadata = metadata WHERE id = %s", (mine,))  # and left open
        stopped = sharded.apply_auto(expect=1)
    assert "database 'pod1'" in stopped.stderr and "moving the buckets of notes stopped" in stopped.stderr, stopped.stderr
    assert "lock timeout" in stopped.stderr and "Traceback" not in stopped.stderr
    assert "every row once" in stopped.stderr
    assert len(as_grantee(sharded, "SELECT id FROM public.notes")) == ROWS
    finished = sharded.apply_auto()
    assert "Apply complete" in finished.stdout, finished.stdout + finished.stderr
    assert len(as_grantee(sharded, "SELECT id FROM public.notes")) == ROWS
    sharded.assert_converged()


def test_a_shard_refuses_rows_of_buckets_it_does_not_hold(sharded):
    owner = {b: s for s, buckets in placement(["pod1", "pod2"]).items() for b in buckets}
    stranger = next(f"x-{n}" for n in range(1000) if owner[bucket_of(f"x-{n}")] == "pod2")
    with sharded.db("pod1").connect() as conn:  # a Vecs client pointed at the wrong shard
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("INSERT INTO vecs.notes (id, vec) VALUES (%s, array_fill(0.5, ARRAY[8])::vector)", (stranger,))
    assert refused.value.sqlstate == "VT409"
    assert f"id '{stranger}' is in bucket {bucket_of(stranger)}" in str(refused.value)
    assert "write through vtopo" in (refused.value.diag.message_hint or "")
    assert _ids_on(sharded, "pod1") == set()
    with sharded.db("pod2").connect() as conn:  # the shard that holds the bucket takes it, as Vecs writes it
        conn.execute("INSERT INTO vecs.notes (id, vec) VALUES (%s, array_fill(0.5, ARRAY[8])::vector) "
                     "ON CONFLICT (id) DO UPDATE SET vec = EXCLUDED.vec", (stranger,))
    assert _ids_on(sharded, "pod2") == {stranger}
    assert sharded.plan_document()["changes"] == []


@pytest.mark.parametrize("stop", ["SIGINT", "SIGKILL"])  # Ctrl-C in a terminal; a process killed mid-deploy
def test_an_interrupted_rebalance_resumes_and_removing_a_shard_moves_its_rows_back(sharded, pod3, stop):
    import signal
    import time

    from .helpers import start_vtopo

    items = records(ROWS)
    write_by_placement(sharded, items)
    sharded.collections["notes"]["shards"] = ["pod1", "pod3"]  # pod2 goes
    sharded.write()
    process = start_vtopo("apply", "-f", str(sharded.path), "--auto-approve")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        state = state_from_marker(scalar(sharded.db("app"), "SELECT obj_description('public.notes'::regclass)"))
        if state is not None and (state.owned.get("pod3") or state.receiving.get("pod3")):  # a move has begun
            break
        time.sleep(0.02)
    process.send_signal(getattr(signal, stop))  # mid-rebalance
    if stop == "SIGKILL":  # no chance to clean up
        assert process.wait(30) == -signal.SIGKILL, "the apply finished before it could be interrupted"
    else:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, (process.returncode, err)
        assert "interrupted while moving the buckets of notes" in err and "Traceback" not in err, err
    left = sharded.plan_document()["rebalances"]
    assert left and left[0]["collection"] == "notes", left  # the plan shows what is left to move
    status = vtopo_cli("status", "-f", str(sharded.path)).stdout
    assert "sharded notes: buckets" in status and "to move" in status, status
    assert {i for ids in _shard_ids(sharded).values() for i in ids} == {i for i, _, _ in items}  # nothing lost
    assert len(as_grantee(sharded, "SELECT id FROM public.notes")) == ROWS  # and nothing doubled through the primary
    resumed = sharded.apply_auto()
    assert "Apply complete" in resumed.stdout or "No changes" in resumed.stdout, resumed.stdout + resumed.stderr
    held = _shard_ids(sharded)
    owner = {b: s for s, buckets in placement(["pod1", "pod3"]).items() for b in buckets}
    assert held["pod2"] == set()
    for shard in ("pod1", "pod3"):
        assert held[shard] == {i for i, _, _ in items if owner[bucket_of(i)] == shard}, shard
    assert rows(sharded.db("pod2"), "SELECT to_regclass('vecs.notes')") == [(None,)]  # its emptied part was dropped
    sharded.assert_converged()
    assert "each where its shards place it" in vtopo_cli("status", "-f", str(sharded.path)).stdout


def test_vtopo_load_spreads_a_file_over_the_shards_each_id_once(sharded, tmp_path):
    items = records(ROWS, seed=21)
    source = tmp_path / "notes.jsonl"
    source.write_text("".join(json.dumps({"id": i, "vector": v, "metadata": m}) + "\n" for i, v, m in items))
    loaded = vtopo_cli("load", "notes", str(source), "-f", str(sharded.path), "--quiet")
    assert loaded.returncode == 0, loaded.stderr
    held = {shard: _ids_on(sharded, shard) for shard in ("pod1", "pod2")}
    assert not held["pod1"] & held["pod2"] and held["pod1"] | held["pod2"] == {i for i, _, _ in items}
    assert all(0.35 * ROWS <= len(ids) <= 0.65 * ROWS for ids in held.values()), {k: len(v) for k, v in held.items()}
    assert len(as_grantee(sharded, "SELECT id FROM public.notes")) == ROWS
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "fresh-1", "vector": [0.1] * DIMENSION}) + "\n" + json.dumps({"id": "fresh-2", "vector": [1]}) + "\n")
    refused = vtopo_cli("load", "notes", str(bad), "-f", str(sharded.path), expect=1)
    assert f"{bad}:2" in refused.stderr and "nothing was written" in refused.stderr, refused.stderr
    assert not any("fresh-1" in ids for ids in ({shard: _ids_on(sharded, shard) for shard in ("pod1", "pod2")}).values())
    import vtopo

    again = tmp_path / "again.jsonl"
    again.write_text("".join(json.dumps({"id": i, "vector": v, "metadata": {"topic": "updated"}}) + "\n" for i, v, _ in items[:50]))
    with vtopo.connect(sharded.path) as client:
        report = client.collection("notes").load(again)
    assert report.rows == 50
    assert scalar(sharded.db("app"), "SELECT count(*) FROM public.notes WHERE metadata->>'topic' = 'updated'") == 50
