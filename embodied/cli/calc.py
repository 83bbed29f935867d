"""`embodied calculate` and `embodied report`: the whole pipeline to the report model, then the
calculation table (or the report's JSON) or the permit report in every format. Both print the same
summary, read from the report model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from embodied import pipeline
from embodied import report as report_stage
from embodied.cli.common import (
    AcceptOpt,
    ConfigOpt,
    DatabaseOpt,
    MappingOpt,
    ModelArg,
    NoCacheOpt,
    NoGeometryOpt,
    NoRebarOpt,
    OutdirOpt,
    OutOpt,
    PackOpt,
    PreferGeometryOpt,
    QuietOpt,
    RunOptions,
    StdoutOpt,
    ThreadsOpt,
    guarded,
    kg,
    options_of,
    output_file,
    output_folder,
    print_next_step,
    progress,
    say,
    say_cached,
    say_stdout_deprecated,
)
from embodied.pipeline import TakeoffCache
from embodied.report import ReportModel, tables
from embodied.report.files import write

LangOpt = Annotated[str, typer.Option("--lang", help="Report language: zh, en or zh+en.")]


@dataclass(frozen=True, slots=True)
class CalculateArgs:
    model: Path
    output: Path | None
    stdout: bool
    lang: str
    run: RunOptions


@dataclass(frozen=True, slots=True)
class ReportArgs:
    model: Path
    output: Path
    formats: str
    lang: str
    strict: bool
    run: RunOptions
    write_ifc: Path | None = None


def _report_model(
    model: Path, run: RunOptions, lang: str, write_ifc: Path | None = None
) -> tuple[ReportModel, TakeoffCache | None]:
    cache = run.cache()
    with progress(not run.quiet) as on_progress:
        built = pipeline.run_report(
            model,
            run.takeoff,
            run.match,
            config_path=run.config,
            mapping_path=run.mapping,
            packs=run.packs,
            database=run.database,
            on_progress=on_progress,
            cache=cache,
            lang=lang,
            write_ifc=write_ifc,
        )
    return built, cache


def calculate(
    model: ModelArg,
    out: OutOpt = None,
    stdout: StdoutOpt = False,
    lang: LangOpt = "zh+en",
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
    """Life-cycle carbon: EN 15978 modules rolled up to GB/T 51366 stages (one row per quantity x factor);
    `-o x.json` writes the report's JSON document (schemas/report.schema.json)."""
    run = options_of(locals())
    run_calculate(CalculateArgs(model, out, stdout, lang, run))


def run_calculate(args: CalculateArgs) -> None:
    run = args.run

    def action() -> tuple[ReportModel, TakeoffCache | None, Path | None]:
        target = output_file(args.output, args.stdout, args.model, "calculation")
        built, cache = _report_model(args.model, run, args.lang)
        write(tables.calculation_document(built), target)  # .json: the report's JSON document
        return built, cache, target

    built, cache, target = guarded(action)
    if not run.quiet:
        say_stdout_deprecated(args.output, args.stdout)
        print_summary(built)
        say_cached(cache)
        if target is not None:
            say(f"  written: {target}")
        _next_step(built, args.model, run.mapping)


def report(
    model: ModelArg,
    out: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for <model-stem>.<format> (created).")
    ] = Path("out"),
    outdir: OutdirOpt = None,
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: json,xlsx,html,pdf (all four by default), lcax.")
    ] = ",".join(report_stage.DEFAULT_FORMATS),
    lang: LangOpt = "zh+en",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 3 (after writing) when a material is unmatched, the 95 % rule fails or an "
            "implausible finding is not confirmed.",
        ),
    ] = False,
    write_ifc: Annotated[
        Path | None,
        typer.Option(
            "--write-ifc",
            help="Also write a copy of the model with each element's carbon in an Embodied_Carbon "
            "property set (.ifc or .ifczip; never the model itself).",
        ),
    ] = None,
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
    run = options_of(locals())
    folder = guarded(lambda: output_folder(out, outdir))
    run_report(ReportArgs(model, folder, formats, lang, strict, run, write_ifc))


def run_report(args: ReportArgs) -> None:
    run = args.run

    def action() -> tuple[ReportModel, TakeoffCache | None, list[Path], list[str]]:
        chosen = report_stage.parse_formats(args.formats)
        built, cache = _report_model(args.model, run, args.lang, args.write_ifc)
        warnings: list[str] = []
        if "pdf" in chosen:
            from embodied.report.render_pdf import pdf_warnings

            warnings = pdf_warnings(built)
        written = pipeline.write_report(built, args.output, Path(args.model).stem, chosen)
        return built, cache, written, warnings

    built, cache, written, warnings = guarded(action)
    if not run.quiet:
        print_summary(built)
        say_cached(cache)
        for path in (*written, *([args.write_ifc] if args.write_ifc else [])):
            say(f"  written: {path}")
    for warning in warnings:
        say(f"embodied: warning: {warning}")
    if not run.quiet:
        _next_step(built, args.model, run.mapping)
    reasons = strict_reasons(built)
    if args.strict and reasons:
        say(f"embodied: strict: {'; '.join(reasons)} (reports were written)")
        raise typer.Exit(3)


def strict_reasons(built: ReportModel) -> list[str]:
    """What `--strict` refuses: unmatched materials, the 95 % rule not shown, implausible findings
    not confirmed."""
    reasons = [f"{len(built.unmatched)} unmatched materials"] if built.unmatched else []
    if not built.coverage.rule_met:
        reasons.append("the GB/T 51366 95 % coverage rule is not shown")
    summary = built.plausibility_summary
    if summary is not None and summary.open_implausible:
        reasons.append(f"{summary.open_implausible} implausible finding(s) not confirmed")
    return reasons


def _next_step(built: ReportModel, model: Path, mapping: Path | None) -> None:
    coverage = built.coverage
    print_next_step(built.materials, coverage.total_mass_kg, coverage.unknown_mass_volume_m3, model, mapping)


def print_summary(built: ReportModel) -> None:
    """The totals, the scope, what is not in the totals, the defaults taken and every plausibility
    finding, from the report model."""
    fp, project = built.fingerprint, built.project
    say(f"{fp.model_file}: project settings from {fp.config_file or 'defaults (no embodied.toml)'}")
    for stage in built.stages:
        say(f"  {stage.key:<13} {kg(stage.kgco2e)}")
    say(f"  total         {kg(built.total_kgco2e)} (embodied {kg(built.embodied_kgco2e)})")
    if built.intensity_kgco2e_per_m2 is not None:
        say(
            f"  intensity     {built.intensity_kgco2e_per_m2:,.1f} kgCO2e/m², "
            f"{built.intensity_kgco2e_per_m2a or 0:,.2f} kgCO2e/(m²·a) "
            f"over {project.floor_area_m2 or 0:,.1f} m² ({project.floor_area_source})"
        )
    else:
        say(f"  intensity     not computed: {project.floor_area_source}")
    for switch in built.switches:
        say(f"  scope: {switch.switch} = {switch.value}: {kg(switch.effect_kgco2e)} left out ({switch.note})")
    if built.unmatched:
        shown = built.coverage.share_text
        say(f"  NOT in the totals: {len(built.unmatched)} unmatched materials (matched mass share: {shown})")
    if built.defaults_used:
        taken = ", ".join(f"{d.key} = {d.value}{' ' + d.unit if d.unit else ''}" for d in built.defaults_used)
        say(f"  defaults taken (not in the project file): {taken}")
    if built.issues:
        say(f"  {len(built.issues)} problems and assumptions: see the output's issues")
    print_plausibility(built)


def print_plausibility(built: ReportModel) -> None:
    """The plausibility findings, implausible first, each with what to do (all of them: a reviewer
    reads the same list on the report's first page)."""
    summary = built.plausibility_summary
    if summary is None:
        return
    if not built.plausibility:
        say(f"  plausibility: no findings ({len(summary.checks)} checks of {summary.checks_file})")
        return
    say(
        f"  plausibility: {summary.implausible} implausible, {summary.warning} warnings"
        + (f" ({summary.confirmed} confirmed)" if summary.confirmed else "")
        + f" (checks: {summary.checks_file})"
    )
    for finding in built.plausibility:
        mark = "IMPLAUSIBLE" if finding.severity == "implausible" else "warning"
        state_text = f" [confirmed: {finding.confirmation}]" if finding.confirmed else ""
        say(f"  {mark}: {finding.check}: {finding.message}{state_text}")
        if not finding.confirmed:
            say(f"    → {finding.hint}")
