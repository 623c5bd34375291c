"""Fixtures for the load tests: one applied topology per test module (see tests/query/conftest.py)."""

from __future__ import annotations

import pytest
from harness import applied_topology


@pytest.fixture(scope="module")
def applied(request, pg_servers, tmp_path_factory):
    """Fresh databases with the module's COLLECTIONS applied; dropped after the module.
    A module using it must not also use `pg_dbs` (its teardown drops the roles apply created)."""
    with applied_topology(pg_servers, tmp_path_factory.mktemp("topology"), request.module.COLLECTIONS,
                          prefix="LD") as done:
        yield done
