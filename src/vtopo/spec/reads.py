"""How `reads` chooses between a database and its replicas, in libpq's terms.

The primary's foreign server (and so postgres_fdw and the search functions' dblink
connections) lists every host; libpq picks one at connect time and skips hosts that do not
answer. Direct reads (`vtopo query`, the Python API) try the same hosts in the same order.

| reads          | hosts listed           | load_balance_hosts | target_session_attrs |
|----------------|------------------------|--------------------|----------------------|
| spread         | database, replicas     | random             | any                  |
| primary-first  | database, replicas     | disable            | any                  |
| replicas-first | replicas, database     | random             | prefer-standby       |
"""

from __future__ import annotations

import random
from typing import Sequence, TypeVar

from .models import Reads

T = TypeVar("T")

_LIBPQ = {
    Reads.spread: {"load_balance_hosts": "random", "target_session_attrs": "any"},
    Reads.primary_first: {"load_balance_hosts": "disable", "target_session_attrs": "any"},
    Reads.replicas_first: {"load_balance_hosts": "random", "target_session_attrs": "prefer-standby"},
}


REPLICA_OPTIONS = ("load_balance_hosts", "target_session_attrs")  # what `reads` adds to a server


def connection_options(reads: Reads, own: tuple[str, str], replicas: Sequence[tuple[str, str]]) -> dict[str, str]:
    """host and port (comma-separated lists with replicas) and libpq's choice options."""
    if not replicas:
        return {"host": own[0], "port": own[1]}
    hosts = [*replicas, own] if reads is Reads.replicas_first else [own, *replicas]
    return {"host": ",".join(host for host, _ in hosts), "port": ",".join(port for _, port in hosts), **_LIBPQ[reads]}


def read_order(reads: Reads, own: T, replicas: Sequence[T], *, shuffle=random.shuffle) -> list[T]:
    """The order direct reads try the database (`own`) and its replicas in."""
    if reads is Reads.primary_first:
        return [own, *replicas]
    if reads is Reads.replicas_first:
        chosen = list(replicas)
        shuffle(chosen)
        return [*chosen, own]
    everything = [own, *replicas]
    shuffle(everything)
    return everything
