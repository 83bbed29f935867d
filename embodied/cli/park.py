"""`embodied park`: a park of buildings on Dask (the library part is embodied.park)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from embodied import report as report_stage
from embodied.cli.common import (
    AcceptOpt,
    DatabaseOpt,
    MappingOpt,
    NoCacheOpt,
    NoGeometryOpt,
    NoRebarOpt,
    OutdirOpt,
    PackOpt,
    PreferGeometryOpt,
    QuietOpt,
    RunOptions,
    ThreadsOpt,
    guarded,
    kg,
    options_of,
    output_folder,
    progress,
    say,
    state,
)


def park(
    models: Annotated[
        list[Path], typer.Argument(help="IFC models (.ifc, .ifczip), or a folder of them (not recursive).")
    ],
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Park file (TOML); default: park.toml in the folder given."),
    ] = None,
    out: Annotated[
        Path,
        typer.Option("-o", "--output", help="Folder for park.<format> and buildings/<stem>.<format>."),
    ] = Path("out"),
    outdir: OutdirOpt = None,
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: json,xlsx,html,pdf (all four by default).")
    ] = "json,xlsx,html,pdf",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="A running Dask scheduler (tcp://host:8786) instead of a local one."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Local worker processes (default: one per model, ≤ cores)."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Report language: zh, en or zh+en.")] = "zh+en",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 3 (after writing) when any building failed.")
    ] = False,
    mapping: MappingOpt = None,
    pack: PackOpt = None,
    accept_suggestions: AcceptOpt = False,
    no_rebar_estimate: NoRebarOpt = False,
    database: DatabaseOpt = None,
    no_geometry: NoGeometryOpt = False,
    prefer_geometry: PreferGeometryOpt = False,
    threads: ThreadsOpt = None,
    no_cache: NoCacheOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """A park of buildings, each a Dask task: one park report (totals, intensity, renewable share)."""
    run = options_of(locals())
    folder = guarded(lambda: output_folder(out, outdir))
    run_park_command(ParkArgs(tuple(models), folder, formats, scheduler, workers, lang, strict, run))


@dataclass(frozen=True, slots=True)
class ParkArgs:
    models: tuple[Path, ...]
    output: Path
    formats: str
    scheduler: str | None
    workers: int | None
    lang: str
    strict: bool
    run: RunOptions


def run_park_command(args: ParkArgs) -> None:
    from embodied.park import ParkResult, run_park

    run = args.run

    def action() -> ParkResult:
        chosen = report_stage.parse_formats(args.formats)
        with progress(not run.quiet) as on_progress:
            return run_park(
                args.models,
                config=run.config,
                outdir=args.output,
                formats=chosen,
                workers=args.workers,
                scheduler=args.scheduler,
                options=run.takeoff,
                match_options=run.match,
                mapping=run.mapping,
                packs=run.packs,
                database=run.database,
                lang=args.lang,
                quiet=not state["debug"],
                on_progress=on_progress,
                use_cache=run.use_cache,
            )

    result = guarded(action)
    report, failed = result.report, result.failed
    quiet = run.quiet
    if not quiet:
        say(
            f"{report.name}: {len(report.buildings)} buildings on {result.workers} Dask workers "
            f"in {result.seconds:.1f} s"
        )
        for amount in report.stages:
            say(f"  {amount.key:<13} {kg(amount.kgco2e)}")
        say(f"  total         {kg(report.total_kgco2e)} (embodied {kg(report.embodied_kgco2e)})")
        if report.intensity_kgco2e_per_m2 is not None:
            say(f"  intensity     {report.intensity_kgco2e_per_m2:,.1f} kgCO2e/m² ({report.intensity_note})")
        else:
            say(f"  intensity     {report.intensity_note}")
        renewable = report.renewable
        say(f"  renewables    {renewable.note}")
        for path in result.files:
            say(f"  written: {path}")
    if failed:
        say(
            f"embodied: {len(failed)} of {len(report.buildings)} buildings failed (listed in the park report)"
        )
        if not quiet:
            for outcome in failed:
                say(f"  failed: {Path(outcome.model).name}: {outcome.error}")
    if args.strict and failed:
        say("embodied: strict: a building failed (the park reports were written)")
        raise typer.Exit(3)
