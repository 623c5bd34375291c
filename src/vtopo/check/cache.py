"""`vtopo check`'s row for collections with `prewarm: true`: how much of the vector index is
in shared buffers (after loading it, with --prewarm)."""

from __future__ import annotations

from vtopo.prewarm import WARM_FRACTION, IndexCache, warm_indexes
from vtopo.spec.resolve import ResolvedTopology

from .verdict import CheckResult

CHECK = "index in shared buffers"


def cache_results(resolved: ResolvedTopology, databases: set[str], collections: set[str] | None, *, load: bool) -> list[CheckResult]:
    found = warm_indexes(resolved, databases, load=load)
    return [_result(cache, load) for cache in found if collections is None or cache.collection in collections]


def _result(cache: IndexCache, loaded: bool) -> CheckResult:
    def result(passed: bool | None, detail: str) -> CheckResult:
        return CheckResult(cache.collection, cache.database, CHECK, passed, detail)

    if cache.problem:
        return result(False, f"could not prewarm or measure: {cache.problem}")
    if cache.index_name is None:
        return result(None, "no valid vector index yet")
    if cache.cached_fraction is None:
        done = f"pg_prewarm read {cache.loaded_blocks} blocks of {cache.index_name}; " if loaded else ""
        return result(None, done + "fraction unknown: CREATE EXTENSION pg_buffercache to measure it")
    share = f"{cache.cached_fraction:.0%} of {cache.index_name} cached"
    if cache.cached_fraction >= WARM_FRACTION:
        return result(True, share)
    if loaded:
        return result(False, share + " right after pg_prewarm: the index does not fit shared_buffers (see vtopo capacity)")
    return result(None, share + "; vtopo check --prewarm loads it")
