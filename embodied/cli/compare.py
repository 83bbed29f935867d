"""`embodied compare A B [C …]`: two or more variants calculated and each consecutive difference
(A→B, B→C) explained by cause (embodied.compare). A variant is a model; `--config`, `--mapping` and
`--database` are given once (for every variant) or once per model, in the models' order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from embodied import compare as compare_stage
from embodied.cli.common import (
    AcceptOpt,
    NoCacheOpt,
    NoGeometryOpt,
    NoRebarOpt,
    PackOpt,
    PreferGeometryOpt,
    QuietOpt,
    RunOptions,
    ThreadsOpt,
    guarded,
    options_of,
    output_folder,
    progress,
    say,
)
from embodied.compare import Comparison, VariantSpec
from embodied.compare.document import summary
from embodied.compare.write import DEFAULT_FORMATS, parse_formats, write_comparison
from embodied.errors import InputError

ALIGNED = "Given once (every variant) or once per model, in the models' order."


@dataclass(frozen=True, slots=True)
class CompareArgs:
    models: tuple[Path, ...]
    configs: tuple[Path, ...]
    mappings: tuple[Path, ...]
    databases: tuple[Path, ...]
    output: Path | None
    formats: str
    run: RunOptions


def compare(
    models: Annotated[list[Path], typer.Argument(help="Two or more IFC models, one per variant, in order.")],
    config: Annotated[
        list[Path] | None, typer.Option("--config", help=f"Project file (TOML). {ALIGNED}")
    ] = None,
    mapping: Annotated[
        list[Path] | None, typer.Option("--mapping", help=f"Mapping CSV (material -> factor_id). {ALIGNED}")
    ] = None,
    database: Annotated[
        list[Path] | None, typer.Option("--database", help=f"A material_db folder. {ALIGNED}")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Folder for compare.<format> (nothing is written without it)."),
    ] = None,
    formats: Annotated[
        str, typer.Option("--format", help="Comma-separated: json,csv,xlsx,html,pdf (with -o).")
    ] = DEFAULT_FORMATS,
    pack: PackOpt = None,
    accept_suggestions: AcceptOpt = False,
    no_rebar_estimate: NoRebarOpt = False,
    no_geometry: NoGeometryOpt = False,
    prefer_geometry: PreferGeometryOpt = False,
    threads: ThreadsOpt = None,
    no_cache: NoCacheOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Compare variants: the difference A→B (B→C …) by cause — element added or removed, quantity,
    material, factor or setting changed — per stage, material and element, summing exactly.

    Examples: `embodied compare a.ifc b.ifc`; one model under two project files:
    `embodied compare m.ifc m.ifc --config a.toml --config b.toml`; or two mappings:
    `embodied compare m.ifc m.ifc --mapping x.csv --mapping y.csv`."""
    run = options_of({k: v for k, v in locals().items() if k not in ("config", "mapping", "database")})
    run_compare(
        CompareArgs(
            tuple(models),
            tuple(config or ()),
            tuple(mapping or ()),
            tuple(database or ()),
            out,
            formats,
            run,
        )
    )


def aligned(name: str, values: Sequence[Path], count: int) -> list[Path | None]:
    """One value per variant: none, one for all, or one each; else an InputError."""
    if not values:
        return [None] * count
    if len(values) == 1:
        return [values[0]] * count
    if len(values) != count:
        raise InputError(
            f"{name}: given {len(values)} times for {count} models; give it once or once per model"
        )
    return list(values)


def variant_specs(args: CompareArgs) -> list[VariantSpec]:
    count = len(args.models)
    if count < 2:
        raise InputError("compare: give two or more models (the same one twice with --config/--mapping)")
    if count > 26:
        raise InputError("compare: at most 26 variants")
    configs = aligned("--config", args.configs, count)
    mappings = aligned("--mapping", args.mappings, count)
    databases = aligned("--database", args.databases, count)
    return [
        VariantSpec(chr(ord("A") + i), model, configs[i], mappings[i], databases[i])
        for i, model in enumerate(args.models)
    ]


def run_compare(args: CompareArgs) -> Comparison:
    """Calculate, compare, write the files asked for and say the summary; errors become exit codes."""
    run = args.run

    def action() -> tuple[Comparison, list[Path]]:
        specs = variant_specs(args)
        chosen = parse_formats(args.formats)
        folder = output_folder(args.output) if args.output is not None else None
        with progress(not run.quiet) as on_progress:
            comparison = compare_stage.run(
                specs, run.takeoff, run.match, packs=run.packs, cache=run.cache(), on_progress=on_progress
            )
        written = write_comparison(comparison, folder, chosen) if folder is not None else []
        return comparison, written

    comparison, written = guarded(action)
    if not run.quiet:
        for line in summary(comparison):
            say(line)
        for path in written:
            say(f"  written: {path}")
    return comparison


__all__ = ["CompareArgs", "compare", "run_compare"]
