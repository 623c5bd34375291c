"""`vtopo plan --format json` of the example topology, byte for byte against committed files.

Made before the code was reshaped into kinds (issue 11: behaviour unchanged), then on purpose
when behaviour changed (issue 12: search functions, pinned foreign-table statistics).

Two plans: a fresh one (every create) and one after apply plus edits (updates,
replacements, deletes, hazards). Values that differ per run (server ports, database
names, timestamps) are replaced by placeholders; everything else must be identical.
Regenerate only on purpose: VTOPO_WRITE_GOLDEN=1 pytest tests/plan/test_plan_json_golden.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml
from harness import run_vtopo

from vtopo.spec.names import owned_reader_role_name

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
PASSWORDS = {"DOCS_POD_FDW_PASSWORD": "docs-fdw-secret-1", "MEDIA_POD_FDW_PASSWORD": "media-fdw-secret-2"}


def _environment(pg_dbs) -> dict[str, str]:
    return {
        "APP_DSN": pg_dbs.primary.dsn,
        "DOCS_POD_DSN": pg_dbs.secondary1.dsn,
        "MEDIA_POD_DSN": pg_dbs.secondary2.dsn,
        **PASSWORDS,
        "VTOPO_ENV": "",
    }


def _normalised(text: str, pg_dbs) -> str:
    """The plan document with run-specific values replaced by stable placeholders."""
    document = json.loads(text)
    document["created_at"] = "<created_at>"
    document.pop("vtopo_version", None)
    # The primary's live state holds foreign servers that name the secondaries' ports; the
    # secondaries' hold reader roles named after their (per-run) database names.
    for database in document["databases"]:
        document["databases"][database]["fingerprint"] = f"<{database} fingerprint>"
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    for key, db in (("docs_pod", pg_dbs.secondary1), ("media_pod", pg_dbs.secondary2)):
        text = text.replace(owned_reader_role_name(key, db.dbname), f"vtopo_fdw_{key}_<HASH>")
    for label, db in (("PRIMARY", pg_dbs.primary), ("DOCS_POD", pg_dbs.secondary1), ("MEDIA_POD", pg_dbs.secondary2)):
        for value, name in ((db.dbname, "DBNAME"), (str(db.peer_port), "PORT"), (str(db.port), "PORT")):
            text = re.sub(rf"(?<![0-9A-Za-z_]){re.escape(value)}(?![0-9A-Za-z_])", f"<{label}_{name}>", text)
    return text + "\n"


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("VTOPO_WRITE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"plan JSON differs from {path}"


def _plan_json(path: Path, env: dict[str, str]) -> str:
    result = run_vtopo("plan", "-f", str(path), "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_fresh_plan_of_the_example_topology_is_unchanged(pg_dbs, tmp_path):
    path = tmp_path / "topology.yaml"
    path.write_text((REPO / "topology.example.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    _compare("example_fresh.json", _normalised(_plan_json(path, _environment(pg_dbs)), pg_dbs))


def test_plan_after_edits_of_the_example_topology_is_unchanged(pg_dbs, tmp_path):
    env = _environment(pg_dbs)
    path = tmp_path / "topology.yaml"
    path.write_text((REPO / "topology.example.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    applied = run_vtopo("apply", "-f", str(path), "--auto-approve", "--no-check", env=env)
    assert applied.returncode == 0, applied.stderr
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    collections = data["collections"]
    collections["docs"]["index"]["m"] = 24  # online index replacement
    collections["docs"]["search"]["ef_search"] = 60  # role setting update
    collections["docs"]["metadata"]["lang"] = {"type": "text"}  # views replaced
    collections["posts"]["dimension"] = 256  # collection replaced (empty: non-blocking hazard)
    del collections["images"]["expose"]  # exposed view and grants deleted
    data["databases"]["media_pod"]["fdw"]["options"] = {"fetch_size": 500}  # server option update
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    env = {**env, "DOCS_POD_FDW_PASSWORD": "docs-fdw-secret-rotated"}  # secret change
    _compare("example_edited.json", _normalised(_plan_json(path, env), pg_dbs))
