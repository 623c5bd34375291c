"""Names vtopo gives the objects it creates (shared by desired state and introspection)."""

from __future__ import annotations

import hashlib
import re

from vtopo.spec.names import bounded_name

VECS_SCHEMA = "vecs"
# vtopo-owned schema: exposure views on secondaries, foreign tables on the primary.
VTOPO_SCHEMA = "vtopo"
# vtopo's apply journal on the primary (vtopo.apply.journal): never part of a plan. The leading
# underscore keeps it apart from foreign tables, which are named after collections (never "_...").
JOURNAL_TABLE = "_apply_journal"
# Comments on objects vtopo created start with this marker, so introspection
# can tell them from look-alikes that belong to somebody else.
MARKER = "vtopo:"
# Buckets a sharded collection's ids are placed in (shards/placement.py; the SQL macro `bucket`).
BUCKETS = 256
# The SQLSTATE a shard's write guard raises (templates/ddl/shard_guard): a bucket it does not take.
GUARD_SQLSTATE = "VT409"

OPCLASS_SUFFIX = {"cosine": "cosine_ops", "l2": "l2_ops", "inner_product": "ip_ops"}
OPERATOR = {"cosine": "<=>", "l2": "<->", "inner_product": "<#>"}


# Settings vtopo manages on a reader role: pgvector's search knobs, how cursors are planned,
# and the pod's limits for queries through the primary (databases.<name>.reader).
READER_SETTING = re.compile(r"(hnsw|ivfflat)\.[a-z_]+|cursor_tuple_fraction|statement_timeout|idle_in_transaction_session_timeout|work_mem")


def opclass(vector_type: str, measure: str) -> str:
    return f"{vector_type}_{OPCLASS_SUFFIX[measure]}"


_MEASURE_OF_SUFFIX = {suffix: measure for measure, suffix in OPCLASS_SUFFIX.items()}


def measure_of(opclass_name: str) -> str | None:
    """vector_cosine_ops -> cosine (halfvec_l2_ops -> l2); None for an operator class with no vtopo measure."""
    return _MEASURE_OF_SUFFIX.get(opclass_name.partition("_")[2])


def vector_index_name(collection: str, ops: str, method: str, params: dict[str, int], generation: int = 0) -> str:
    """The name Vecs gives an index (`ix_{ops}_hnsw_m16_efc64_{7 chars}`), so Vecs sees it as its own.

    Vecs takes the 7-char suffix from a uuid4; vtopo derives it from the
    collection (and a generation, for an online replacement with equal parameters).
    """
    suffix = _index_suffix(collection, generation)
    if method == "hnsw":
        return f"ix_{ops}_hnsw_m{params['m']}_efc{params['ef_construction']}_{suffix}"
    return f"ix_{ops}_ivfflat_nl{params['lists']}_{suffix}"


def _index_suffix(collection: str, generation: int) -> str:
    return hashlib.sha256(f"{collection}/{generation}".encode()).hexdigest()[:7]


def vtopo_index_suffixes(collection: str) -> tuple[str, ...]:
    """The endings vtopo's vector index names of a collection have (one per generation)."""
    return tuple(f"_{_index_suffix(collection, generation)}" for generation in range(3))


def gin_index_name(collection: str, generation: int = 0) -> str:
    """Vecs names its metadata GIN index `ix_meta_{7 chars}`."""
    return "ix_meta_" + hashlib.sha256(f"{collection}/meta/{generation}".encode()).hexdigest()[:7]


def metadata_index_name(collection: str, field: str, generation: int = 0) -> str:
    """generation > 0: another name for an online replacement, still at most 63 bytes."""
    # Must not start with "ix_vector": Vecs would take it for its vector index.
    if generation:
        return bounded_name("vtopo_md", collection, field, str(generation))
    return bounded_name("vtopo_md", collection, field)
