"""Fixtures for the plan/apply integration tests (see helpers.py)."""

from __future__ import annotations

import pytest
from harness import topology_for

from .helpers import Topo, gallery_collections


@pytest.fixture
def make_topo(pg_dbs, make_topology, monkeypatch):
    """make_topo(collections=None, prefix="IT", fdw_passwords=None) -> Topo over pg_dbs (default: the gallery)."""

    def make(collections=None, *, prefix: str = "IT", fdw_passwords=None) -> Topo:
        data, env = topology_for(
            pg_dbs,
            prefix=prefix,
            collections=gallery_collections() if collections is None else collections,
            fdw_passwords=fdw_passwords,
        )
        return Topo(make_topology(data, env), data, env, pg_dbs, monkeypatch)

    return make


@pytest.fixture
def topo(make_topo) -> Topo:
    """The gallery topology (articles on pod1, clips on pod2, faces on the primary), not applied yet."""
    return make_topo()


@pytest.fixture
def applied(topo) -> Topo:
    """The gallery topology, applied (in-process: setup, not under test)."""
    topo.setup_apply()
    return topo
