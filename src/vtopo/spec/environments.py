"""Environments: one topology file, several deployments (`--env staging`).

The file's top level may hold `environments: {NAME: {databases: {...}, collections: {...}}}`.
Each entry is a partial topology deep-merged over the base before validation:
mappings merge key by key, any other value replaces, and `null` removes a key
(so it falls back to its default, or a database/collection disappears). An
`index` that names another `method` replaces the base's index instead of
merging into it (hnsw parameters make no sense for ivfflat).

Merging keeps the line of every value, so an error in a merged value points
at the override's line (and key path) when the override wrote it.
"""

from __future__ import annotations

import os
import re
import types
import typing
from typing import Any, Optional

from pydantic import BaseModel, create_model
from pydantic.fields import FieldInfo

from vtopo.errors import SpecError

ENV_VARIABLE = "VTOPO_ENV"
SECTION = "environments"
OVERRIDABLE = ("databases", "collections")
ENVIRONMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")

Location = tuple[Any, ...]


# ---------------------------------------------------------------------------
# Partial models: the schema of an override (every key optional, null allowed)
# ---------------------------------------------------------------------------

_partials: dict[type[BaseModel], type[BaseModel]] = {}


def partial_model(model: type[BaseModel], base: type[BaseModel]) -> type[BaseModel]:
    """`model` with every field optional (default None), nested models partial too.

    Field constraints and descriptions are kept (editors show them); validators
    that span fields are not: the merged topology is validated in full anyway.
    """
    if model in _partials:
        return _partials[model]
    fields: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        info = FieldInfo.merge_field_infos(field, default=None)
        info.default_factory = None
        info.default = None
        fields[name] = (Optional[_partial_annotation(field.annotation, base)], info)
    partial = create_model(
        f"{model.__name__}Override",
        __base__=base,
        __doc__=f"Part of {model.__name__} an environment overrides (null removes a key).",
        **fields,
    )
    _partials[model] = partial
    return partial


def _partial_annotation(annotation: Any, base: type[BaseModel]) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return partial_model(annotation, base)
    if origin is dict:
        return dict[args[0], Optional[_partial_annotation(args[1], base)]]  # type: ignore[valid-type]
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_partial_annotation(arg, base) for arg in args)]
    return annotation


def check_environment_name(value: str) -> str:
    if not ENVIRONMENT_NAME.fullmatch(value):
        raise ValueError(f"{value!r}: an environment name is letters, digits, '_', '-' or '.' (at most 63)")
    return value


# ---------------------------------------------------------------------------
# Selecting and merging an environment
# ---------------------------------------------------------------------------


def selected_environment(name: str | None) -> str | None:
    """The environment to use: the given name, else $VTOPO_ENV, else none (the base)."""
    if name is not None:
        return name.strip() or None
    return os.environ.get(ENV_VARIABLE, "").strip() or None


def environment_names(data: Any) -> list[str]:
    section = data.get(SECTION) if isinstance(data, dict) else None
    return [str(name) for name in section] if isinstance(section, dict) else []


class LineMap(typing.Protocol):
    lines: dict[Location, int]
    aliases: dict[Location, Location]


def merge_environment(data: dict[str, Any], doc: LineMap, name: str | None, file: str) -> dict[str, Any]:
    """The base with environment `name` merged over it (the base itself when name is None).

    doc.lines gets the override's line for every merged value and doc.aliases
    maps merged locations back to where the override wrote them.
    """
    if name is None:
        return data
    known = environment_names(data)
    if name not in known:
        line = doc.lines.get((SECTION,), 1)
        defined = f"the file defines: {', '.join(known)}" if known else "the file defines no environments"
        raise SpecError(
            [f"{file}:{line}: unknown environment {name!r}; {defined}"],
            hint=f"pass --env with one of those names, or unset {ENV_VARIABLE} to use the base topology",
        )
    override = data[SECTION][name]
    merged = {key: value for key, value in data.items()}
    if not isinstance(override, dict):
        return merged  # not a mapping: the model reports it at the override's line
    for section in OVERRIDABLE:
        if section in override:
            source = (SECTION, name, section)
            merged[section] = _merge(data.get(section), override[section], (section,), source, doc)
    return merged


def _merge(base: Any, override: Any, loc: Location, source: Location, doc: LineMap) -> Any:
    if override is None:
        return None
    if not isinstance(base, dict) or not isinstance(override, dict) or _replaces(base, override, loc):
        _forget(doc, loc)
        _alias(doc, loc, source)
        return override
    merged = dict(base)
    if source in doc.lines:
        # A problem found inside the merged mapping (at a key nobody wrote) points at the override.
        doc.lines[loc] = doc.lines[source]
    for key, value in override.items():
        child, child_source = (*loc, key), (*source, key)
        if value is None:
            merged.pop(key, None)
            _forget(doc, child)
            _alias(doc, child, child_source)
            continue
        merged[key] = _merge(base.get(key), value, child, child_source, doc)
    return merged


def _replaces(base: dict[str, Any], override: dict[str, Any], loc: Location) -> bool:
    # Switching an index's method: the base's parameters belong to the other method.
    is_index = len(loc) == 3 and loc[0] == "collections" and loc[2] == "index"
    return is_index and "method" in override and override["method"] != base.get("method", "hnsw")


def _forget(doc: LineMap, loc: Location) -> None:
    """Drop the base's lines under loc: its values are gone."""
    for key in [key for key in doc.lines if key[: len(loc)] == loc and len(key) > len(loc)]:
        del doc.lines[key]


def _alias(doc: LineMap, loc: Location, source: Location) -> None:
    """Everything under loc now comes from source: lines and key paths point there."""
    if source in doc.lines:
        doc.lines[loc] = doc.lines[source]
    doc.aliases[loc] = source
    for key, line in list(doc.lines.items()):
        if key[: len(source)] == source and len(key) > len(source):
            doc.lines[(*loc, *key[len(source):])] = line
