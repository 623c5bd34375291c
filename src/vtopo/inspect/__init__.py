"""`vtopo inspect`: read live databases and write the topology file that describes them.

This is how a team adopts existing Vecs deployments: `plan` on the result is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vtopo.introspect.live import Wanted, introspect_all, live_catalog

from .recognise import guess_primary, recognise
from .sources import Sources, sources_from_file, sources_from_pairs, with_primary
from .verify import pending_changes
from .write import render_topology


@dataclass
class Inspection:
    text: str  # the topology file
    primary: str
    warnings: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)  # ${env:...} the user must set
    pending: list[str] = field(default_factory=list)  # what plan on the file would still change


def inspect_databases(sources: Sources) -> Inspection:
    # Discovery: no wanted names; introspection still finds every Vecs collection and
    # everything vtopo marked as its own.
    dsns = sources.dsns()
    live = live_catalog(introspect_all(dsns, {name: Wanted() for name in dsns}))
    if not any(source.primary for source in sources.databases):
        sources = with_primary(sources, guess_primary(live, sources))
    recognised = recognise(live, sources)
    text = render_topology(recognised.data, sources=list(dsns), variables=recognised.variables)
    return Inspection(
        text=text,
        primary=sources.primary,
        warnings=recognised.warnings,
        variables=recognised.variables,
        pending=pending_changes(text, sources),
    )


__all__ = ["Inspection", "inspect_databases", "sources_from_file", "sources_from_pairs"]
