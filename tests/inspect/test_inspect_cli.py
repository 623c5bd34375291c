"""`vtopo inspect` mistakes: one clear message, exit 1, no traceback, no secret."""

from __future__ import annotations

import pytest
from harness import run_vtopo


def fails(*args: str) -> str:
    run = run_vtopo("inspect", *args)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and not run.stdout
    return run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dsn", "app"], "expected NAME=DSN"),
        (["--dsn", "App=host=x"], "not a plain identifier"),
        (["--dsn", "app=host=x", "--dsn", "app=host=y"], "given twice"),
        (["--dsn", "app=host=x", "--primary", "pod"], "--primary 'pod' is none of the --dsn names (app)"),
        (["--dsn", "app=host=x = y"], "not a valid libpq connection string"),
        (["-f", "t.yaml", "--dsn", "app=host=x"], "give -f FILE or --dsn pairs, not both"),
    ],
)
def test_usage_mistakes(args, message):
    assert message in fails(*args)


def test_existing_out_is_kept_without_force(tmp_path):
    out = tmp_path / "topology.yaml"
    out.write_text("mine\n")
    assert "exists; nothing was written" in fails("--dsn", "app=host=x", "--out", str(out))
    assert out.read_text() == "mine\n"


def test_unreachable_database_names_it_without_the_password():
    stderr = fails("--dsn", "app=postgresql://admin:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=2")
    assert "database 'app': cannot connect" in stderr
    assert "s3cret-pw" not in stderr
