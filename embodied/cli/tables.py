"""`embodied takeoff` and `embodied match`: the take-off and match tables of one model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from embodied import pipeline
from embodied.cli.common import (
    AcceptOpt,
    DatabaseOpt,
    MappingOpt,
    ModelArg,
    NoCacheOpt,
    NoGeometryOpt,
    NoRebarOpt,
    OutOpt,
    PackOpt,
    PreferGeometryOpt,
    QuietOpt,
    RunOptions,
    StdoutOpt,
    ThreadsOpt,
    ToleranceOpt,
    guarded,
    options_of,
    output_file,
    print_next_step,
    progress,
    say,
    say_cached,
    say_stdout_deprecated,
)
from embodied.pipeline import MatchResult, TakeoffResult
from embodied.report import tables
from embodied.report.files import check_target, write

DEFAULT_TOLERANCE_PERCENT = pipeline.DEFAULT_TOLERANCE * 100


@dataclass(frozen=True, slots=True)
class TableArgs:
    """One `takeoff` or `match` run: the model, where the table goes, the run's options, and (match)
    the editable mapping file to write."""

    model: Path
    output: Path | None
    stdout: bool
    run: RunOptions
    write_mapping: Path | None = None


def takeoff(
    model: ModelArg,
    out: OutOpt = None,
    stdout: StdoutOpt = False,
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE_PERCENT,
    no_geometry: NoGeometryOpt = False,
    prefer_geometry: PreferGeometryOpt = False,
    threads: ThreadsOpt = None,
    no_cache: NoCacheOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Quantities per element and material part, each with its source (one row per element x material)."""
    run = options_of(locals())
    run_takeoff(TableArgs(model, out, stdout, run))


def run_takeoff(args: TableArgs) -> None:
    run, cache = args.run, args.run.cache()

    def action() -> tuple[TakeoffResult, Path | None]:
        target = output_file(args.output, args.stdout, args.model, "takeoff")
        with progress(not run.quiet) as on_progress:
            result = pipeline.run_takeoff(args.model, run.takeoff, on_progress=on_progress, cache=cache)
        write(tables.takeoff_document(result), target)
        return result, target

    result, target = guarded(action)
    if not run.quiet:
        say_stdout_deprecated(args.output, args.stdout)
        print_takeoff_summary(result)
        say_cached(cache)
        if target is not None:
            say(f"  written: {target}")


def print_takeoff_summary(result: TakeoffResult) -> None:
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


def match(
    model: ModelArg,
    out: OutOpt = None,
    stdout: StdoutOpt = False,
    mapping: MappingOpt = None,
    write_mapping: Annotated[
        Path | None,
        typer.Option(
            "--write-mapping", help="Write an editable mapping CSV, pre-filled with matches and suggestions."
        ),
    ] = None,
    pack: PackOpt = None,
    accept_suggestions: AcceptOpt = False,
    no_rebar_estimate: NoRebarOpt = False,
    database: DatabaseOpt = None,
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE_PERCENT,
    no_geometry: NoGeometryOpt = False,
    prefer_geometry: PreferGeometryOpt = False,
    threads: ThreadsOpt = None,
    no_cache: NoCacheOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Each model material to an emission factor: method, rule and confidence (one row per material)."""
    run = options_of(locals())
    run_match(TableArgs(model, out, stdout, run, write_mapping))


def run_match(args: TableArgs) -> None:
    run, cache = args.run, args.run.cache()

    def action() -> tuple[MatchResult, Path | None]:
        # the mapping file alone is natural: then no table, unless -o or --stdout asks for one
        table = args.output is not None or args.stdout or args.write_mapping is None
        target = output_file(args.output, args.stdout, args.model, "match") if table else None
        if args.write_mapping is not None:
            check_target(args.write_mapping, (".csv",))
        with progress(not run.quiet) as on_progress:
            result = pipeline.run_match(
                args.model,
                run.takeoff,
                run.match,
                mapping_path=run.mapping,
                packs=run.packs,
                database=run.database,
                on_progress=on_progress,
                cache=cache,
            )
        if args.write_mapping is not None:
            write(tables.mapping_document(result), args.write_mapping)
        if table:
            write(tables.match_document(result), target)
        return result, target

    result, target = guarded(action)
    if not run.quiet:
        if args.write_mapping is None:
            say_stdout_deprecated(args.output, args.stdout)
        print_match_summary(result)
        say_cached(cache)
        for path in (target, args.write_mapping):
            if path is not None:
                say(f"  written: {path}")
        coverage = result.coverage
        print_next_step(
            result.materials, coverage.total_mass_kg, coverage.unknown_volume_m3, args.model, run.mapping
        )


def print_match_summary(result: MatchResult) -> None:
    summary = result.summary()
    coverage = result.coverage
    say(
        f"{Path(result.takeoff.model.path).name}: {summary['materials']} materials, "
        f"{summary['matched']} matched, {summary['unmatched']} unmatched (database {result.database_version})"
    )
    verdict = "met" if coverage.rule_met else "NOT shown"
    say(
        f"  matched mass share {coverage.share_text} ({coverage.total_mass_kg:,.0f} kg of known mass); "
        f"GB/T 51366 {coverage.required_share:.0%} rule {verdict}"
    )
    for name, mass in coverage.unmatched_by_mass[:5]:
        say(f"  unmatched: {name} ({mass:,.0f} kg)")
    if coverage.unknown_mass:
        say(
            f"  mass unknown (no density): {', '.join(coverage.unknown_mass[:5])}"
            + (" ..." if len(coverage.unknown_mass) > 5 else "")
        )
