"""A first load of a large JSONL file read by two worker processes (load/parallel.py): the same rows,
the same refusals in the same words, the same fallback for repeated ids and the same clean stop
as one process reading it alone. The size above which a file is split is lowered here, so small files split."""

from __future__ import annotations

import json
import multiprocessing

import numpy as np
import pytest

from vtopo.load import parallel
from vtopo.load.errors import LoadError
from vtopo.load.loader import LoadInterrupted
from vtopo.load.readers import JsonlSource

from test_load_index import COLLECTIONS, count, empty, load, sql, write_rows  # noqa: F401 (COLLECTIONS, empty: fixture)


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
