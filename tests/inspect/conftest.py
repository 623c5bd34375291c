"""Fixtures of the inspect tests: --dsn pairs over the test databases and the variables they need."""

from __future__ import annotations

import pytest


@pytest.fixture
def dsn_args(pg_dbs):
    """--dsn pairs naming the test databases app / pod1 / pod2."""
    pairs = {"app": pg_dbs.primary.dsn, "pod1": pg_dbs.secondary1.dsn, "pod2": pg_dbs.secondary2.dsn}
    return [arg for name, dsn in pairs.items() for arg in ("--dsn", f"{name}={dsn}")]


@pytest.fixture
def dsn_env(pg_dbs):
    """The variables a file written from --dsn pairs asks for."""
    return {"APP_DSN": pg_dbs.primary.dsn, "POD1_DSN": pg_dbs.secondary1.dsn, "POD2_DSN": pg_dbs.secondary2.dsn}
