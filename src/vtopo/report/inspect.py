"""`vtopo inspect`: what to tell beside the written topology file (stderr)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from vtopo.diagnostics import warning
from vtopo.inspect import Inspection

from .diagnostics import diagnostic_line


def inspection_lines(result: Inspection, out: Path | None) -> list[Text]:
    lines = [Text(f"wrote {out} (primary: {result.primary})")] if out is not None else []
    lines += [diagnostic_line(warning(text)) for text in result.warnings]
    if result.pending:
        lines.append(diagnostic_line(warning("vtopo plan on this file would still change:")))
        lines += [Text(f"  {line}") for line in result.pending]
    if result.variables:
        lines.append(Text(f"set before `vtopo plan`: {' '.join(result.variables)}"))
    return lines
