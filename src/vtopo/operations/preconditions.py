"""What apply refuses before it runs anything: data-destroying changes, a stale saved plan."""

from __future__ import annotations

from vtopo.catalog.model import fingerprint
from vtopo.errors import DatabaseUnreachable, PlanError
from vtopo.introspect.state import PlanContext
from vtopo.plan.model import Plan
from vtopo.spec.models import Topology

from .plan import command_line, database_order, reachable_targets, replica_notes


def check_hazards(plan: Plan, allow_destroy: bool) -> None:
    """Refuse blocking hazards: always for prevent_destroy, otherwise unless --allow-destroy."""
    refusals = []
    for change, hazard in plan.blocking_hazards:
        where = f"database {change.database!r}"
        if hazard.prevented:
            refusals.append(f"{where}: collection {change.name} has prevent_destroy: true; {hazard.message}")
        elif not allow_destroy:
            refusals.append(f"{where}: {hazard.message}")
    if refusals:
        prevented = any(h.prevented for _, h in plan.blocking_hazards)
        raise PlanError(
            "refusing to destroy data:\n" + "\n".join(refusals),
            hint=(
                "remove prevent_destroy from the collection first"
                if prevented
                else "nothing was changed; re-run with --allow-destroy if the data may go"
            ),
        )


def check_fresh(plan: Plan, context: PlanContext) -> None:
    """A saved plan runs only against the environment, databases and live state it was made from."""
    if plan.environment != context.topology.environment:
        raise PlanError(
            f"the plan was made for {_environment_label(plan.environment)} but apply runs with "
            f"{_environment_label(context.topology.environment)}; nothing was applied",
            hint="run apply with the plan's --env, or make a new plan",
        )
    stale = [
        db
        for db in plan.databases
        if plan.fingerprints.get(db) != fingerprint(context.live.in_database(db))
    ]
    if set(plan.databases) != set(database_order(context.topology)):
        raise PlanError("the plan was made for other databases than the topology lists", hint="run vtopo plan again")
    if stale:
        raise PlanError(
            f"plan is stale: the live state of {', '.join(stale)} changed since the plan was made; nothing was applied",
            hint="run vtopo plan again",
        )


def _environment_label(name: str | None) -> str:
    return f"environment {name!r}" if name else "the base topology (no --env)"


def refuse_unreachable(topology: Topology, unreachable: dict[str, DatabaseUnreachable]) -> PlanError:
    """An apply without --target needs every database: name the unreachable ones and the
    targeted apply that would proceed without them."""
    names = ", ".join(unreachable)
    hints = list(dict.fromkeys(error.hint for error in unreachable.values() if error.hint))
    proceed = reachable_targets(topology, set(unreachable))
    if proceed is None:
        hints.append(f"nothing can be applied without {names}; run apply again once it is back")
    else:
        line = command_line("apply", str(topology.source_path), topology.environment, proceed)
        hints.append(f"to apply what does not need {names}: {line} (then a full apply once {names} is back)")
    hints += replica_notes(topology, set(unreachable))
    message = [error.message for error in unreachable.values()]
    return PlanError("\n".join([*message, "nothing was applied: an apply without --target needs every database"]), hint="; ".join(hints))
