"""The plan as a versioned JSON document: `plan --format json` and saved plan files.

format_version 1. Secrets are never stored: objects list the names of their
secrets only, and statements are masked. `apply PLANFILE` rebuilds the plan
from this document and fills secrets in from the topology's references.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vtopo.version import __version__
from vtopo.catalog.model import CatalogObject, ObjectKind, canonical_json
from vtopo.diagnostics import note
from vtopo.errors import PlanError

from .model import Part, Phase, Plan, Statement, StatementRole, Step
from vtopo.catalog.changes import Action, Change, Hazard, HazardKind

FORMAT_VERSION = 1
DOCUMENT_KIND = "vtopo-plan"


def _object(obj: CatalogObject | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {
        "database": obj.database,
        "kind": obj.kind.value,
        "name": obj.name,
        "spec": obj.spec_dict,
        "attrs": obj.attrs_dict,
        "secrets": [name for name, _ in obj.secrets],
        "depends_on": [[d, k.value, n] for d, k, n in obj.depends_on],
        "managed": obj.managed,
    }


def _restore_object(data: dict[str, Any] | None) -> CatalogObject | None:
    if data is None:
        return None
    return CatalogObject(
        database=data["database"],
        kind=ObjectKind(data["kind"]),
        name=data["name"],
        spec=canonical_json(data["spec"]),
        attrs=canonical_json(data["attrs"]),
        secrets=tuple((name, None) for name in data.get("secrets", [])),
        depends_on=tuple((d, ObjectKind(k), n) for d, k, n in data.get("depends_on", [])),
        managed=data.get("managed", True),
    )


def plan_document(plan: Plan) -> dict[str, Any]:
    index = {id(change): position for position, change in enumerate(plan.changes)}
    changes = [
        {
            "id": index[id(change)],
            "database": change.database,
            "kind": change.kind.value,
            "name": change.name,
            "action": change.action.value,
            "reason": change.reason,
            "hazards": [
                {"kind": h.kind.value, "message": h.message, "blocking": h.blocking, "prevented": h.prevented}
                for h in change.hazards
            ],
            "before": _object(change.before),
            "after": _object(change.after),
        }
        for change in plan.changes
    ]
    steps = [
        {
            "change": index[id(step.change)],
            "database": step.database,
            "phase": step.phase.value,
            "part": step.part.value,
            "concurrently": step.concurrently,
            "statements": [
                {"sql": s.sql, "transactional": s.transactional, "role": s.role, "index_name": s.index_name,
                 **({"settings": dict(s.settings)} if s.settings else {})}
                for s in step.statements
            ],
        }
        for step in plan.steps
    ]
    return {
        "kind": DOCUMENT_KIND,
        "format_version": FORMAT_VERSION,
        "vtopo_version": __version__,
        "created_at": plan.created_at,
        "topology": {"name": plan.topology_name, "primary": plan.primary, "databases": plan.databases},
        "environment": plan.environment,
        "targets": plan.targets,
        "notes": plan.notes,
        "summary": plan.summary(),
        "empty": plan.is_empty,
        "databases": {
            db: {
                "fingerprint": plan.fingerprints.get(db),
                "changes": [index[id(c)] for c in plan.changes_in(db)],
            }
            for db in plan.databases
        },
        "changes": changes,
        "steps": steps,
        "not_managed": [{"database": db, "kind": kind, "name": name} for db, kind, name in plan.not_managed],
        "rebalances": plan.rebalances,
    }


def plan_from_document(data: dict[str, Any]) -> Plan:
    if data.get("kind") != DOCUMENT_KIND:
        raise PlanError("not a vtopo plan file", hint="make one with: vtopo plan --out FILE")
    if data.get("format_version") != FORMAT_VERSION:
        raise PlanError(
            f"plan file format {data.get('format_version')!r} is not supported (this vtopo reads {FORMAT_VERSION})",
            hint="run vtopo plan again with this version",
        )
    changes = [
        Change(
            action=Action(c["action"]),
            before=_restore_object(c["before"]),
            after=_restore_object(c["after"]),
            reason=c.get("reason", ""),
            hazards=[Hazard(HazardKind(h["kind"]), h["message"], h["blocking"], h["prevented"]) for h in c["hazards"]],
        )
        for c in data["changes"]
    ]
    steps = [
        Step(
            database=s["database"],
            phase=Phase(s["phase"]),
            change=changes[s["change"]],
            part=Part(s["part"]),
            concurrently=s["concurrently"],
            statements=[Statement(st["sql"], st["transactional"], StatementRole(st["role"]), st["index_name"],
                                  tuple((st.get("settings") or {}).items())) for st in s["statements"]],
        )
        for s in data["steps"]
    ]
    topology = data["topology"]
    return Plan(
        topology_name=topology["name"],
        primary=topology["primary"],
        databases=topology["databases"],
        changes=changes,
        steps=steps,
        fingerprints={db: info["fingerprint"] for db, info in data["databases"].items()},
        created_at=data.get("created_at", ""),
        targets=data.get("targets", []),
        notes=[note(text) for text in data.get("notes", [])],
        environment=data.get("environment"),
        not_managed=[(item["database"], item["kind"], item["name"]) for item in data.get("not_managed", [])],
        rebalances=list(data.get("rebalances") or []),
    )


def write_plan(plan: Plan, path: Path) -> None:
    path.write_text(json.dumps(plan_document(plan), indent=2) + "\n", encoding="utf-8")


def read_plan(path: Path) -> Plan:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file") from None
    except (OSError, ValueError) as error:
        raise PlanError(f"{path}: cannot read the plan file: {error}") from None
    try:
        return plan_from_document(data)
    except (KeyError, TypeError, ValueError) as error:
        raise PlanError(f"{path}: the plan file is damaged ({type(error).__name__}: {error})") from None
