"""Fixtures for the hardening suite: faults during apply, concurrency, hostile input, secrets,
least privilege and load. The topology fixtures are the integration suite's (the gallery:
articles on pod1, clips on pod2, faces on the primary), see tests/integration/conftest.py.

Hypothesis runs derandomized (a fixed seed per test), without an example database, without
deadlines: the same examples on every machine and in CI.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from integration.conftest import applied, make_topo, topo  # noqa: F401  (fixtures)

settings.register_profile(
    "vtopo-hardening",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


def pytest_collection_modifyitems(config, items):
    """Long cases marked slow run only when asked for: `pytest -m slow` (or VTOPO_RUN_SLOW=1)."""
    import os

    import pytest

    if "slow" in (config.getoption("-m") or "") or os.environ.get("VTOPO_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with `pytest -m slow` or VTOPO_RUN_SLOW=1")
    for item in items:
        if "slow" in item.keywords and "hardening" in item.path.parts:
            item.add_marker(skip)
