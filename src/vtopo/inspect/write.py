"""The recognised topology as a YAML file people read: key order of the README, small
mappings (index, metadata fields, grants) on one line, a header saying what to fill in."""

from __future__ import annotations

from typing import Any

import yaml

# Key order inside each section, as the README shows it.
ORDER = {
    "top": ["version", "name", "databases", "collections"],
    "database": ["primary", "dsn", "fdw", "reader", "replicas", "reads"],
    "fdw": ["host", "port", "dbname", "user", "password", "sslmode", "options"],
    "collection": ["database", "shards", "dimension", "type", "measure", "index", "metadata", "gin_index", "search", "expose", "prevent_destroy"],
    "index": ["method", "m", "ef_construction", "lists"],
}


class _Flow(dict):
    """Written on one line: `index: {method: hnsw, m: 16, ef_construction: 64}`."""


class _FlowList(list):
    """Written on one line: `grant: [anon, authenticated]`."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True))
_Dumper.add_representer(_FlowList, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True))


def _ordered(data: dict[str, Any], order: list[str]) -> dict[str, Any]:
    return {key: data[key] for key in sorted(data, key=lambda k: (order.index(k) if k in order else len(order), k))}


def _styled(data: dict[str, Any]) -> dict[str, Any]:
    top = _ordered(data, ORDER["top"])
    top["databases"] = {
        name: _database(entry) for name, entry in top.get("databases", {}).items()
    }
    top["collections"] = {name: _collection(entry) for name, entry in top.get("collections", {}).items()}
    return top


def _database(entry: dict[str, Any]) -> dict[str, Any]:
    entry = _ordered(entry, ORDER["database"])
    if "fdw" in entry:
        fdw = _ordered(entry["fdw"], ORDER["fdw"])
        if "options" in fdw:
            fdw["options"] = _Flow(fdw["options"])
        entry["fdw"] = fdw
    return entry


def _collection(entry: dict[str, Any]) -> dict[str, Any]:
    entry = _ordered(entry, ORDER["collection"])
    if "index" in entry:
        entry["index"] = _Flow(_ordered(entry["index"], ORDER["index"]))
    if "metadata" in entry:
        # Field order is kept: it is the views' column order.
        entry["metadata"] = {name: _Flow(_ordered(spec, ["type", "index"])) for name, spec in entry["metadata"].items()}
    if "search" in entry:
        entry["search"] = _Flow(entry["search"])
    if "shards" in entry:
        entry["shards"] = _FlowList(entry["shards"])
    if "expose" in entry:
        expose = _ordered(entry["expose"], ["view", "grant", "function"])
        if "grant" in expose:
            expose["grant"] = _FlowList(expose["grant"])
        entry["expose"] = expose
    return entry


def render_topology(data: dict[str, Any], *, sources: list[str], variables: list[str]) -> str:
    header = [
        f"# Written by `vtopo inspect` from {', '.join(sources)}: what these databases hold.",
        "# Secrets are never written: set these variables (or edit the references) before `vtopo plan`:",
        f"#   {' '.join(variables) if variables else '(none)'}",
        "# `vtopo plan` on this file should show no changes.",
    ]
    body = yaml.dump(_styled(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    return "\n".join(header) + "\n" + body
