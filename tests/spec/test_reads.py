"""`reads`: which hosts the primary's foreign server lists and how libpq chooses among them, and
the order direct reads try them in (spec/reads.py); replica DSNs resolved and checked."""

from __future__ import annotations

import pytest

from vtopo.check.replicas import duration_seconds
from vtopo.errors import VtopoError
from vtopo.graph.model import DatabaseBox
from vtopo.spec.loader import parse_topology
from vtopo.spec.models import Reads
from vtopo.spec.reads import connection_options, read_order
from vtopo.spec.resolve import resolve_topology

OWN = ("pod.internal", "5432")
REPLICAS = [("pod-r1.internal", "5433"), ("pod-r2.internal", "5434")]


def test_without_replicas_the_server_names_one_host_and_no_choice():
    assert connection_options(Reads.spread, OWN, []) == {"host": "pod.internal", "port": "5432"}


@pytest.mark.parametrize(("reads", "hosts", "ports", "balance", "attrs"), [
    (Reads.spread, "pod.internal,pod-r1.internal,pod-r2.internal", "5432,5433,5434", "random", "any"),
    (Reads.primary_first, "pod.internal,pod-r1.internal,pod-r2.internal", "5432,5433,5434", "disable", "any"),
    (Reads.replicas_first, "pod-r1.internal,pod-r2.internal,pod.internal", "5433,5434,5432", "random", "prefer-standby"),
])
def test_each_reads_maps_to_libpq_host_lists_and_options(reads, hosts, ports, balance, attrs):
    assert connection_options(reads, OWN, REPLICAS) == {
        "host": hosts, "port": ports, "load_balance_hosts": balance, "target_session_attrs": attrs}


def test_direct_reads_try_the_hosts_in_the_same_order():
    backwards = lambda items: items.reverse()  # a deterministic "shuffle"
    assert read_order(Reads.primary_first, "own", ["r1", "r2"], shuffle=backwards) == ["own", "r1", "r2"]
    assert read_order(Reads.replicas_first, "own", ["r1", "r2"], shuffle=backwards) == ["r2", "r1", "own"]
    assert read_order(Reads.spread, "own", ["r1", "r2"], shuffle=backwards) == ["r2", "r1", "own"]
    assert sorted(read_order(Reads.spread, "own", ["r1", "r2"])) == ["own", "r1", "r2"]


TOPOLOGY = """\
version: 1
databases:
  app: {primary: true, dsn: "host=app.internal dbname=app"}
  pod:
    dsn: "host=pod.internal port=5432 dbname=vectors user=vtopo"
    fdw: {password: "${env:POD_FDW_PASSWORD}"}
    replicas:
      - dsn: "host=pod-r1.internal port=5433 dbname=vectors user=vtopo"
      - dsn: "${env:POD_REPLICA_DSN}"
        fdw: {host: pod-r2.fdw, port: 6543}
    reads: replicas-first
collections:
  docs: {database: pod, dimension: 3, expose: {view: public.docs}}
"""


def test_replicas_resolve_into_the_foreign_servers_host_list(monkeypatch, tmp_path):
    monkeypatch.setenv("POD_FDW_PASSWORD", "s3cret-fdw")
    monkeypatch.setenv("POD_REPLICA_DSN", "postgresql://vtopo:hunter2-replica@pod-r2.internal:5434/vectors")
    topology = parse_topology(TOPOLOGY, str(tmp_path / "topology.yaml"))
    resolved = resolve_topology(topology)
    assert resolved.fdw_targets["pod"].server_options() == {
        "host": "pod-r1.internal,pod-r2.fdw,pod.internal", "port": "5433,6543,5432", "dbname": "vectors",
        "load_balance_hosts": "random", "target_session_attrs": "prefer-standby"}
    assert resolved.read_dsns("pod")[-1] is resolved.dsns["pod"]  # replicas-first: the pod's own server last
    assert any("hunter2-replica" in s.reveal() for s in resolved.secrets() if s is not None)  # so it is scrubbed everywhere


def test_a_replica_of_another_database_name_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("POD_FDW_PASSWORD", "s3cret-fdw")
    monkeypatch.setenv("POD_REPLICA_DSN", "postgresql://vtopo:hunter2-replica@pod-r2.internal:5434/other")
    topology = parse_topology(TOPOLOGY, str(tmp_path / "topology.yaml"))
    with pytest.raises(VtopoError) as raised:
        resolve_topology(topology)
    text = f"{raised.value} {raised.value.hint}"
    assert "databases.pod.replicas[1].dsn: names database 'other'" in text and "hunter2" not in text


def test_graph_boxes_name_their_replicas():
    assert DatabaseBox("pod", False, ("pod-r1:5433", None)).role == "secondary + 2 replicas (pod-r1:5433)"
    assert DatabaseBox("pod", False, (None,)).role == "secondary + 1 replica"
    assert DatabaseBox("pod", False).role == "secondary"


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("500ms", 0.5), ("2min", 120), ("1h", 3600), ("250", 0.25)])
def test_max_lag_durations(text, seconds):
    assert duration_seconds(text) == pytest.approx(seconds)
