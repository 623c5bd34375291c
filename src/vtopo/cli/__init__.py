"""Command-line entry point: wires commands together and maps errors to exit codes.

Exit codes: 0 ok; 1 any error (usage errors included); 2 only for
"changes present" under `plan --detailed-exitcode`.
"""

from __future__ import annotations

import os
import sys

import typer

from vtopo.errors import SpecError, VtopoError

from .app import app  # its commands are listed in cli.commands and imported when they run
from .output import stderr


def _version_callback(value: bool) -> None:
    if value:
        from vtopo.version import __version__

        typer.echo(f"vtopo {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks for errors (never with locals)."),
) -> None:
    """Declarative PostgreSQL + pgvector vector topologies: validate, plan, apply."""
    if debug:
        os.environ["VTOPO_DEBUG"] = "1"


def print_error(error: VtopoError) -> None:
    # Plain text without wrapping: messages may quote database output (no rich
    # markup) and each `FILE:LINE: key: message` line must stay greppable.
    lines = error.message.splitlines() or [""]
    if isinstance(error, SpecError) and len(lines) > 1:
        stderr.print(f"[bold red]error:[/] {len(lines)} problems:")
        for line in lines:
            stderr.print(line, markup=False, soft_wrap=True)
    else:
        stderr.print("[bold red]error:[/]", end=" ")
        stderr.print(error.message, markup=False, soft_wrap=True)
    if error.hint:
        stderr.print("[dim]hint:[/]", end=" ")
        stderr.print(error.hint, markup=False, soft_wrap=True)


# What people write after a flag thinking it takes a value (`vtopo --debug true plan`).
BOOLEAN_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0"}


def _flag_given_a_value(args: list[str]) -> str | None:
    """`--debug` is a flag: `--debug true` would otherwise fail as "No such command 'true'"."""
    for flag, value in zip(args, args[1:]):
        if flag == "--debug" and value.lower() in BOOLEAN_WORDS:
            return f"--debug takes no value: write `vtopo --debug COMMAND ...` (or set VTOPO_DEBUG=1), not `--debug {value}`"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; never lets a traceback reach the user unless --debug."""
    args = argv if argv is not None else sys.argv[1:]
    debug = "--debug" in args or os.environ.get("VTOPO_DEBUG") == "1"
    misuse = _flag_given_a_value(args)
    if misuse is not None:
        stderr.print(f"error: {misuse}", markup=False, soft_wrap=True)
        sys.exit(1)
    try:
        code = app(args=argv, standalone_mode=False, prog_name="vtopo")
        if isinstance(code, int) and code:
            sys.exit(code)  # typer.Exit(n) inside a command comes back as a return value here
    except VtopoError as error:
        if debug:
            raise
        print_error(error)
        sys.exit(error.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        stderr.print("aborted", markup=False)
        sys.exit(1)
    except typer.TyperException as usage:
        # Usage errors exit 2 in click/typer; vtopo reserves 2 for "changes present".
        show = getattr(usage, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:
            stderr.print(f"error: {usage.message}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        stderr.print("interrupted", markup=False)
        sys.exit(130)
    sys.exit(0)
