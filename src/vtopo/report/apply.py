"""What an apply did, as lines for stderr/stdout: per database, the summary, the closing check."""

from __future__ import annotations

from rich.text import Text

from vtopo.apply.executor import ApplyResult, DatabaseOutcome
from vtopo.apply.journal import FailureState, failure_state
from vtopo.plan.model import Plan
from vtopo.prewarm import IndexCache

NO_CHANGES = "No changes. The databases match the topology."
CANCELLED = "Apply cancelled; nothing was changed."
VERIFIED = Text.assemble(("✓", "green"), " verified: a fresh plan is empty")
STILL_DIFFERENT = Text.assemble(("warning:", "yellow"), " the databases still differ from the topology after apply:")
CHECK_SKIPPED = "check skipped: the apply was targeted (run `vtopo check` when the rest is applied)"
CHECK_FAILED = "the topology is applied, but some checks failed (see above)"
NEXT_STEPS = "`vtopo plan` shows what remains; `vtopo status` shows this apply per database."
INTERRUPTED = "interrupted"


def apply_summary(plan: Plan) -> str:
    counts = plan.summary()
    return (
        f"Apply complete: {counts['create']} created, {counts['update']} updated, "
        f"{counts['replace']} replaced, {counts['delete']} deleted."
    )


def outcome_lines(result: ApplyResult) -> list[Text]:
    """Per database: applied, failed (rolled back or not), stopped part-way, or not started,
    with the steps that stay applied, so the next step is clear."""
    return [_database_line(outcome) for outcome in result.outcomes.values()] + [Text(NEXT_STEPS)]


def _database_line(outcome: DatabaseOutcome) -> Text:
    database, done = outcome.database, len(outcome.applied)
    if outcome.interrupted:
        cleanup = f"; {outcome.cleanup}" if outcome.cleanup else ""
        return Text.assemble(("✗", "red"), f" {database}: {outcome.error} at {outcome.failed_step}; {_kept(outcome)}{cleanup}")
    if outcome.error:
        return Text.assemble(("✗", "red"), f" {database}: failed at {outcome.failed_step}; {_kept(outcome)}")
    if outcome.planned and done == outcome.planned:
        return Text.assemble(("✓", "green"), f" {database}: applied, {done} step(s): {_steps(outcome.applied)}")
    if done:
        return Text.assemble(
            ("◐", "yellow"), f" {database}: stopped after {done} of {outcome.planned} step(s): {_steps(outcome.applied)}"
        )
    if outcome.planned:
        return Text.assemble(("-", "yellow"), f" {database}: not started ({outcome.planned} step(s) left)")
    return Text.assemble(("-", "dim"), f" {database}: nothing to do")


def _kept(outcome: DatabaseOutcome) -> str:
    """What of a failed database stays applied, in the words of this report."""
    state = failure_state(rolled_back=outcome.rolled_back, steps_done=len(outcome.applied))
    if state is FailureState.rolled_back:
        return "its transaction was rolled back, nothing of it stays applied"
    if state is FailureState.steps_stay:
        return f"the {len(outcome.applied)} of {outcome.planned} step(s) before it stay applied: {_steps(outcome.applied)}"
    return state.value


def _steps(labels: list[str], limit: int = 4) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f", … ({len(labels) - limit} more)" if len(labels) > limit else "")



def prewarm_lines(prewarmed: list[IndexCache]) -> list[str]:
    """One line per `prewarm: true` collection after apply: what pg_prewarm loaded, or why not."""
    lines = []
    for cache in prewarmed:
        where = f"{cache.collection} ({cache.database})"
        if cache.problem:
            lines.append(f"! prewarm {where}: {cache.problem}")
        elif cache.index_name is None:
            lines.append(f"- prewarm {where}: no valid vector index yet")
        else:
            share = "" if cache.cached_fraction is None else f", {cache.cached_fraction:.0%} in shared buffers"
            lines.append(f"✓ prewarmed {where}: {cache.index_name}, {cache.loaded_blocks} blocks read{share}")
    return lines
