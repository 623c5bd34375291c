"""Secret references: `${env:NAME}` and `${file:PATH}`, and the Sensitive wrapper.

References are only checked for syntax when the file is validated (offline);
they are resolved by the commands that need the values, and a failure names
the variable or file and the key that uses it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from vtopo.errors import SecretError

_REFERENCE = re.compile(r"\$\{(?P<kind>[a-z]+):(?P<name>[^}]*)\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MASK = "(sensitive)"


class Sensitive:
    """A secret value that prints as (sensitive) everywhere except `.reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sensitive) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def find_references(text: str) -> list[tuple[str, str]]:
    """(kind, name) for every well-formed ${kind:name} in text."""
    return [(m["kind"], m["name"]) for m in _REFERENCE.finditer(text)]


def reference_problems(text: str) -> list[str]:
    """Syntax problems of the references in text (empty list when fine)."""
    problems = []
    for match in _REFERENCE.finditer(text):
        kind, name = match["kind"], match["name"]
        if kind == "env":
            if not _ENV_NAME.fullmatch(name):
                problems.append(f"${{env:{name}}}: not a valid environment variable name")
        elif kind == "file":
            if not name.strip():
                problems.append("${file:}: the file path is empty")
        else:
            problems.append(f"${{{kind}:...}}: unknown reference kind {kind!r}; use ${{env:NAME}} or ${{file:PATH}}")
    leftover = _REFERENCE.sub("", text)
    if "${" in leftover:
        problems.append("unterminated or malformed '${' reference; use ${env:NAME} or ${file:PATH}")
    return problems


def is_reference(text: str) -> bool:
    return bool(_REFERENCE.search(text))


def without_references(text: str, replacement: str = "") -> str:
    """text with every well-formed reference replaced (by default removed: what is written literally)."""
    return _REFERENCE.sub(replacement, text)


def resolve_text(text: str, key_path: str, base_dir: Path) -> str:
    """Substitute every reference in text; raise SecretError naming the key."""

    def substitute(match: re.Match[str]) -> str:
        kind, name = match["kind"], match["name"]
        if kind == "env":
            value = os.environ.get(name)
            if value is None:
                raise SecretError(
                    f"{key_path}: environment variable {name} is not set",
                    hint=f"export {name}=... (for local servers: eval \"$(vtopo dev env)\")",
                )
            return value
        if kind != "file":
            raise SecretError(f"{key_path}: unknown reference kind {kind!r}; use ${{env:NAME}} or ${{file:PATH}}")
        path = Path(name).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            raise SecretError(
                f"{key_path}: cannot read secret file {name}: {error.strerror or 'unreadable'}"
            ) from None
        except UnicodeDecodeError:
            raise SecretError(f"{key_path}: secret file {name} is not UTF-8 text") from None

    return _REFERENCE.sub(substitute, text)
