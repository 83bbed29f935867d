"""Command line: wires the pipeline to files. Stdout carries data, stderr carries talk.

Every deliberate failure is an ``EmbodiedError``; ``EXIT_CODES`` maps it to an exit code in this one
place and it is shown as one line (``--debug`` shows the traceback too).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from embodied import __version__, output, pipeline
from embodied.errors import EmbodiedError, InputError, OutputError
from embodied.records import TakeoffResult
from embodied.takeoff.core import DEFAULT_TOLERANCE, TakeoffOptions

EXIT_CODES: dict[type[EmbodiedError], int] = {InputError: 2, OutputError: 2, EmbodiedError: 1}

app = typer.Typer(
    help="embodied: embodied carbon of buildings from IFC models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stderr = Console(stderr=True, highlight=False)
_state = {"debug": False}
T = TypeVar("T")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"embodied {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """embodied: embodied carbon of buildings from IFC models."""
    _state["debug"] = debug or os.environ.get("EMBODIED_DEBUG") == "1"


def exit_code(error: EmbodiedError) -> int:
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


def guarded(action: Callable[[], T]) -> T:
    """Run `action`; an EmbodiedError becomes one line on stderr and its exit code."""
    try:
        return action()
    except BrokenPipeError:  # `embodied takeoff m.ifc | head`: the reader has gone, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    except KeyboardInterrupt:
        say("embodied: interrupted; nothing was written")
        raise typer.Exit(130) from None
    except EmbodiedError as error:
        if _state["debug"]:
            stderr.print_exception()
        say(f"embodied: error: {error.one_line()}")
        raise typer.Exit(exit_code(error)) from None


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    if not enabled or not stderr.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done)  # type: ignore[arg-type]

        yield update


def say(text: str) -> None:
    """One line of talk on stderr, never wrapped or styled."""
    stderr.print(text, markup=False, highlight=False, soft_wrap=True)


def _print_summary(result: TakeoffResult) -> None:
    summary = result.summary()
    info = result.model
    say(
        f"{Path(info.path).name} ({info.schema_identifier}, {info.units.length_name}): "
        f"{summary['elements_read']} elements read, {summary['rows_written']} rows written"
    )
    say(
        f"  without material: {summary['elements_without_material']}, "
        f"without quantity: {summary['elements_without_quantity']}, "
        f"base-quantity/geometry disagreements (> {result.tolerance:.0%}): "
        f"{summary['quantity_disagreements']}"
    )
    if summary["materials_without_density"]:
        say(f"  materials without density in the model (no mass): {summary['materials_without_density']}")
    if summary["elements_excluded_by_class"]:
        say("  left out by class: " + ", ".join(f"{e.ifc_class} {e.count}" for e in result.excluded))
    if not result.geometry_used:
        say("  geometry not computed (--no-geometry): no cross-check was made")


@app.command()
def takeoff(
    model: Annotated[Path, typer.Argument(help="IFC model: .ifc or .ifczip (IFC2X3, IFC4, IFC4X3).")],
    out: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Output file: .csv, .xlsx or .json (CSV to stdout if omitted)."),
    ] = None,
    tolerance: Annotated[
        float,
        typer.Option(
            help="Percent difference between base-quantity and geometry volume listed as a disagreement."
        ),
    ] = DEFAULT_TOLERANCE * 100,
    no_geometry: Annotated[
        bool, typer.Option("--no-geometry", help="Skip geometry: faster, but no fallback and no cross-check.")
    ] = False,
    prefer_geometry: Annotated[
        bool,
        typer.Option(
            "--prefer-geometry",
            help="Use the geometry volume even where a base quantity exists (still checked).",
        ),
    ] = False,
    threads: Annotated[int | None, typer.Option(help="Geometry threads (default: all cores).", min=1)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
) -> None:
    """Quantities per element and material part, each with its source (one row per element x material)."""

    def action() -> TakeoffResult:
        options = TakeoffOptions(
            use_geometry=not no_geometry,
            prefer_geometry=prefer_geometry,
            tolerance=tolerance / 100.0,
            threads=threads,
        )
        if out is not None:
            output.check_target(out)
        with _progress(not quiet) as on_progress:
            result = pipeline.run_takeoff(model, options, on_progress=on_progress)
        output.write(result, out)
        return result

    result = guarded(action)
    if not quiet:
        _print_summary(result)
        if out is not None:
            say(f"  written: {out}")
