"""JSON Schema of the topology file, derived from the pydantic models."""

from __future__ import annotations

from typing import Any

from .models import Topology

SCHEMA_ID = "https://vtopo.dev/schema/topology-v1.json"


def topology_json_schema() -> dict[str, Any]:
    schema = Topology.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "vtopo topology file"
    return schema
