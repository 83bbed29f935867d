"""What every command shares: the one place errors become exit codes, talk on stderr, the progress
bar, the option types, the options record each command builds from them (``RunOptions``), and what
`-o/--output` means (``output_file``, ``output_folder``). Stdout carries data, stderr carries talk.

Every deliberate failure is an ``EmbodiedError``; ``EXIT_CODES`` maps it to an exit code here and it is
shown as one line (``--debug`` shows the traceback too).
"""

from __future__ import annotations

import inspect
import os
import shlex
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from embodied.errors import EmbodiedError, InputError, OutputError
from embodied.pipeline import DEFAULT_TOLERANCE, MatchOptions, TakeoffCache, TakeoffOptions, default_cache
from embodied.report.files import FORMATS, check_target

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
    typer.Option(
        "-o",
        "--output",
        help="Output folder (<model-stem>_<command>.xlsx in it), or a file: .csv, .xlsx or .json.",
    ),
]
StdoutOpt = Annotated[bool, typer.Option("--stdout", help="Write the table as CSV to stdout.")]
OutdirOpt = Annotated[
    Path | None, typer.Option("--outdir", hidden=True, help="Deprecated spelling of -o/--output.")
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


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The options of a run shared by `takeoff`, `match`, `calculate`, `report` and `park`: what to
    read besides the model, how to take off and match, and how to talk."""

    takeoff: TakeoffOptions
    match: MatchOptions
    config: Path | None = None
    mapping: Path | None = None
    packs: tuple[Path, ...] = ()
    database: Path | None = None
    use_cache: bool = True
    quiet: bool = False

    def cache(self) -> TakeoffCache | None:
        return default_cache() if self.use_cache else None


def run_options(
    *,
    tolerance: float = DEFAULT_TOLERANCE * 100,
    no_geometry: bool = False,
    prefer_geometry: bool = False,
    threads: int | None = None,
    accept_suggestions: bool = False,
    no_rebar_estimate: bool = False,
    config: Path | None = None,
    mapping: Path | None = None,
    pack: Sequence[Path] | None = None,
    database: Path | None = None,
    no_cache: bool = False,
    quiet: bool = False,
) -> RunOptions:
    """The options record of a command, from its command-line options (tolerance in percent); options
    that exclude each other are an error of the command line (exit 2)."""
    takeoff = guarded(
        lambda: TakeoffOptions(
            use_geometry=not no_geometry,
            prefer_geometry=prefer_geometry,
            tolerance=tolerance / 100.0,
            threads=threads,
        )
    )
    return RunOptions(
        takeoff=takeoff,
        match=MatchOptions(accept_suggestions=accept_suggestions, rebar_estimate=not no_rebar_estimate),
        config=config,
        mapping=mapping,
        packs=tuple(pack or ()),
        database=database,
        use_cache=not no_cache,
        quiet=quiet,
    )


def say_cached(cache: TakeoffCache | None) -> None:
    if cache is not None and cache.hits:
        say(f"  quantities from the cache in {cache.directory} (same model bytes, code, data and options)")


def output_file(
    output: Path | None,
    stdout: bool,
    model: Path,
    name: str,
    suffixes: Sequence[str] = FORMATS,
) -> Path | None:
    """Where a one-table command writes: None for stdout, else a file, checked before any work.

    `-o FOLDER` (an existing folder, or a path without a suffix, created) writes
    FOLDER/<model-stem>_<name>.xlsx; `-o FILE.csv|.xlsx|.json` writes that file; `--stdout` writes CSV
    to stdout. Neither `-o` nor `--stdout` still writes CSV to stdout (`say_stdout_deprecated`)."""
    if stdout and output is not None:
        raise InputError("-o/--output and --stdout: give one of them")
    if output is None:
        return None
    if output.is_dir() or not output.suffix:
        output = make_folder(output) / f"{Path(model).stem}_{name}.xlsx"
    check_target(output, suffixes)
    return output


def output_folder(folder: Path, deprecated: Path | None = None) -> Path:
    """The output folder of a command (`-o/--output`; `--outdir` is its old spelling); an OutputError
    when it is a file. The folder is created when the reports are written."""
    if deprecated is not None:
        say("embodied: note: --outdir is deprecated; use -o/--output (the same folder)")
        folder = deprecated
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is not a directory")
    return folder


def make_folder(folder: Path) -> Path:
    """`folder` created (with its parents); an OutputError naming it when it cannot be."""
    output_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the output folder ({exc.strerror or exc})") from exc
    return folder


def kg(value: float | None) -> str:
    return "not declared" if value is None else f"{value:,.0f} kgCO2e"


class MaterialLike(Protocol):
    """A material row of the match (the `match` command) or of the report model (`calculate`, `report`)."""

    @property
    def factor_id(self) -> str | None: ...
    @property
    def method(self) -> str: ...
    @property
    def mass_kg(self) -> float | None: ...


def print_next_step(
    materials: Sequence[MaterialLike],
    total_mass_kg: float | None,
    unknown_volume_m3: float | None,
    model: Path,
    mapping: Path | None,
) -> None:
    """The user's next step while materials are unmatched or defaulted (grade assumed): how many, their
    share of the mass, and the command that writes the editable mapping file."""
    rows = [m for m in materials if m.method != "estimate"]
    unmatched = [m for m in rows if not m.factor_id]
    defaulted = [m for m in rows if m.method == "default"]
    if not unmatched and not defaulted:
        return
    of = "of the known mass" if (unknown_volume_m3 or 0.0) > 0 else "of the mass"
    whole = total_mass_kg or 0.0

    def counted(group: list[MaterialLike], what: str) -> str:
        mass = sum(m.mass_kg or 0.0 for m in group)
        share = f" ({mass / whole * 100:.0f} % {of})" if whole > 0 else ""
        return f"{len(group)} material{'' if len(group) == 1 else 's'} {what}{share}"

    parts = [counted(g, w) for g, w in ((unmatched, "unmatched"), (defaulted, "defaulted")) if g]
    target = mapping.with_name(f"{mapping.stem}-next.csv") if mapping is not None else Path("mapping.csv")
    written = shlex.quote(str(target))
    given = f" --mapping {shlex.quote(str(mapping))}" if mapping is not None else ""
    command = f"embodied match {shlex.quote(str(model))}{given} --write-mapping {written}"
    say(
        f"next: {', '.join(parts)} — write the mapping file with `{command}`, fill factor_id "
        f"(a defaulted row: the factor of its real grade), then rerun with `--mapping {written}`"
    )


def say_stdout_deprecated(output: Path | None, stdout: bool) -> None:
    """After a table went to stdout without `--stdout` (the old default): say that it is deprecated."""
    if output is None and not stdout:
        say("embodied: note: CSV to stdout without --stdout is deprecated; give --stdout, or -o FOLDER")


def options_of(values: Mapping[str, Any]) -> RunOptions:
    """``run_options`` of a command's own parameters (its ``locals()``): those it shares with the others."""
    names = inspect.signature(run_options).parameters
    return run_options(**{k: v for k, v in values.items() if k in names})
