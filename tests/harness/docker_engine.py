"""The docker engine: three `pgvector/pgvector:pg18` containers on one network (testcontainers).

Only used with VTOPO_TEST_ENGINE=docker. Containers reach each other by network
alias (primary, secondary1, secondary2) on port 5432; the test process uses the
published ports. testcontainers' Ryuk removes the containers if the run dies.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .servers import NAMES, ServerInfo, ServerSet

IMAGE = os.environ.get("VTOPO_TEST_DOCKER_IMAGE", "pgvector/pgvector:pg18")
UNREACHABLE = "VTOPO_TEST_ENGINE=docker but no Docker engine is reachable"
_SETTINGS = "postgres -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"


def unreachable_reason() -> str | None:
    """None when a Docker engine answers, else the skip reason."""
    try:
        import docker

        docker.from_env(timeout=5).ping()
    except Exception as error:  # no socket, no permission, daemon down, docker lib missing
        return f"{UNREACHABLE} ({type(error).__name__})"
    return None


def start_docker() -> tuple[ServerSet, Callable[[], None]]:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers < 4.10
        from testcontainers.postgres import PostgresContainer
    from testcontainers.core.network import Network

    network = Network().create()
    containers: list = []

    def start_one(name: str) -> ServerInfo:
        password = secrets.token_urlsafe(18)
        container = (
            PostgresContainer(IMAGE, username="postgres", password=password, dbname="postgres", driver=None)
            .with_network(network)
            .with_network_aliases(name)
            .with_command(_SETTINGS)
        )
        containers.append(container)
        container.start()
        host, port = container.get_container_host_ip(), int(container.get_exposed_port(5432))
        return ServerInfo(name, host, port, "postgres", password, peer_host=name, peer_port=5432)

    def stop() -> None:
        for container in containers:
            try:
                container.stop()
            except Exception:
                pass
        network.remove()

    try:
        # The first start also creates testcontainers' Ryuk singleton, which is not thread-safe.
        infos = [start_one(NAMES[0])]
        with ThreadPoolExecutor(max_workers=len(NAMES) - 1) as pool:
            infos += list(pool.map(start_one, NAMES[1:]))
    except BaseException:
        stop()
        raise
    return ServerSet("docker", *infos), stop
