"""Did-you-mean notes for filter keys that look like a misspelled declared metadata field.

Metadata is free-form, so an undeclared key is fine; but one close to a declared
field (`price_cent` for `price_cents`) silently matches nothing, so it gets a note.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from .filters import Condition, Node
from .target import Target


def undeclared_field_notes(target: Target, tree: Node | None) -> list[str]:
    declared = list(target.spec.metadata)
    notes = []
    for name in dict.fromkeys(_fields(tree)):
        if name in target.spec.metadata:
            continue
        close = difflib.get_close_matches(name, declared, n=1)
        if close:
            notes.append(
                f"filter field {name!r} is not a declared metadata field of collection {target.collection!r} "
                f"(rows without that key never match); did you mean {close[0]!r}?"
            )
    return notes


def _fields(tree: Node | None) -> Iterator[str]:
    if tree is None:
        return
    if isinstance(tree, Condition):
        yield tree.field
        return
    for part in tree.parts:
        yield from _fields(part)
