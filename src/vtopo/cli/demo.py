"""`vtopo demo`: the whole job on local embedded servers, printed step by step."""

from __future__ import annotations

from pathlib import Path

from vtopo.demo import run_demo

from .app import EnvironmentOption, TopologyFileOption, command_group
from .dev import _local
from .output import stderr, stdout

commands = command_group()

EXAMPLE = "topology.example.yaml"


def _start_servers(topology_file: Path, env: str | None = None) -> dict[str, str]:
    local = _local()
    local.up(topology_file, env)
    return local.environment(topology_file, env).values


@commands.command()
def demo(file: TopologyFileOption = None, env: EnvironmentOption = None) -> None:
    """Start local servers for a topology, plan, apply, load sample vectors, search through the primary.

    Example: vtopo demo            (uses topology.example.yaml)
    """
    path = file if file is not None else Path(EXAMPLE)
    report = run_demo(
        path,
        say=lambda line: stdout.print(line, markup=False, highlight=False),
        start_servers=lambda topology_file: _start_servers(topology_file, env),
        env=env,
    )
    stderr.print(
        f"done. Explore with: eval \"$(vtopo dev env -f {path})\" && vtopo plan -f {path}; "
        f"stop with: vtopo dev down -f {path} --purge",
        markup=False,
    )
    if report.plan_before is not None and report.plan_before.is_empty:
        stderr.print("(nothing to change: the databases already matched the topology)", markup=False)
