"""Load a topology file: YAML with line numbers, then the pydantic models.

Every problem is reported at once as `FILE:LINE: path.to.key: message`.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from vtopo.errors import SpecError

from .environments import merge_environment, selected_environment
from .models import Topology, collection_rule_problems
from .rules import cross_reference_problems

Location = tuple[Any, ...]
# libyaml's parser is ~10x faster on large topologies; same nodes and marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# A topology is a few levels deep and a few thousand values big; a file far beyond that is
# hostile (or broken): refuse it before it costs time, memory or Python's recursion limit.
MAX_DEPTH = 64
MAX_VALUES = 200_000  # after YAML aliases are expanded ("billion laughs")


class _Document:
    """Plain data from YAML plus the line of every key and list item."""

    def __init__(self) -> None:
        self.values = 0
        self.lines: dict[Location, int] = {}
        self.problems: list[tuple[int, Location, str]] = []
        # merged location -> where an environment override wrote it (see spec.environments)
        self.aliases: dict[Location, Location] = {}

    def source_of(self, loc: Location) -> Location:
        """The key path as written in the file (an override's, for merged values)."""
        for end in range(len(loc), 0, -1):
            alias = self.aliases.get(tuple(loc[:end]))
            if alias is not None:
                return (*alias, *loc[end:])
        return loc

    def line_of(self, loc: Location) -> int:
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1


class _TooLarge(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _scalar(node: yaml.Node, loader: yaml.SafeLoader, doc: _Document, path: Location) -> Any:
    """A scalar's value; one the YAML library cannot build (a 5000-digit number, 2020-13-45) is a problem."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as error:
        if node.tag.endswith(":int"):
            reason = f"a number of {len(str(node.value))} digits is too large"
        else:
            reason = f"cannot read this {node.tag.rsplit(':', 1)[-1]} value ({str(error)[:80]})"
        doc.problems.append((node.start_mark.line + 1, path, reason))
        return None


def _build(node: yaml.Node, loader: yaml.SafeLoader, doc: _Document, path: Location) -> Any:
    doc.values += 1
    if doc.values > MAX_VALUES:
        raise _TooLarge(node.start_mark.line + 1)
    if len(path) > MAX_DEPTH and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        doc.problems.append((node.start_mark.line + 1, path[:2], f"nested more than {MAX_DEPTH} levels deep"))
        return None
    if isinstance(node, yaml.MappingNode):
        own_pairs = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        loader.flatten_mapping(node)  # resolves `<<:` merge keys; merged pairs come first
        first_own = len(node.value) - own_pairs
        result: dict[Any, Any] = {}
        own_keys: set[str] = set()
        for position, (key_node, value_node) in enumerate(node.value):
            key = _scalar(key_node, loader, doc, path) if isinstance(key_node, yaml.ScalarNode) else loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                doc.problems.append((key_node.start_mark.line + 1, path, "keys must be plain strings"))
                continue
            key = str(key) if not isinstance(key, str) else key
            line = key_node.start_mark.line + 1
            if key in own_keys:
                doc.problems.append(
                    (line, (*path, key), f"duplicate key (first given on line {doc.lines[(*path, key)]})")
                )
                continue
            if position >= first_own:
                own_keys.add(key)
                doc.lines[(*path, key)] = line
            else:
                doc.lines.setdefault((*path, key), line)
            result[key] = _build(value_node, loader, doc, (*path, key))
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            doc.lines[(*path, index)] = item.start_mark.line + 1
            items.append(_build(item, loader, doc, (*path, index)))
        return items
    return _scalar(node, loader, doc, path)


def _parse_yaml(text: str, file: str) -> tuple[Any, _Document]:
    doc = _Document()
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise SpecError([f"{file}:1: the file is empty; see `vtopo schema` or topology.example.yaml"])
        data = _build(root, loader, doc, ())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if error.context_mark is not None and (mark is None or mark.index >= len(text)):
            mark = error.context_mark  # the file ended early: point at what was left open
        line = mark.line + 1 if mark else 1
        detail = error.problem or str(error)
        if error.context and error.context_mark is not None:
            detail += f" ({error.context} on line {error.context_mark.line + 1})"
        raise SpecError([f"{file}:{line}: not valid YAML: {detail}"]) from None
    except yaml.YAMLError as error:
        raise SpecError([f"{file}:1: not valid YAML: {error}"]) from None
    except _TooLarge as error:
        raise SpecError([
            f"{file}:{error.line}: the file expands to more than {MAX_VALUES:,} values "
            "(YAML aliases referring to aliases?); a topology is far smaller"
        ]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise SpecError([f"{file}:1: the top level must be a mapping with version, databases and collections"])
    return data, doc


def _model_at(loc: Location) -> type[BaseModel] | None:
    """The model class whose keys live at `loc` (for 'did you mean')."""
    model: Any = Topology
    remaining = list(loc)
    while remaining:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(str(remaining.pop(0)))
        if field is None:
            return None
        annotation = field.annotation
        while True:
            origin, args = typing.get_origin(annotation), typing.get_args(annotation)
            if origin is dict and remaining:
                remaining.pop(0)
                annotation = args[1]
            elif args and origin is not dict:
                models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
                annotation = models[0] if models else None
            else:
                break
        model = annotation
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _message(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; allowed: {', '.join(known)}" if known else "")
        return f"unknown key {loc[-1]!r}{hint}"
    if error["type"] == "missing":
        return "required key is missing"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _key_path(loc: Location) -> str:
    # pydantic marks an invalid dict key with a trailing "[key]" part: the key is the location.
    # Empty keys, keys holding a dot or unprintable characters are quoted so the path stays readable.
    parts = [_path_part(str(part)) for part in loc if part != "[key]"]
    return ".".join(parts) or "(top level)"


def _path_part(part: str) -> str:
    return part if part and part.isprintable() and "." not in part else repr(part)


def _one_line(text: str) -> str:
    """Escape newlines and other unprintable characters: one problem is one output line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _collection_rule_problems(data: Any, found: dict[tuple[Location, str], int]) -> list[tuple[Location, str]]:
    failing: dict[str, set[str]] = {}
    for loc, _ in found:
        if len(loc) >= 3 and loc[0] == "collections":
            failing.setdefault(str(loc[1]), set()).add(str(loc[2]))
    collections = data.get("collections") if isinstance(data, dict) else None
    if not isinstance(collections, dict):
        return []
    return [
        problem
        for name, keys in failing.items()
        for problem in collection_rule_problems(name, collections.get(name), keys)
    ]


def parse_topology(text: str, file: str | Path = "topology.yaml", env: str | None = None) -> Topology:
    """Validate topology text with environment `env` merged (None: $VTOPO_ENV, else the base);
    raise SpecError listing every problem."""
    file = str(file)
    data, doc = _parse_yaml(text, file)
    environment = selected_environment(env)
    data = merge_environment(data, doc, environment, file)
    found: dict[tuple[Location, str], int] = {}
    for line, loc, message in doc.problems:
        found[(loc, message)] = line
    try:
        topology = Topology.model_validate(data)
    except ValidationError as error:
        topology = None
        unreadable = {loc for _, loc, _ in doc.problems}  # already reported by the loader
        for detail in error.errors(include_url=False):
            loc = tuple(part for part in detail["loc"] if part != "[key]")
            if loc in unreadable:
                continue
            found.setdefault((loc, _message(detail)), doc.line_of(loc))
        # Field errors stop pydantic before the cross-section and per-collection rules run; run them too.
        for loc, message in cross_reference_problems(data) + _collection_rule_problems(data, found):
            found.setdefault((loc, message), doc.line_of(loc))
    if found:
        ordered = sorted(found.items(), key=lambda item: (item[1], _key_path(item[0][0])))
        # dict.fromkeys: a merged value and its override can report the same problem.
        raise SpecError(list(dict.fromkeys(
            _one_line(f"{file}:{line}: {_key_path(doc.source_of(loc))}: {message}") for (loc, message), line in ordered
        )))
    topology._environment = environment
    return topology


def load_topology(path: str | Path, env: str | None = None) -> Topology:
    """Read and validate a topology file (offline: no database, no secret).

    env: the environment to merge (None: $VTOPO_ENV, else the base topology)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(
            [f"{path}: no such topology file"],
            hint="pass -f FILE, set VTOPO_FILE, or start from topology.example.yaml",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError([f"{path}: cannot read the topology file: {getattr(error, 'strerror', None) or error}"]) from None
    topology = parse_topology(text, path, env)
    topology._source_path = path
    return topology


def load_every_environment(path: str | Path) -> dict[str | None, Topology]:
    """The base topology and each environment merged over it, all validated: every problem
    of every environment at once (None is the base)."""
    base = load_topology(path, "")
    loaded: dict[str | None, Topology] = {None: base}
    problems: list[str] = []
    for name in base.environments:
        try:
            loaded[name] = load_topology(path, name)
        except SpecError as error:
            problems += [f"{line} (environment {name})" for line in error.problems]
    if problems:
        raise SpecError(list(dict.fromkeys(problems)))
    return loaded
