"""docker/: the compose file runs a primary and two secondaries with the ports and credentials
docker/vtopo.env (the README's Docker quick start) gives topology.example.yaml."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from psycopg.conninfo import conninfo_to_dict

from vtopo.spec import load_topology

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker" / "compose.yaml"
ENV_FILE = REPO / "docker" / "vtopo.env"


def env_file() -> dict[str, str]:
    lines = [line for line in ENV_FILE.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_compose_matches_the_environment_file_and_the_example():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert set(services) == {"app", "docs_pod", "media_pod"}
    for service in services.values():
        assert service["image"].startswith("pgvector/pgvector:pg")
        assert service["healthcheck"]["test"]
    published = {int(port.split(":")[-1]) for port in services["app"]["ports"]}
    for name in ("docs_pod", "media_pod"):
        assert services[name]["network_mode"] == "service:app"  # one namespace: same address inside and out

    variables = env_file()
    example = load_topology(REPO / "topology.example.yaml", "")
    assert {name for _, kind, name in example.secret_references() if kind == "env"} == set(variables)
    for database in example.databases:
        parts = conninfo_to_dict(variables[f"{database.upper()}_DSN"])
        service = services[database]["environment"]
        assert (parts["host"], int(parts["port"])) == ("127.0.0.1", int(service["PGPORT"]))
        assert int(service["PGPORT"]) in published
        assert (parts["user"], parts["password"]) == (service["POSTGRES_USER"], service["POSTGRES_PASSWORD"])
        assert "--auth-host=scram-sha-256" in service["POSTGRES_INITDB_ARGS"]  # postgres_fdw needs a password asked


def test_compose_file_is_accepted_by_docker_compose():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("docker compose is not installed here")
    done = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "--quiet"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
