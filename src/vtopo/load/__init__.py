"""Bulk loading: batch readers (JSONL, CSV, Parquet), binary COPY (straight or staged), upsert, index after load."""

from .errors import LoadError
from .index import BuildSettings
from .loader import Destination, LoadReport, load_source

__all__ = ["BuildSettings", "Destination", "LoadError", "LoadReport", "load_source"]
