"""Command line: wires the pipeline to files (``cli_common`` holds the error mapping, talk and
options; ``cli_db`` the ``embodied db`` commands)."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from embodied import __version__, output, pipeline
from embodied import report as report_stage
from embodied.cache import TakeoffCache, default_cache
from embodied.cli_common import (
    AcceptOpt,
    ConfigOpt,
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
    ThreadsOpt,
    ToleranceOpt,
    guarded,
    progress,
    say,
    state,
)
from embodied.cli_db import db_app
from embodied.errors import InputError
from embodied.matching.core import MatchOptions
from embodied.pipeline import Calculation
from embodied.records import MatchMethod, MatchResult, MaterialMatch, TakeoffResult
from embodied.takeoff.core import DEFAULT_TOLERANCE, TakeoffOptions

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


def _cache(no_cache: bool) -> TakeoffCache | None:
    return None if no_cache else default_cache()


def _say_cached(cache: TakeoffCache | None) -> None:
    if cache is not None and cache.hits:
        say(f"  quantities from the cache in {cache.directory} (same model bytes, code, data and options)")


def _takeoff_options(
    tolerance: float, no_geometry: bool, prefer_geometry: bool, threads: int | None
) -> TakeoffOptions:
    return TakeoffOptions(
        use_geometry=not no_geometry,
        prefer_geometry=prefer_geometry,
        tolerance=tolerance / 100.0,
        threads=threads,
    )


@app.command()
def takeoff(
    model: ModelArg,
    out: OutOpt = None,
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE * 100,
    no_geometry: NoGeometryOpt = False,
    prefer_geometry: PreferGeometryOpt = False,
    threads: ThreadsOpt = None,
    no_cache: NoCacheOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Quantities per element and material part, each with its source (one row per element x material)."""

    cache = _cache(no_cache)

    def action() -> TakeoffResult:
        options = _takeoff_options(tolerance, no_geometry, prefer_geometry, threads)
        if out is not None:
            output.check_target(out)
        with progress(not quiet) as on_progress:
            result = pipeline.run_takeoff(model, options, on_progress=on_progress, cache=cache)
        output.write(output.takeoff_document(result), out)
        return result

    result = guarded(action)
    if not quiet:
        _print_summary(result)
        _say_cached(cache)
        if out is not None:
            say(f"  written: {out}")


@app.command()
def match(
    model: ModelArg,
    out: OutOpt = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="Your mapping CSV (material -> factor_id), applied first."),
    ] = None,
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
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE * 100,
    no_geometry: NoGeometryOpt = False,
    prefer_geometry: PreferGeometryOpt = False,
    threads: ThreadsOpt = None,
    no_cache: NoCacheOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Each model material to an emission factor: method, rule and confidence (one row per material)."""

    cache = _cache(no_cache)

    def action() -> MatchResult:
        options = _takeoff_options(tolerance, no_geometry, prefer_geometry, threads)
        match_options = MatchOptions(
            accept_suggestions=accept_suggestions, rebar_estimate=not no_rebar_estimate
        )
        if out is not None:
            output.check_target(out)
        if write_mapping is not None:
            output.check_target(write_mapping, formats=(".csv",))
        with progress(not quiet) as on_progress:
            result = pipeline.run_match(
                model,
                options,
                match_options,
                mapping_path=mapping,
                packs=pack or (),
                database=database,
                on_progress=on_progress,
                cache=cache,
            )
        if write_mapping is not None:
            output.write(output.mapping_document(result), write_mapping)
        if out is not None or write_mapping is None:
            output.write(output.match_document(result), out)
        return result

    result = guarded(action)
    if not quiet:
        _print_match_summary(result)
        _say_cached(cache)
        for path in (out, write_mapping):
            if path is not None:
                say(f"  written: {path}")
        _print_next_step(result, model, mapping)


def _print_match_summary(result: MatchResult) -> None:
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
    for name, kg in coverage.unmatched_by_mass[:5]:
        say(f"  unmatched: {name} ({kg:,.0f} kg)")
    if coverage.unknown_mass:
        say(
            f"  mass unknown (no density): {', '.join(coverage.unknown_mass[:5])}"
            + (" ..." if len(coverage.unknown_mass) > 5 else "")
        )


def _print_next_step(result: MatchResult, model: Path, mapping: Path | None) -> None:
    """The user's next step while materials are unmatched or defaulted (grade assumed): how many, their
    share of the mass, and the command that writes the editable mapping file."""
    rows = [m for m in result.materials if m.method is not MatchMethod.ESTIMATE]
    unmatched = [m for m in rows if not m.factor_id]
    defaulted = [m for m in rows if m.method is MatchMethod.DEFAULT]
    if not unmatched and not defaulted:
        return
    coverage = result.coverage
    of = "of the known mass" if coverage.unknown_volume_m3 > 0 else "of the mass"

    def counted(group: list[MaterialMatch], what: str) -> str:
        kg = sum(m.mass_kg or 0.0 for m in group)
        share = f" ({kg / coverage.total_mass_kg * 100:.0f} % {of})" if coverage.total_mass_kg > 0 else ""
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


def _calculation(
    model: Path,
    config: Path | None,
    mapping: Path | None,
    pack: list[Path] | None,
    accept_suggestions: bool,
    no_rebar_estimate: bool,
    database: Path | None,
    no_geometry: bool,
    prefer_geometry: bool,
    threads: int | None,
    quiet: bool,
    cache: TakeoffCache | None,
) -> Calculation:
    """The whole pipeline for `calculate` and `report`, with the progress bar."""
    options = _takeoff_options(DEFAULT_TOLERANCE * 100, no_geometry, prefer_geometry, threads)
    match_options = MatchOptions(accept_suggestions=accept_suggestions, rebar_estimate=not no_rebar_estimate)
    with progress(not quiet) as on_progress:
        return pipeline.run_calculate(
            model,
            options,
            match_options,
            config_path=config,
            mapping_path=mapping,
            packs=pack or (),
            database=database,
            on_progress=on_progress,
            cache=cache,
        )


@app.command()
def calculate(
    model: ModelArg,
    out: OutOpt = None,
    config: ConfigOpt = None,
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
    """Life-cycle carbon: EN 15978 modules rolled up to GB/T 51366 stages (one row per quantity x factor)."""
    cache = _cache(no_cache)

    def action() -> Calculation:
        if out is not None:
            output.check_target(out)
        result = _calculation(
            model,
            config,
            mapping,
            pack,
            accept_suggestions,
            no_rebar_estimate,
            database,
            no_geometry,
            prefer_geometry,
            threads,
            quiet,
            cache,
        )
        output.write(output.lifecycle_document(result.match, result.lifecycle, result.settings), out)
        return result

    result = guarded(action)
    if not quiet:
        _print_calculation_summary(result)
        _say_cached(cache)
        if out is not None:
            say(f"  written: {out}")
        _print_next_step(result.match, model, mapping)


def _kg(value: float | None) -> str:
    return "not declared" if value is None else f"{value:,.0f} kgCO2e"


def _print_calculation_summary(result: Calculation) -> None:
    life = result.lifecycle
    source = result.settings.source or "defaults (no embodied.toml)"
    say(f"{Path(result.match.takeoff.model.path).name}: project settings from {source}")
    for stage, value in life.stages.items():
        say(f"  {stage:<13} {_kg(value)}")
    say(f"  total         {_kg(life.total_kgco2e)} (embodied {_kg(life.embodied_kgco2e)})")
    if life.intensity_kgco2e_per_m2 is not None:
        say(
            f"  intensity     {life.intensity_kgco2e_per_m2:,.1f} kgCO2e/m², "
            f"{life.intensity_kgco2e_per_m2a or 0:,.2f} kgCO2e/(m²·a) over {life.floor_area_m2:,.1f} m² "
            f"({life.floor_area_source})"
        )
    else:
        say(f"  intensity     not computed: {life.floor_area_source}")
    for switch in life.switches:
        say(
            f"  scope: {switch.switch} = {switch.value}: {_kg(switch.effect_kgco2e)} left out ({switch.note})"
        )
    summary = result.match.summary()
    if summary["unmatched"]:
        shown = result.match.coverage.share_text
        say(f"  NOT in the totals: {summary['unmatched']} unmatched materials (matched mass share: {shown})")
    if life.defaults_used:
        taken = ", ".join(f"{d.key} = {d.value}{' ' + d.unit if d.unit else ''}" for d in life.defaults_used)
        say(f"  defaults taken (not in the project file): {taken}")
    if life.problems:
        say(f"  {len(life.problems)} problems and assumptions: see the output's problems")
    _print_plausibility(result)


def _print_plausibility(result: Calculation) -> None:
    """The plausibility findings, implausible first, each with what to do (all of them: a reviewer
    reads the same list on the report's first page)."""
    found = result.plausibility
    if found is None:
        return
    counts = found.counts()
    if not found.findings:
        say(f"  plausibility: no findings ({len(found.checks_run)} checks of {found.checks_file})")
        return
    say(
        f"  plausibility: {counts['implausible']} implausible, {counts['warning']} warnings"
        + (f" ({counts['confirmed']} confirmed)" if counts["confirmed"] else "")
        + f" (checks: {found.checks_file})"
    )
    for finding in found.findings:
        mark = "IMPLAUSIBLE" if finding.severity == "implausible" else "warning"
        state_text = f" [confirmed: {finding.confirmation}]" if finding.confirmed else ""
        say(f"  {mark}: {finding.check}: {finding.message}{state_text}")
        if not finding.confirmed:
            say(f"    → {finding.hint}")


@app.command()
def report(
    model: ModelArg,
    outdir: Annotated[
        Path, typer.Option("-o", "--outdir", help="Folder for <model-stem>.<format> (created).")
    ] = Path("out"),
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: json,xlsx,html,pdf (all four by default), lcax.")
    ] = ",".join(report_stage.DEFAULT_FORMATS),
    lang: Annotated[str, typer.Option("--lang", help="Report language: zh, en or zh+en.")] = "zh+en",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 3 (after writing) when a material is unmatched, the 95 % rule fails or an "
            "implausible finding is not confirmed.",
        ),
    ] = False,
    config: ConfigOpt = None,
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
    """The permit report: JSON, Excel, HTML and PDF (bilingual), fingerprinted, from one report model."""
    cache = _cache(no_cache)

    def action() -> tuple[Calculation, list[Path], list[str]]:
        chosen = report_stage.parse_formats(formats)
        if lang not in report_stage.LANGS:
            raise InputError(f"--lang: unknown language {lang!r}", hint="use zh, en or zh+en")
        result = _calculation(
            model,
            config,
            mapping,
            pack,
            accept_suggestions,
            no_rebar_estimate,
            database,
            no_geometry,
            prefer_geometry,
            threads,
            quiet,
            cache,
        )
        built = pipeline.report_model(result, lang)
        warnings: list[str] = []
        if "pdf" in chosen:
            from embodied.report.render_pdf import pdf_warnings

            warnings = pdf_warnings(built)
        written = report_stage.write_reports(built, outdir, Path(model).stem, chosen)
        return result, written, warnings

    result, written, warnings = guarded(action)
    if not quiet:
        _print_calculation_summary(result)
        _say_cached(cache)
        for path in written:
            say(f"  written: {path}")
    for warning in warnings:
        say(f"embodied: warning: {warning}")
    if not quiet:
        _print_next_step(result.match, model, mapping)
    coverage = result.match.coverage
    unmatched = result.match.summary()["unmatched"]
    implausible = result.plausibility.open_implausible if result.plausibility is not None else ()
    if strict and (unmatched or not coverage.rule_met or implausible):
        reasons = [f"{unmatched} unmatched materials"] if unmatched else []
        if not coverage.rule_met:
            reasons.append("the GB/T 51366 95 % coverage rule is not shown")
        if implausible:
            reasons.append(f"{len(implausible)} implausible finding(s) not confirmed")
        say(f"embodied: strict: {'; '.join(reasons)} (reports were written)")
        raise typer.Exit(3)


# -- embodied park: a park of buildings on Dask (the library part is embodied.park) -------------------


@app.command()
def park(
    models: Annotated[
        list[Path], typer.Argument(help="IFC models (.ifc, .ifczip), or a folder of them (not recursive).")
    ],
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Park file (TOML); default: park.toml in the folder given."),
    ] = None,
    outdir: Annotated[
        Path,
        typer.Option("-o", "--outdir", help="Folder for park.<format> and buildings/<stem>.<format>."),
    ] = Path("out"),
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
    from embodied.park import ParkResult, run_park

    def action() -> ParkResult:
        chosen = report_stage.parse_formats(formats)
        options = _takeoff_options(DEFAULT_TOLERANCE * 100, no_geometry, prefer_geometry, threads)
        match_options = MatchOptions(
            accept_suggestions=accept_suggestions, rebar_estimate=not no_rebar_estimate
        )
        with progress(not quiet) as on_progress:
            return run_park(
                models,
                config=config,
                outdir=outdir,
                formats=chosen,
                workers=workers,
                scheduler=scheduler,
                options=options,
                match_options=match_options,
                mapping=mapping,
                packs=pack or (),
                database=database,
                lang=lang,
                quiet=not state["debug"],
                on_progress=on_progress,
                use_cache=not no_cache,
            )

    result = guarded(action)
    report, failed = result.report, result.failed
    if not quiet:
        say(
            f"{report.name}: {len(report.buildings)} buildings on {result.workers} Dask workers "
            f"in {result.seconds:.1f} s"
        )
        for amount in report.stages:
            say(f"  {amount.key:<13} {_kg(amount.kgco2e)}")
        say(f"  total         {_kg(report.total_kgco2e)} (embodied {_kg(report.embodied_kgco2e)})")
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
    if strict and failed:
        say("embodied: strict: a building failed (the park reports were written)")
        raise typer.Exit(3)


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
