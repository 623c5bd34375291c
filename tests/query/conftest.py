"""Fixtures for the query tests: one applied topology per test module.

Applying a topology takes a few seconds, so modules that only read (or write
into their own collections) share one: `applied` creates fresh databases on
the session's servers, writes the module's COLLECTIONS into a topology,
applies it and drops everything at the end of the module. A module using it
must not also use `pg_dbs` (its teardown drops the roles apply created).
"""

from __future__ import annotations

import pytest
from harness import applied_topology


@pytest.fixture(scope="module")
def applied(request, pg_servers, tmp_path_factory):
    prefix = getattr(request.module, "PREFIX", "QT")
    with applied_topology(pg_servers, tmp_path_factory.mktemp("topology"), request.module.COLLECTIONS,
                          prefix=prefix) as done:
        yield done
