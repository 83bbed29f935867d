"""The command line: each command builds its options record and calls the pipeline, then writes and
prints what the pipeline's records say. ``main(argv)`` runs it as a function.

``common``: errors to exit codes, talk, progress, option types, `-o/--output`;
``tables``: `takeoff`, `match`; ``calc``: `calculate`, `report`; ``check``: `check`; ``compare``:
`compare`; ``park``: `park`; ``serve``: `serve` (the web page); ``db``: `db …`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Annotated

import typer

from embodied import __version__
from embodied.cli import calc, check, compare, park, serve, tables
from embodied.cli.common import state
from embodied.cli.db import db_app

app = typer.Typer(
    help="embodied: embodied carbon of buildings from IFC models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"embodied {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """embodied: embodied carbon of buildings from IFC models."""
    state["debug"] = debug or os.environ.get("EMBODIED_DEBUG") == "1"


app.command("takeoff")(tables.takeoff)
app.command("match")(tables.match)
app.command("calculate")(calc.calculate)
app.command("report")(calc.report)
app.command("park")(park.park)
app.command("check")(check.check)
app.command("compare")(compare.compare)
app.command("serve")(serve.serve)
app.add_typer(db_app, name="db")


def main(argv: Sequence[str] | None = None) -> int:
    """The command line as a function: run `argv` (default: the process's arguments) and return the
    exit code (0 done, 2 bad input, 3 strict findings, …) instead of exiting; for tests and other tools."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="embodied")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


__all__ = ["app", "main"]
