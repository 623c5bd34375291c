"""Bulk loading: streaming readers (JSONL, CSV, Parquet), binary COPY into a staging table, upsert."""

from .errors import LoadError
from .loader import LoadReport, load_file

__all__ = ["LoadError", "LoadReport", "load_file"]
