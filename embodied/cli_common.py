"""What every command shares: the one place errors become exit codes, talk on stderr, the progress
bar, and the option types. Stdout carries data, stderr carries talk.

Every deliberate failure is an ``EmbodiedError``; ``EXIT_CODES`` maps it to an exit code here and it is
shown as one line (``--debug`` shows the traceback too).
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

from embodied.errors import EmbodiedError, InputError, OutputError

EXIT_CODES: dict[type[EmbodiedError], int] = {InputError: 2, OutputError: 2, EmbodiedError: 1}

stderr = Console(stderr=True, highlight=False)
state = {"debug": False}
T = TypeVar("T")


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
        if state["debug"]:
            stderr.print_exception()
        say(f"embodied: error: {error.one_line()}")
        raise typer.Exit(exit_code(error)) from None


@contextmanager
def progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
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


ModelArg = Annotated[Path, typer.Argument(help="IFC model: .ifc or .ifczip (IFC2X3, IFC4, IFC4X3).")]
OutOpt = Annotated[
    Path | None,
    typer.Option("-o", "--output", help="Output file: .csv, .xlsx or .json (CSV to stdout if omitted)."),
]
ToleranceOpt = Annotated[
    float,
    typer.Option(
        help="Percent difference between base-quantity and geometry volume listed as a disagreement."
    ),
]
NoGeometryOpt = Annotated[
    bool, typer.Option("--no-geometry", help="Skip geometry: faster, but no fallback and no cross-check.")
]
PreferGeometryOpt = Annotated[
    bool,
    typer.Option(
        "--prefer-geometry", help="Use the geometry volume even where a base quantity exists (still checked)."
    ),
]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs", "-j", "--threads", help="Geometry: cores the kernel runs on (default: all cores).", min=1
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Take off again even when the quantities of this very model (same SHA-256, same tool and "
        "options) are cached.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")]
PackOpt = Annotated[
    list[Path] | None,
    typer.Option("--pack", help="A user factor pack (.csv, .xlsx, LCAx or openEPD .json); repeatable."),
]
DatabaseOpt = Annotated[
    Path | None, typer.Option("--database", help="Another material_db folder (default: the shipped one).")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Project file (TOML); default: embodied.toml beside the model, else defaults."
    ),
]
MappingOpt = Annotated[
    Path | None, typer.Option("--mapping", help="Your mapping CSV (material -> factor_id), applied first.")
]
AcceptOpt = Annotated[
    bool,
    typer.Option(
        "--accept-suggestions", help="Apply the top fuzzy suggestion (score >= 85) when nothing else matches."
    ),
]
NoRebarOpt = Annotated[
    bool,
    typer.Option(
        "--no-rebar-estimate", help="Do not add estimated rebar for concrete when none is modelled."
    ),
]
