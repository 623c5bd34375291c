"""What each command does, as functions returning results (no printing): the layer between
the CLI (options in, a report out) and the pipeline (load → desired/live → diff → plan → apply).

One module per operation. Names are imported from here on first use, so importing one
light operation (validate) does not import the heavy ones (apply: psycopg, Jinja).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "PlanContext": "plan",
    "database_order": "plan",
    "make_plan": "plan",
    "plan_from_state": "plan",
    "read_state": "plan",
    "targeted_catalogs": "plan",
    "ApplyOptions": "apply",
    "ApplyOutcome": "apply",
    "ClosingCheck": "apply",
    "apply_topology": "apply",
    "check_hazards": "preconditions",
    "check_fresh": "preconditions",
    "CheckReport": "check",
    "check_topology": "check",
    "draw_topology": "graph",
    "inspect_topology": "inspect",
    "LoadOutcome": "load",
    "load_collection": "load",
    "TopologyStatus": "status",
    "read_status": "status",
    "Validation": "validate",
    "validate_topology": "validate",
}

__all__ = sorted(_EXPORTS)

def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vtopo.operations' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
