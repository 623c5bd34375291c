"""Streaming readers for JSONL, CSV and Parquet files of (id, vector, metadata).

Each reader yields RowBatch-es of checked records (vtopo.vectors.batch) and
never holds more than the batch it is on, so memory does not grow with the
file. A record that cannot be read (bad JSON, missing key) or fails a check
is a problem at its position in the batch, so the loader can report
several at once. JSONL lines and CSV vector cells are parsed by simdjson
where it reads them exactly as the strict path does (simd.py: the vector
comes out as one float64 buffer); any other line or cell is read, and if
bad worded, by orjson, the vectors packed to float64 by struct. lines.py
reads a block of lines at a time, csv_records.py keeps the csv module off
the vector cell; the numbers are checked and encoded for the whole batch
by NumPy.

- JSONL: one object per line: {"id": "a", "vector": [0.1, ...], "metadata": {...}}
- CSV: a header row naming id, vector, metadata; vector and metadata cells hold JSON
- Parquet (parquet.py): columns id, vector (list of numbers), metadata (JSON text or struct)

`.gz` files are read compressed (JSONL and CSV).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import orjson

from vtopo.vectors.batch import RowBatch
from vtopo.vectors.shape import VectorShape

from .csv_records import CsvRecords
from .errors import LoadError
from .lines import read_lines
from .simd import FastReader

FIELDS = ("id", "vector", "metadata")
REQUIRED = ("id", "vector")
FORMATS = ("jsonl", "csv", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
# A 16000-dimension vector in a CSV cell is ~300 KB; csv's default limit is 128 KB.
_CSV_FIELD_LIMIT = 64 * 1024 * 1024
_NOT_AN_OBJECT = 'each line must be a JSON object {"id": ..., "vector": [...], "metadata": {...}}'


class Source:
    """A file being read: batches, and how far along it is (for the progress display)."""

    unit = "line"
    record_shape = '{"id": "a", "vector": [0.1, ...], "metadata": {...}}'  # what one record looks like (hints)

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def total(self) -> int:
        return self.path.stat().st_size

    def done(self) -> int:
        raise NotImplementedError

    def batches(self, shape: VectorShape, size: int) -> Iterator[RowBatch]:
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
        try:
            from .parquet import (
                ParquetSource,  # pyarrow (optional) is imported only for Parquet files
            )
        except ImportError:
            raise LoadError(
                f"{path}: reading Parquet needs pyarrow, which is not installed",
                hint="pip install 'vtopo[parquet]' (pyarrow), or convert the file to JSONL or CSV",
            ) from None
        return ParquetSource(path)
    return JsonlSource(path) if kind == "jsonl" else CsvSource(path)


def key_problem(keys: Any) -> str | None:
    unknown = [key for key in keys if key not in FIELDS]
    if unknown:
        return f"unknown key {unknown[0]!r} (expected {', '.join(FIELDS)})"
    missing = [key for key in REQUIRED if key not in keys]
    if missing:
        return f"missing {missing[0]!r}"
    return None


def json_problem(text: bytes | str, error: orjson.JSONDecodeError) -> str:
    """orjson's message and the 1-based character column of the error (its `pos` counts characters)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return "not UTF-8 text"
    column = min(error.pos, len(text.rstrip("\r\n"))) + 1  # at the end of data: just past the line's last character
    return f"not valid JSON: {error.msg} (column {column})"


class _TextSource(Source):
    """JSONL and CSV: read in binary so the position in the (compressed) file is known.

    A source may be the part of a plain file from byte `start` (a line's first byte) to `stop`
    (just after a line's end): parallel.py reads a large file in two. Its lines are numbered
    from 1; `lines` is how many it has read, `clean` False when it ended inside a record."""

    def __init__(self, path: Path, *, start: int = 0, stop: int | None = None) -> None:
        super().__init__(path)
        self._raw: BinaryIO | None = None
        self.start, self.stop = start, stop
        self.lines = 0
        self.clean = True

    def done(self) -> int:
        return self._raw.tell() if self._raw is not None and not self._raw.closed else 0

    def part(self, start: int, stop: int | None) -> "_TextSource":
        """The same file's bytes from `start` to `stop`, read as this source reads them."""
        return type(self)(self.path, start=start, stop=stop)

    def _open(self) -> tuple[BinaryIO, BinaryIO]:
        raw = open(self.path, "rb")
        self._raw = raw
        if self.path.suffix.lower() == ".gz":
            return raw, gzip.GzipFile(fileobj=raw, mode="rb")
        if self.start or self.stop is not None:
            raw.seek(self.start)
            return raw, _Part(raw, self.stop)
        return raw, raw


class JsonlSource(_TextSource):
    def batches(self, shape: VectorShape, size: int) -> Iterator[RowBatch]:
        raw, stream = self._open()
        with raw, stream:
            batch = RowBatch(shape)
            number = held = 0  # lines read; records and problems in the batch
            fast_record = FastReader(shape.dimension).jsonl_record
            for lines in read_lines(stream):
                for line in lines:
                    number += 1
                    record = fast_record(line)
                    if record is not None:
                        batch.add_encoded(number, *record)
                    elif not _add_line(batch, number, line):
                        continue
                    held += 1
                    if held == size:
                        self.lines = number
                        yield batch
                        batch, held = RowBatch(shape), 0
            self.lines = number
            if len(batch) or batch.problems:
                yield batch


class _Part:
    """A binary file read up to byte `stop` (None: its end)."""

    def __init__(self, raw: BinaryIO, stop: int | None) -> None:
        self.raw, self.stop = raw, stop

    def read(self, size: int) -> bytes:
        if self.stop is not None:
            size = min(size, self.stop - self.raw.tell())
        return self.raw.read(size) if size > 0 else b""

    def __enter__(self) -> "_Part":
        return self

    def __exit__(self, *exc) -> None:
        pass


def _add_line(batch: RowBatch, number: int, line: bytes) -> bool:
    """The line's record (or its problem) into the batch; False for a blank line."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        if not line or line.isspace():
            return False
        batch.problem(number, json_problem(line, error))
        return True
    if type(record) is not dict:
        batch.problem(number, _NOT_AN_OBJECT)
        return True
    if len(record) != 3 or "metadata" not in record or "id" not in record or "vector" not in record:
        problem = key_problem(record.keys())
        if problem:
            batch.problem(number, problem)
            return True
    # A boolean can only be in the vector if the line spells `true` or `false`; otherwise skip the
    # per-value type look. A one-byte search (memchr) for their u / s rules most lines out first.
    check_types = (b"u" in line or b"s" in line) and (b"true" in line or b"false" in line)
    batch.add(number, record["id"], record["vector"], record.get("metadata"), check_types=check_types)
    return True


class CsvSource(_TextSource):
    """A CSV file; a part of it that does not start the file reads no header: `header` gives
    the columns (the file's, read by header_index)."""

    unit = "row"
    record_shape = 'cells under the header id,vector,metadata: a,"[0.1, ...]","{""k"": 1}"'

    def __init__(self, path: Path, *, start: int = 0, stop: int | None = None,
                 header: dict[str, int] | None = None) -> None:
        super().__init__(path, start=start, stop=stop)
        self.header = header

    def part(self, start: int, stop: int | None) -> "CsvSource":
        return CsvSource(self.path, start=start, stop=stop, header=self.header_index() if start else None)

    def header_index(self) -> dict[str, int] | None:
        """The file's columns by name (None: the file is empty); a bad header is a LoadError."""
        raw, stream = CsvSource(self.path)._open()  # the whole file, from its first byte
        with raw, stream:
            return self._header(CsvRecords(stream))

    def batches(self, shape: VectorShape, size: int) -> Iterator[RowBatch]:
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        raw, stream = self._open()
        with raw, stream:
            records = CsvRecords(stream)
            index = self.header if self.header is not None else self._header(records)
            batch = RowBatch(shape)
            held = 0  # records and problems in the batch
            fast = FastReader(shape.dimension)
            reading = iter(records)
            while index is not None:
                try:
                    number, cells = next(reading)
                except StopIteration:
                    break
                except UnicodeDecodeError:
                    batch.problem(records.line, "not UTF-8 text")
                    break
                except csv.Error as error:
                    batch.problem(records.line, f"not valid CSV: {error}")
                    break
                if not any(cells) or not any(cell.strip() for cell in cells):
                    continue
                _add_cells(batch, number, cells, index, fast)  # a record or a problem
                held += 1
                if held == size:
                    self.lines = records.line
                    yield batch
                    batch, held = RowBatch(shape), 0
            self.lines, self.clean = records.line, not records.unterminated
            if len(batch) or batch.problems:
                yield batch

    def _header(self, records: CsvRecords) -> dict[str, int] | None:
        try:
            header = records.header()
        except (UnicodeDecodeError, csv.Error) as error:
            raise LoadError(f"{self.path}:1: cannot read the CSV header: {error}") from None
        if header is None:
            return None
        columns = [name.strip() for name in header]
        problem = key_problem(columns) or (
            f"column {columns[0]!r} appears twice" if len(set(columns)) != len(columns) else None
        )
        if problem:
            raise LoadError(f"{self.path}:1: the header must name id, vector and (optionally) metadata: {problem}")
        return {name: columns.index(name) for name in columns}


def _add_cells(batch: RowBatch, number: int, cells: list[str], index: dict[str, int], fast: FastReader) -> None:
    if len(cells) != len(index):
        batch.problem(number, f"{len(cells)} cells, the header names {len(index)} columns")
        return
    vector_text = cells[index["vector"]]
    floats = fast.cell_floats(vector_text)
    try:
        vector = orjson.loads(vector_text) if floats is None else None
    except orjson.JSONDecodeError:
        text = vector_text.strip()
        batch.problem(number, f"the vector cell must be a JSON array like [0.1, 0.2], got {_cut(text)!r}")
        return
    metadata: Any = None
    if "metadata" in index and cells[index["metadata"]].strip():
        try:
            metadata = orjson.loads(cells[index["metadata"]])
        except orjson.JSONDecodeError as error:
            batch.problem(number, f"the metadata cell is not valid JSON: {error.msg}")
            return
    if floats is not None:
        batch.add_floats(number, cells[index["id"]], floats, metadata)
        return
    # As for JSONL: a boolean needs `true` or `false` in the cell; a one-character search rules most out.
    check_types = ("u" in vector_text or "s" in vector_text) and ("true" in vector_text or "false" in vector_text)
    batch.add(number, cells[index["id"]], vector, metadata, check_types=check_types)


def _cut(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
