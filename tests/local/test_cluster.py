"""vtopo.local.LocalCluster: restarts, port conflicts and failures on real servers."""

from __future__ import annotations

import socket

import psycopg
import pytest

from vtopo.errors import LocalServerError
from vtopo.local import LocalCluster, ServerOptions


@pytest.fixture
def cluster(server_tmp_path):
    cluster = LocalCluster(server_tmp_path / "c", ServerOptions(fsync=False))
    yield cluster
    cluster.down(purge=True)


def _port(server) -> int:
    with psycopg.connect(server.dsn(), connect_timeout=10) as conn:
        return conn.execute("select inet_server_port()").fetchone()[0]


def test_a_stopped_server_moves_to_a_new_port_when_its_port_is_taken(cluster):
    (first,) = cluster.up(["solo"])
    cluster.down()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", first.port))
        squatter.listen()
        (second,) = cluster.up(["solo"])
    assert second.action == "started" and second.port != first.port
    assert _port(second) == second.port
    (listed,) = cluster.status()
    assert listed.port == second.port and listed.running  # the new port is remembered


def test_a_server_that_cannot_start_reports_its_log(cluster):
    (server,) = cluster.up(["broken"])
    cluster.down()
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.write("shared_buffers = 'lots'\n")
    with pytest.raises(LocalServerError) as raised:
        cluster.up(["broken"])
    assert "broken:" in raised.value.message
    assert "shared_buffers" in raised.value.message  # the tail of the server log
    assert server.password not in raised.value.message
