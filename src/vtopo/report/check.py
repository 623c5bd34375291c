"""Check results as a table per collection, or JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from vtopo.check.verdict import CheckResult

MARK = {True: Text("pass", style="green"), False: Text("FAIL", style="bold red"), None: Text("skip", style="dim")}
WARN = Text("warn", style="yellow")


def render_check_text(results: list[CheckResult]) -> RenderableType:
    if not results:
        return Text("No exposed collections to check.", style="dim")
    parts: list[RenderableType] = []
    groups: dict[str, list[CheckResult]] = {}
    for result in results:  # one table per collection, in the order they first appear
        groups.setdefault(result.collection, []).append(result)
    for collection, rows in groups.items():
        # A result without a collection is about a database (one that cannot be reached).
        title = f"collection {collection}" if collection else "databases"
        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        table.add_column("check", no_wrap=True)
        table.add_column("database", no_wrap=True)
        table.add_column("result")
        table.add_column("detail", overflow="fold")
        for row in rows:
            table.add_row(row.check, row.database, WARN if row.warning else MARK[row.passed], Text(row.detail))
        parts.append(table)
        parts.append(Text(""))
    failed = sum(1 for r in results if r.passed is False)
    warned = sum(1 for r in results if r.warning)
    summary = f"{failed} check(s) failed." if failed else "All checks passed."
    if warned:
        summary += f" {warned} warning{'s' if warned > 1 else ''}."
    parts.append(Text(summary, style="bold red" if failed else "bold green"))
    return Group(*parts)


def check_document(results: list[CheckResult]) -> dict[str, Any]:
    return {
        "passed": not any(r.passed is False for r in results),
        "results": [asdict(r) for r in results],
    }
