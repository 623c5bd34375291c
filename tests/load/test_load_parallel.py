"""A first load of a large JSONL file read by two worker processes (load/parallel.py): the same rows,
the same refusals in the same words, the same fallback for repeated ids and the same clean stop
as one process reading it alone. The size above which a file is split is lowered here, so small files split."""

from __future__ import annotations

import csv
import json
import multiprocessing
import random

import numpy as np
import pytest

from vtopo.load import parallel
from vtopo.load.errors import LoadError
from vtopo.load.loader import LoadInterrupted
from vtopo.load.readers import JsonlSource, open_source

from test_load_index import DIMENSION, COLLECTIONS, count, empty, load, sql, write_rows  # noqa: F401 (COLLECTIONS, empty: fixture)


@pytest.fixture
def split_small(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1)


def held(applied) -> dict[str, list[float]]:
    return {row_id: json.loads(vec) for row_id, vec in sql(applied, "SELECT id, vec::text FROM vecs.docs")}


def test_a_first_load_read_by_two_processes_holds_every_row_of_the_file(empty, tmp_path, split_small):
    path = write_rows(tmp_path / "v.jsonl", 1000)
    split = parallel.split_of(JsonlSource(path))
    data = path.read_bytes()
    assert split is not None and len(data) // 2 <= split.offset < len(data) // 2 + data.index(b"\n") + 1
    assert data[split.offset - 1:split.offset] == b"\n"  # cut at the line start after the middle
    report = load(empty, path, batch_size=64)
    assert (report.rows, report.staged) == (1000, False)
    wanted = {r["id"]: r["vector"] for r in map(json.loads, path.read_text().splitlines())}
    found = held(empty)
    assert set(found) == set(wanted)
    assert all(np.allclose(found[i], wanted[i], rtol=1e-6) for i in wanted)


def test_bad_records_in_both_halves_read_as_one_process_reports_them(empty, tmp_path, monkeypatch):
    path = write_rows(tmp_path / "v.jsonl", 1000)
    lines = path.read_text().splitlines()
    for number in (120, 640, 700, 701):  # one bad record in the first part, three in the second
        lines[number - 1] = json.dumps({"id": f"bad{number}", "vector": [1.0, 2.0]})
    lines[899] = "{not json"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as alone:
        load(empty, path)
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1)
    assert parallel.split_of(JsonlSource(path)).offset < len("".join(line + "\n" for line in lines[:639]))
    with pytest.raises(LoadError) as split:
        load(empty, path)
    assert split.value.message == alone.value.message and split.value.hint == alone.value.hint
    assert [f"v.jsonl:{n}:" in split.value.message for n in (120, 640, 700, 701, 900)] == [True] * 5
    assert "nothing was written" in split.value.message and count(empty) == 0


def test_more_bad_records_than_are_reported_stop_at_the_first_ones_in_file_order(empty, tmp_path, split_small):
    path = write_rows(tmp_path / "v.jsonl", 1000)
    lines = path.read_text().splitlines()
    for number in range(600, 1000, 7):  # all in the second part, more than reported
        lines[number - 1] = json.dumps({"id": f"bad{number}", "vector": [1.0]})
    lines[49] = json.dumps({"id": "bad50", "vector": [1.0]})
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as raised:
        load(empty, path)
    reported = [int(line.split(":")[1]) for line in raised.value.message.splitlines()[1:]]
    assert reported == [50, *range(600, 1000, 7)][:10]
    assert count(empty) == 0


def test_an_id_in_both_halves_falls_back_to_staging_and_the_last_wins(empty, tmp_path, split_small):
    path = write_rows(tmp_path / "v.jsonl", 1000)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    lines[899]["id"] = lines[9]["id"]  # line 900 repeats line 10's id: line 900 wins
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = load(empty, path)
    assert report.staged and report.rows == 1000 and count(empty) == 999
    assert np.allclose(held(empty)[lines[9]["id"]], lines[899]["vector"], rtol=1e-6)


class StopAfter:
    """A load's progress display that presses Ctrl-C after a few batches (in this process; the
    workers ignore SIGINT), the workers still reading."""

    def __init__(self, batches):
        self.batches = batches

    def reading(self, rows, done, total):
        self.batches -= 1
        if self.batches == 0:
            raise KeyboardInterrupt

    def writing(self, rows, total): ...
    def indexing(self, phase, done, total): ...


def test_interrupted_while_two_processes_read_nothing_is_written_and_no_process_is_left(empty, tmp_path, split_small):
    path = write_rows(tmp_path / "v.jsonl", 1000)
    with pytest.raises(LoadInterrupted) as raised:
        load(empty, path, batch_size=50, progress=StopAfter(3))
    assert raised.value.message == "interrupted while loading: nothing was written to 'docs'"
    assert multiprocessing.active_children() == []
    assert count(empty) == 0
    assert load(empty, path).rows == 1000 and count(empty) == 1000


def test_small_compressed_and_partial_files_are_read_by_one_process(tmp_path, split_small, monkeypatch):
    path = write_rows(tmp_path / "v.jsonl", 50)
    assert parallel.split_of(JsonlSource(path, start=0, stop=100)) is None  # a part already
    gz = tmp_path / "v.jsonl.gz"
    gz.write_bytes(b"")
    assert parallel.split_of(JsonlSource(gz)) is None
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", path.stat().st_size + 1)
    assert parallel.split_of(JsonlSource(path)) is None


def write_csv(path, count, *, columns=("id", "vector", "metadata"), spread=lambda i: 0, values=lambda i: DIMENSION):
    """CSV rows as csv.writer writes them (CRLF). Row i's metadata is written over lines when
    spread(i) (JSON indented: its cell holds line ends, so the record spans lines), with that many
    keys more; its vector holds values(i) numbers."""
    generator = random.Random(count)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for i in range(count):
            metadata = {"lang": "en", **{f"k{n}": n for n in range(spread(i))}}
            cells = {"id": f"d{i}", "vector": json.dumps([generator.uniform(-1, 1) for _ in range(values(i))]),
                     "metadata": json.dumps(metadata, indent=1 if spread(i) else None)}
            writer.writerow([cells[column] for column in columns])
    return path


def held_rows(applied) -> dict[str, tuple[list[float], dict]]:
    return {row_id: (json.loads(vec), meta) for row_id, vec, meta in
            sql(applied, "SELECT id, vec::text, metadata FROM vecs.docs")}


def from_csv(path) -> dict[str, tuple[list[float], dict]]:
    csv.field_size_limit(64 * 1024 * 1024)  # a record spread over 20,000 lines holds a long cell
    with path.open(newline="") as stream:
        return {row["id"]: (json.loads(row["vector"]), json.loads(row["metadata"])) for row in csv.DictReader(stream)}


def same_rows(found, wanted) -> bool:
    return set(found) == set(wanted) and all(
        np.allclose(found[i][0], wanted[i][0], rtol=1e-6) and found[i][1] == wanted[i][1] for i in wanted)


def test_a_csv_first_load_read_by_two_processes_holds_every_row(empty, tmp_path, split_small, monkeypatch):
    # Columns in another order than usual, records over two lines in both parts: the second part's
    # worker reads with the file's header, and line ends inside cells stay where they were.
    path = write_csv(tmp_path / "v.csv", 1000, columns=("vector", "metadata", "id"), spread=lambda i: i % 97 == 0)
    split = parallel.split_of(open_source(path))
    assert split is not None and path.read_bytes()[split.offset - 1:split.offset] == b"\n"
    misplaced = watch_misplaced(monkeypatch)
    report = load(empty, path, batch_size=64)
    assert (report.rows, report.staged) == (1000, False) and misplaced == []
    assert same_rows(held_rows(empty), from_csv(path))


def test_a_csv_cut_goes_past_a_record_that_spans_lines(empty, tmp_path, split_small, monkeypatch):
    # One record in the middle spreads its metadata over more lines than all the others take: the
    # first line start after the middle is inside it. The cut goes to the first line after it
    # that is a whole record, so no part starts inside a record and nothing is read twice.
    path = write_csv(tmp_path / "v.csv", 200, spread=lambda i: 20_000 if i == 100 else 0)
    data = path.read_bytes()
    long_record = data.index(b'"k0"'), data.index(b'"k19999"')
    assert long_record[0] < len(data) // 2 < long_record[1] < parallel.split_of(open_source(path)).offset
    misplaced = watch_misplaced(monkeypatch)
    assert load(empty, path, batch_size=16).rows == 200 and misplaced == []
    assert same_rows(held_rows(empty), from_csv(path))


def test_a_csv_cut_inside_a_record_after_all_is_read_again_by_one_process(empty, tmp_path, split_small, monkeypatch):
    # A malformed file can mislead the cut (here: any line taken for a record's start). The first
    # part's worker ends inside the long record; the COPY is aborted and the file read by one
    # process, every row as written.
    monkeypatch.setattr(parallel, "starts_a_record", lambda line: True)
    path = write_csv(tmp_path / "v.csv", 200, spread=lambda i: 20_000 if i == 100 else 0)
    data = path.read_bytes()
    assert data.index(b'"k0"') < parallel.split_of(open_source(path)).offset < data.index(b'"k19999"')
    misplaced = watch_misplaced(monkeypatch)
    report = load(empty, path, batch_size=16)
    assert report.rows == 200 and misplaced == [path]
    assert same_rows(held_rows(empty), from_csv(path))
    assert len(held_rows(empty)["d100"][1]) == 20_001


def test_a_csv_whose_records_all_span_lines_is_read_by_one_process(tmp_path, split_small):
    path = write_csv(tmp_path / "v.csv", 300, spread=lambda i: 3)
    assert parallel.split_of(open_source(path)) is None
    plain = write_csv(tmp_path / "plain.csv", 300)
    assert parallel.split_of(open_source(plain)) is not None


def test_bad_csv_records_in_both_halves_read_as_one_process_reports_them(empty, tmp_path, monkeypatch):
    # Records, not lines: some records span lines (none near the middle, where the file is cut),
    # so the lines named are the records' last.
    path = write_csv(tmp_path / "v.csv", 1000, spread=lambda i: 2 if i % 50 == 0 and not 400 < i < 600 else 0,
                     values=lambda i: DIMENSION + (i in (120, 640, 700)))
    with pytest.raises(LoadError) as alone:
        load(empty, path)
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1)
    assert parallel.split_of(open_source(path)) is not None
    misplaced = watch_misplaced(monkeypatch)
    with pytest.raises(LoadError) as split:
        load(empty, path)
    assert split.value.message == alone.value.message and split.value.hint == alone.value.hint
    assert split.value.message.count("the vector has") == 3 and count(empty) == 0 and misplaced == []
    assert split.value.hint.startswith('each row holds one record: cells under the header id,vector,metadata')


def watch_misplaced(monkeypatch) -> list:
    """The files whose parallel read found its cut inside a record (the load then read them again)."""
    seen, original = [], parallel.TwoParts.chunks

    def chunks(self):
        try:
            yield from original(self)
        except parallel.SplitMisplaced as misplaced:
            seen.append(misplaced.args[0])
            raise

    monkeypatch.setattr(parallel.TwoParts, "chunks", chunks)
    return seen
