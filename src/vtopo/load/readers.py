"""Streaming readers for JSONL, CSV and Parquet files of (id, vector, metadata).

Each reader yields one SourceRow per record and never holds more than the
record (or, for Parquet, one record batch) it is on, so memory does not grow
with the file. A record that cannot be read at all (bad JSON, missing column)
comes back as a SourceRow with a `problem`, so the loader can report several
at once.

- JSONL: one object per line: {"id": "a", "vector": [0.1, ...], "metadata": {...}}
- CSV: a header row naming id, vector, metadata; vector and metadata cells hold JSON
- Parquet (needs pyarrow): columns id, vector (list of numbers), metadata (JSON text or struct)

`.gz` files are read compressed (JSONL and CSV).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from .errors import LoadError

FIELDS = ("id", "vector", "metadata")
REQUIRED = ("id", "vector")
FORMATS = ("jsonl", "csv", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
# A 16000-dimension vector in a CSV cell is ~300 KB; csv's default limit is 128 KB.
_CSV_FIELD_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class SourceRow:
    position: int  # line (JSONL, CSV) or row number (Parquet), from 1
    id: Any = None
    vector: Any = None
    metadata: Any = None
    problem: str | None = None


class Source:
    """A file being read: rows, and how far along it is (for the progress bar)."""

    unit = "line"

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def total(self) -> int:
        return self.path.stat().st_size

    def done(self) -> int:
        raise NotImplementedError

    def rows(self) -> Iterator[SourceRow]:
        raise NotImplementedError


def detect_format(path: Path, given: str | None) -> str:
    if given:
        if given not in FORMATS:
            raise LoadError(f"unknown input format {given!r}; use one of {', '.join(FORMATS)}")
        return given
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    found = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if found is None:
        raise LoadError(f"{path}: cannot tell the format from the file name", hint="give --format jsonl, csv or parquet")
    return found


def open_source(path: Path, format: str | None = None) -> Source:
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    kind = detect_format(path, format)
    if kind == "parquet":
        return ParquetSource(path)
    return JsonlSource(path) if kind == "jsonl" else CsvSource(path)


class _TextSource(Source):
    """JSONL and CSV: read in binary so the position in the (compressed) file is known."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._raw: BinaryIO | None = None

    def done(self) -> int:
        return self._raw.tell() if self._raw is not None and not self._raw.closed else 0

    def _open(self) -> tuple[BinaryIO, BinaryIO]:
        raw = open(self.path, "rb")
        if self.path.suffix.lower() == ".gz":
            return raw, gzip.GzipFile(fileobj=raw, mode="rb")
        return raw, raw


class JsonlSource(_TextSource):
    def rows(self) -> Iterator[SourceRow]:
        raw, stream = self._open()
        self._raw = raw
        with raw, stream:
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                yield _jsonl_row(number, line)


def _jsonl_row(number: int, line: bytes) -> SourceRow:
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        return SourceRow(number, problem="not UTF-8 text")
    except json.JSONDecodeError as error:
        return SourceRow(number, problem=f"not valid JSON: {error.msg} (column {error.colno})")
    if not isinstance(record, dict):
        return SourceRow(number, problem='each line must be a JSON object {"id": ..., "vector": [...], "metadata": {...}}')
    problem = _key_problem(record.keys())
    if problem:
        return SourceRow(number, problem=problem)
    return SourceRow(number, record["id"], record["vector"], record.get("metadata"))


def _key_problem(keys: Any) -> str | None:
    unknown = [key for key in keys if key not in FIELDS]
    if unknown:
        return f"unknown key {unknown[0]!r} (expected {', '.join(FIELDS)})"
    missing = [key for key in REQUIRED if key not in keys]
    if missing:
        return f"missing {missing[0]!r}"
    return None


class CsvSource(_TextSource):
    def rows(self) -> Iterator[SourceRow]:
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        raw, stream = self._open()
        self._raw = raw
        with raw, stream, io.TextIOWrapper(stream, encoding="utf-8", newline="") as text:
            reader = csv.reader(text)
            try:
                header = next(reader, None)
            except (UnicodeDecodeError, csv.Error) as error:
                raise LoadError(f"{self.path}:1: cannot read the CSV header: {error}") from None
            if header is None:
                return
            columns = [name.strip() for name in header]
            problem = _key_problem(columns) or (
                f"column {columns[0]!r} appears twice" if len(set(columns)) != len(columns) else None
            )
            if problem:
                raise LoadError(f"{self.path}:1: the header must name id, vector and (optionally) metadata: {problem}")
            index = {name: columns.index(name) for name in columns}
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    yield SourceRow(reader.line_num + 1, problem="not UTF-8 text")
                    return
                except csv.Error as error:
                    yield SourceRow(reader.line_num, problem=f"not valid CSV: {error}")
                    return
                if not any(cell.strip() for cell in cells):
                    continue
                yield _csv_row(reader.line_num, cells, index)


def _csv_row(number: int, cells: list[str], index: dict[str, int]) -> SourceRow:
    if len(cells) != len(index):
        return SourceRow(number, problem=f"{len(cells)} cells, the header names {len(index)} columns")
    vector_text = cells[index["vector"]].strip()
    try:
        vector = json.loads(vector_text)
    except json.JSONDecodeError:
        return SourceRow(number, problem=f"the vector cell must be a JSON array like [0.1, 0.2], got {_cut(vector_text)!r}")
    metadata: Any = None
    if "metadata" in index and cells[index["metadata"]].strip():
        try:
            metadata = json.loads(cells[index["metadata"]])
        except json.JSONDecodeError as error:
            return SourceRow(number, problem=f"the metadata cell is not valid JSON: {error.msg}")
    return SourceRow(number, cells[index["id"]], vector, metadata)


class ParquetSource(Source):
    unit = "row"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        try:
            import pyarrow.parquet as pq  # optional: only Parquet needs it
        except ImportError:
            raise LoadError(
                f"{path}: reading Parquet needs pyarrow, which is not installed",
                hint="pip install 'vtopo[parquet]' (pyarrow), or convert the file to JSONL or CSV",
            ) from None
        try:
            self._file = pq.ParquetFile(path)
        except Exception as error:  # pyarrow raises its own ArrowInvalid, OSError...
            raise LoadError(f"{path}: not a readable Parquet file: {error}") from None
        self._done = 0

    @property
    def total(self) -> int:
        return self._file.metadata.num_rows

    def done(self) -> int:
        return self._done

    def rows(self) -> Iterator[SourceRow]:
        columns = self._file.schema_arrow.names
        problem = _key_problem(columns)
        if problem:
            raise LoadError(f"{self.path}: the columns must be id, vector and (optionally) metadata: {problem}")
        number = 0
        for batch in self._file.iter_batches(batch_size=2048, columns=[c for c in FIELDS if c in columns]):
            data = batch.to_pydict()
            metadata = data.get("metadata") or [None] * batch.num_rows
            for row_id, vector, meta in zip(data["id"], data["vector"], metadata):
                number += 1
                self._done = number
                yield _parquet_row(number, row_id, vector, meta)


def _parquet_row(number: int, row_id: Any, vector: Any, metadata: Any) -> SourceRow:
    if isinstance(metadata, (str, bytes)):
        try:
            metadata = json.loads(metadata)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            return SourceRow(number, problem=f"the metadata value is not valid JSON: {error}")
    elif isinstance(metadata, list):  # a Parquet map comes back as [(key, value), ...]
        metadata = dict(metadata)
    return SourceRow(number, row_id, vector, metadata)


def _cut(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
