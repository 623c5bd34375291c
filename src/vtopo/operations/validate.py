"""`vtopo validate`: the topology file checked offline, with one or every environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vtopo.spec.environments import selected_environment
from vtopo.spec.loader import load_every_environment, load_topology
from vtopo.spec.models import Topology


@dataclass(frozen=True)
class Validation:
    path: Path
    topology: Topology  # the base, or the one environment asked for
    environment: str | None = None  # the environment asked for (--env / $VTOPO_ENV)
    environments: list[str] = field(default_factory=list)  # without one: every environment, valid too


def validate_topology(path: Path, *, env: str | None = None) -> Validation:
    """Without an environment (--env, $VTOPO_ENV) the base and every environment are checked."""
    environment = selected_environment(env)
    if environment is not None:
        return Validation(path, load_topology(path, environment), environment)
    loaded = load_every_environment(path)
    return Validation(path, loaded[None], environments=[name for name in loaded if name])
