"""`vtopo schema`: a valid Draft 2020-12 JSON Schema that matches the committed file."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml


@pytest.fixture(scope="module")
def schema_output(vtopo) -> str:
    run = vtopo("schema")
    assert run.code == 0, run.err
    return run.out


@pytest.fixture(scope="module")
def validator(schema_output):
    schema = json.loads(schema_output)
    return jsonschema.Draft202012Validator(schema)


def test_schema_is_a_valid_draft_2020_12_schema(schema_output):
    schema = json.loads(schema_output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_committed_schema_is_current(schema_output, repo_root):
    committed = (repo_root / "topology.schema.json").read_text(encoding="utf-8")
    assert committed == schema_output, "topology.schema.json is stale: run `vtopo schema > topology.schema.json`"


@pytest.mark.parametrize("source", ["example", "orbit"])
def test_valid_topologies_match_the_schema(validator, repo_root, orbit, source):
    text = (repo_root / "topology.example.yaml").read_text(encoding="utf-8") if source == "example" else orbit
    validator.validate(yaml.safe_load(text))


@pytest.mark.parametrize(
    ("replacements", "path"),
    [
        pytest.param([("name: orbit-lab", "nmae: orbit-lab")], [], id="unknown-top-level-key"),
        pytest.param([("measure: l2", "measure: l1")], ["collections", "sketches", "measure"], id="bad-measure"),
        pytest.param([("dimension: 1536", "dimension: 16001")], ["collections", "papers", "dimension"],
                     id="dimension-too-large"),
        pytest.param([("cited: {type: bigint}", "cited: {type: jsonb}")],
                     ["collections", "papers", "metadata", "cited", "type"], id="metadata-type"),
    ],
)
def test_schema_rejects_what_validate_rejects(validator, orbit_with, replacements, path):
    errors = list(validator.iter_errors(yaml.safe_load(orbit_with(*replacements))))
    assert [list(error.absolute_path) for error in errors] == [path]
