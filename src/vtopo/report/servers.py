"""The local servers of `vtopo dev` as a table."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text


def servers_table(servers, *, with_data_dir: bool = False) -> Table:
    """servers: vtopo.local.dev's server states (name, port, data_dir, action, running)."""
    table = Table(box=None, pad_edge=False)
    table.add_column("database", no_wrap=True)
    table.add_column("port", justify="right")
    if with_data_dir:
        table.add_column("data dir", overflow="fold")
    table.add_column("status")
    for server in servers:
        # Text, not markup strings: a path may contain [brackets].
        row = [server.name, str(server.port or "-")] + ([str(server.data_dir)] if with_data_dir else [])
        state = Text(server.action, style="green" if server.running else "")
        table.add_row(*map(Text, row), state)
    return table
