"""Helpers for the inspect tests: the real Vecs client's URL, and reading what inspect wrote."""

from __future__ import annotations

import urllib.parse

import yaml


def vecs_url(db) -> str:
    """Vecs goes through SQLAlchemy: psycopg2 must be named (SQLAlchemy 2.1 would pick psycopg 3)."""
    user, password = urllib.parse.quote(db.user), urllib.parse.quote(db.password, safe="")
    return f"postgresql+psycopg2://{user}:{password}@{db.host}:{db.port}/{db.dbname}"


def written(path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
