"""The CSV reader's shortcut (the vector cell cut out by position) reads every file as csv.reader does."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtopo.load import lines
from vtopo.load.csv_records import CsvRecords


def as_csv_reads(data: bytes) -> tuple[list[tuple[int, list[str]]], str | None]:
    """(line number, cells) of every record as csv.reader over the file (newline="") reads them,
    and the csv error it stopped at (with its line), if any."""
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""))
    records = []
    try:
        for cells in reader:
            records.append((reader.line_num, cells))
    except csv.Error as error:
        return records, f"{reader.line_num}: {error}"
    return records, None


def as_vtopo_reads(data: bytes) -> tuple[list[tuple[int, list[str]]], str | None]:
    source = CsvRecords(io.BytesIO(data))
    records = []
    try:
        header = source.header()
        if header is not None:
            records.append((source.line, header))
            records.extend(source)
    except csv.Error as error:
        return records, f"{source.line}: {error}"
    return records, None


# Lines built from the pieces that decide how CSV splits: quotes, commas, brackets, line ends.
PIECES = st.sampled_from(['"', '""', ",", '"[', ']"', ',"[', "[1,2]", "[0.5, -1e3]", "a", " ", "\r", "\n", "\r\n",
                          "{}", '"{""k"": 1}"', "x,y", "\x00", "é"])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(PIECES, max_size=12).map("".join), max_size=8))
def test_every_file_reads_as_csv_reader_reads_it(rows):
    data = "\n".join(["id,vector,metadata", *rows]).encode()
    assert as_vtopo_reads(data) == as_csv_reads(data)


@pytest.mark.parametrize("text", [
    'id,vector,metadata\r\na,"[1, 2]","{""k"": 1}"\r\nb,"[3,4]",\r\n',  # csv.writer's CRLF lines
    'id,vector\ra,"[1,2]"\rb,"[3,4]"\r',  # bare CR line ends
    'id,vector,metadata\na,"[1,2]","{""k"":\n 2}"\nb,"[1,2]",\n',  # a record over two lines
    'id,vector\n"a,"[1,2]",z\n',  # a quote before the cell: csv decides
    'id,vector\n"p,"[1]",x"\n',  # ... even when the line parses with the cell cut out
    'id,vector\na,"[1,2]"x\n',  # something glued after the closing quote
    'id,vector\na,"[1,"2]"\n',  # a quote inside the brackets
])
def test_tricky_lines_read_as_csv_reader_reads_them(text):
    data = text.encode()
    assert as_vtopo_reads(data) == as_csv_reads(data)


def test_lines_longer_than_a_read_and_a_crlf_split_between_reads(monkeypatch):
    monkeypatch.setattr(lines, "_READ", 7)
    data = ('id,vector\r\n' + 'abc,"[' + ",".join(["0.25"] * 40) + ']"\r\n' + 'd,"[1]"\r\n').encode()
    for offset in range(8):  # every place a read can end, the \r and \n of a line end among them
        padded = b"x" * offset + data
        assert as_vtopo_reads(padded) == as_csv_reads(padded)


def test_a_line_that_is_not_utf8_names_its_line():
    source = CsvRecords(io.BytesIO(b'id,vector\na,"[1,2]"\nb\xff,"[1,2]"\n'))
    assert source.header() == ["id", "vector"]
    reading = iter(source)
    assert next(reading) == (2, ["a", "[1,2]"])
    with pytest.raises(UnicodeDecodeError):
        next(reading)
    assert source.line == 3
