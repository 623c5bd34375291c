"""Shared test data for the query tests: mixed-type metadata, Vecs client URLs."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import vtopo

# Values of every JSON type, so filters meet numbers, strings, booleans, null,
# arrays and objects under the same key (Vecs's jsonb comparisons order types).
SCALARS: list[Any] = [0, 1, 2, 2.5, -1, "a", "b", "5", "", True, False, None]
COMPOSITES: list[Any] = [[1, "a"], ["a", "b"], [], [True], {"x": 1}, {}]
TITLES: list[Any] = ["alpha", "beta", "gamma", "5", 5, True, ["alpha"], None]
YEARS: list[Any] = [2019, 2020, 2021, 2022, "2020", 2020.5, 2020.0, True, None]


def vecs_url(dsn: str) -> str:
    """Vecs goes through SQLAlchemy: psycopg2 must be named (2.1 would pick psycopg 3)."""
    assert dsn.startswith("postgresql://")
    return "postgresql+psycopg2://" + dsn[len("postgresql://"):]


def mixed_rows(count: int, dimension: int = 3, seed: int = 7) -> list[tuple[str, list[float], dict]]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        metadata: dict[str, Any] = {}
        for key, choices in (("k", SCALARS + COMPOSITES), ("s", SCALARS), ("tags", COMPOSITES + SCALARS[:6]),
                             ("title", TITLES), ("year", YEARS)):
            if rng.random() < 0.85:
                metadata[key] = rng.choice(choices)
        vector = [round(rng.uniform(-1, 1), 6) for _ in range(dimension)]
        rows.append((f"r{i:04d}", vector, metadata))
    return rows


@contextmanager
def filled_client(applied, name: str, rows: list, database) -> Iterator[vtopo.Client]:
    """A client of `applied` whose collection `name` holds `rows`, ANALYZEd on `database`
    (one of applied.dbs) so the planner chooses as it would on a loaded collection."""
    client = vtopo.connect(applied.path)
    try:
        client.collection(name).upsert(rows)
        with database.connect() as conn:
            conn.execute(f"ANALYZE vecs.{name}")
        yield client
    finally:
        client.close()
