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
