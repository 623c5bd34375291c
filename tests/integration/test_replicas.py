"""Read replicas: a real streaming standby of a pod (pg_basebackup -R, its own port) keeps reads
through the primary and direct reads answering while the pod's own server is stopped; plan
names the stopped server and exits 1 without a traceback; check reports the replica's lag.

The pod (clips) is a server of its own here, so stopping it stops nothing else."""

from __future__ import annotations

import json
import random
import time
from contextlib import nullcontext

import psycopg
import pytest
import yaml

from vtopo.errors import VtopoError
from vtopo.local import LocalCluster, ServerOptions, embedded

from .helpers import Topo, rows, scalar, vtopo

DIMENSION = 4
GRANTEE = "replica_reader"
ROWS = 300


def collections() -> dict:
    return {
        "clips": {
            "database": "pod2", "dimension": DIMENSION, "measure": "l2",
            "index": {"method": "hnsw", "m": 8, "ef_construction": 32},
            "metadata": {"kind": {"type": "text", "index": True}, "seconds": {"type": "integer"}},
            "search": {"ef_search": 400},
            "expose": {"view": "public.clips", "grant": [GRANTEE]},
        },
    }


def _wait_for(predicate, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _count(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        found = conn.execute("SELECT to_regclass('vecs.clips') IS NOT NULL").fetchone()[0]
        return conn.execute("SELECT count(*) FROM vecs.clips").fetchone()[0] if found else -1


class Pod:
    """pod2's own server and its streaming standby."""

    def __init__(self, root) -> None:
        self.cluster = LocalCluster(root / "pod2", ServerOptions(fsync=False))
        (self.server,) = self.cluster.up(["pod2"])
        self.standby_dir = root / "pod2-standby"
        embedded.make_standby(self.cluster.data_dir("pod2"), self.standby_dir)
        self.standby_port = embedded.start(self.standby_dir)

    @property
    def dsn(self) -> str:
        return self.server.dsn()

    @property
    def standby_dsn(self) -> str:
        return self.server.dsn().replace(f":{self.server.port}/", f":{self.standby_port}/")

    def stop_primary(self) -> None:
        self.cluster.down()

    def start_primary(self) -> None:
        (self.server,) = self.cluster.up(["pod2"], ports={"pod2": self.server.port})

    def close(self) -> None:
        embedded.purge(self.standby_dir)
        self.cluster.down(purge=True)


@pytest.fixture
def replicated(make_topo, server_tmp_path):
    """clips on pod2 (with a standby, reads: spread) applied, rows written on pod2 and replayed."""
    pod = Pod(server_tmp_path)
    try:
        topo = make_topo(collections(), prefix="REP")
        topo.setenv("REP_POD2_DSN", pod.dsn)
        topo.setenv("REP_POD2_REPLICA_DSN", pod.standby_dsn)
        topo.data["databases"]["pod2"]["replicas"] = [{"dsn": "${env:REP_POD2_REPLICA_DSN}"}]
        topo.write()
        applied = topo.apply_auto()
        assert "Apply complete" in applied.stdout, applied.stdout + applied.stderr
        rng = random.Random(16)
        with psycopg.connect(pod.dsn, autocommit=True) as conn:  # as the Vecs client writes: straight into the pod
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO vecs.clips (id, vec, metadata) VALUES (%s, %s::vector, %s::jsonb)",
                    [(f"clip-{i}", str([round(rng.uniform(-1, 1), 3) for _ in range(DIMENSION)]),
                      json.dumps({"kind": "trailer" if i % 10 == 0 else "scene", "seconds": i})) for i in range(ROWS)],
                )
        _wait_for(lambda: _count(pod.standby_dsn) == ROWS, "the standby to replay the rows")
        topo.pod = pod
        yield topo
    finally:
        pod.close()


QUERY = "[0.1, 0.2, 0.3, 0.4]"


def _primary_reads(topo: Topo, held: psycopg.Connection | None = None) -> dict[str, list]:
    """Top-k, a promoted-field filter and the search function through the primary, as the grantee
    (in a new primary session, or in `held`, whose postgres_fdw and dblink connections are kept)."""
    with (topo.db("app").connect() if held is None else nullcontext(held)) as conn:
        conn.execute(f"SET ROLE {GRANTEE}")
        return {
            "topk": [r[0] for r in conn.execute("SELECT id FROM public.clips ORDER BY embedding <-> %s::vector LIMIT 5", (QUERY,))],
            "filtered": [r[0] for r in conn.execute(
                "SELECT id FROM public.clips WHERE kind = 'trailer' ORDER BY embedding <-> %s::vector LIMIT 5", (QUERY,))],
            "function": [r[0] for r in conn.execute("SELECT id FROM public.match_clips(%s::vector, 5)", (QUERY,))],
            "function_filtered": [r[0] for r in conn.execute(
                "SELECT id FROM public.match_clips(%s::vector, 5, '{\"kind\": \"trailer\"}')", (QUERY,))],
        }


def test_the_primary_lists_every_host_and_check_reports_the_replica(replicated):
    pod = replicated.pod
    options = scalar(replicated.db("app"), "SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'vtopo_pod2'")
    assert f"port={pod.server.port},{pod.standby_port}" in options and "load_balance_hosts=random" in options, options
    checked = vtopo("check", "-f", str(replicated.path))
    report = " ".join(checked.stdout.split())
    assert f"replica 127.0.0.1:{pod.standby_port}" in report and "in recovery, replay lag" in report, checked.stdout
    assert f"indexes on replica 127.0.0.1:{pod.standby_port}" in report and "3 present and valid" in report, checked.stdout
    assert "All checks passed." in report
    document = json.loads(vtopo("check", "-f", str(replicated.path), "--format", "json").stdout)
    replica_rows = [r for r in document["results"] if r["check"] == f"replica 127.0.0.1:{pod.standby_port}"]
    assert replica_rows and replica_rows[0]["passed"] is True and not replica_rows[0]["warning"], replica_rows
    replicated.assert_converged()


def test_inspect_keeps_the_replicas_and_graph_draws_them(replicated):
    adopted = replicated.path.parent / "adopted.yaml"
    vtopo("inspect", "-f", str(replicated.path), "--out", str(adopted))
    written = yaml.safe_load(adopted.read_text())
    assert written["databases"]["pod2"]["replicas"] == [{"dsn": "${env:REP_POD2_REPLICA_DSN}"}], written["databases"]["pod2"]
    assert "No changes" in vtopo("plan", "-f", str(adopted)).stdout
    drawn = vtopo("graph", "-f", str(replicated.path)).stdout
    assert "pod2 · secondary + 1 replica" in drawn, drawn
    live = vtopo("graph", "-f", str(replicated.path), "--live", "--format", "mermaid").stdout
    assert "pod2 · secondary + 1 replica" in live, live


def test_with_the_pods_own_server_stopped_reads_answer_from_the_replica(replicated):
    held = replicated.db("app").connect()  # a pooled session (PostgREST's) that read before the stop
    before = _primary_reads(replicated, held)
    assert len(before["topk"]) == 5 and len(before["filtered"]) == 5
    assert all(int(i.split("-")[1]) % 10 == 0 for i in before["filtered"])
    replicated.pod.stop_primary()
    for attempt in range(3):  # every new connection picks a host at random: the live one always answers
        assert _primary_reads(replicated) == before, attempt
    for attempt in range(2):  # the kept connections to a stopped server are replaced on the next query
        assert _primary_reads(replicated, held) == before, attempt
    held.close()
    direct = vtopo("query", "clips", "-f", str(replicated.path), "--vector", QUERY, "--limit", "5", "--format", "json")
    assert [r["id"] for r in json.loads(direct.stdout)] == before["topk"], direct.stdout
    through = vtopo("query", "clips", "-f", str(replicated.path), "--vector", QUERY, "--limit", "5",
                    "--filter", '{"kind": {"$eq": "trailer"}}', "--via", "primary", "--format", "json")
    assert [r["id"] for r in json.loads(through.stdout)] == before["filtered"], through.stdout

    planned = replicated.plan(expect=1)
    assert "database 'pod2': cannot connect" in planned.stderr, planned.stderr
    assert "pod2 has 1 replica" in planned.stderr and "changes (DDL) need pod2's own server" in planned.stderr
    assert "Traceback" not in planned.stderr + planned.stdout
    applied = replicated.apply_auto(expect=1)
    assert "pod2 has 1 replica" in applied.stderr and "Traceback" not in applied.stderr, applied.stderr

    # Writes go to the pod's own server only: a clear error, never a write to the standby.
    import vtopo as api

    with api.connect(replicated.path) as client:
        clips = client.collection("clips")
        assert clips.query([0.1, 0.2, 0.3, 0.4], limit=5) == before["topk"]
        with pytest.raises(VtopoError, match="cannot connect"):
            clips.upsert([("clip-new", [0, 0, 0, 1], {})])
    assert _count(replicated.pod.standby_dsn) == ROWS

    replicated.pod.start_primary()
    _wait_for(lambda: scalar_on(replicated.pod.standby_dsn, "SELECT status FROM pg_stat_wal_receiver") == "streaming",
              "the standby to stream again", seconds=60)
    checked = vtopo("check", "-f", str(replicated.path))
    assert "All checks passed." in checked.stdout and "replay lag" in checked.stdout, checked.stdout
    replicated.assert_converged()


def test_a_direct_client_fails_over_to_the_replica_mid_session(replicated):
    """The Python API's reading connection to a server that goes away is replaced by one to a
    live server of the database on the next read (primary-first: the pod's own server first)."""
    replicated.data["databases"]["pod2"]["reads"] = "primary-first"
    replicated.write()
    planned = replicated.plan()
    assert "~ foreign_server vtopo_pod2" in planned.stdout and "options.load_balance_hosts: random → disable" in planned.stdout, planned.stdout
    replicated.apply_auto()
    import vtopo as api

    held = replicated.db("app").connect()  # primary-first: its kept connections are to the pod's own server
    through = _primary_reads(replicated, held)
    with api.connect(replicated.path) as client:
        clips = client.collection("clips")
        first = clips.query([0.1, 0.2, 0.3, 0.4], limit=5)
        replicated.pod.stop_primary()
        assert clips.query([0.1, 0.2, 0.3, 0.4], limit=5) == first
        assert [r[0] for r in clips.fetch(first[:2])] == first[:2]
    assert _primary_reads(replicated, held) == through
    held.close()


def scalar_on(dsn: str, query: str):
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
            row = conn.execute(query).fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


def test_a_replica_that_is_down_fails_check_and_reads_go_on_from_the_pod(replicated):
    embedded.stop(replicated.pod.standby_dir)
    checked = vtopo("check", "-f", str(replicated.path), expect=1)
    failing = [line for line in checked.stdout.splitlines() if "FAIL" in line]
    assert len(failing) == 1 and "replica 127.0.0.1" in failing[0] and "unreachable" in failing[0], checked.stdout
    assert len(_primary_reads(replicated)["topk"]) == 5
    assert rows(replicated.db("app"), "SELECT 1") == [(1,)]
