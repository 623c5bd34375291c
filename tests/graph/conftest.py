"""Fixtures of the graph tests (data in graph_fixtures.py)."""

from __future__ import annotations

import pytest
from graph_fixtures import offline_topology


@pytest.fixture
def offline_file(make_topology):
    """A topology file whose references are NOT set: graph must not need them."""
    return make_topology(offline_topology())
