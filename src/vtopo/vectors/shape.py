"""What a collection's vectors must be: pgvector type and dimension."""

from __future__ import annotations

from dataclasses import dataclass

from vtopo.spec.models import CollectionSpec


@dataclass(frozen=True)
class VectorShape:
    dimension: int
    type: str = "vector"  # vector | halfvec

    @classmethod
    def of(cls, spec: CollectionSpec) -> "VectorShape":
        return cls(spec.dimension, spec.type.value)

    def __str__(self) -> str:
        return f"{self.type}({self.dimension})"

    @property
    def stored_bytes(self) -> int:
        """One stored value: 4 bytes per dimension (2 for halfvec) and an 8-byte header."""
        return self.dimension * (2 if self.type == "halfvec" else 4) + 8
