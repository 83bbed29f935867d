"""`embodied db`: list, show and check the emission-factor database (and user packs)."""

from __future__ import annotations

import dataclasses
import difflib
import json
from typing import Annotated

import typer

from embodied import factors, matching
from embodied.cli.common import DatabaseOpt, PackOpt, guarded, say
from embodied.errors import InputError

db_app = typer.Typer(help="The emission-factor database: list, show, check.", no_args_is_help=True)


@db_app.command("list")
def db_list(
    search: Annotated[
        str | None, typer.Option("--search", help="Only factors whose id or names contain TEXT.")
    ] = None,
    pack: PackOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Factors as tab-separated lines: id, unit, kgCO2e per unit, module, data type, verification, names."""

    def action() -> None:
        db = factors.load(database, pack or ())
        found = db.search(search) if search else list(db.factors.values())
        typer.echo(
            "factor_id\tdeclared_unit\tgwp_kgco2e_per_unit\tmodule\tdata_type\tverification\tname_zh\tname_en"
        )
        for f in found:
            typer.echo(
                f"{f.factor_id}\t{f.declared_unit}\t{f.gwp_kgco2e_per_unit:g}\t{f.module}\t{f.data_type}\t"
                f"{f.verification}\t{f.name_zh}\t{f.name_en}"
            )
        say(f"{len(found)} of {len(db.factors)} factors (database {db.version})")

    guarded(action)


@db_app.command("show")
def db_show(
    factor_id: Annotated[str, typer.Argument(help="A factor id, e.g. gbt51366:D:concrete_c30.")],
    pack: PackOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """One factor with its source, density and (for derived factors) the recipe."""

    def action() -> None:
        db = factors.load(database, pack or ())
        factor = db.factors.get(factor_id)
        if factor is None:
            close = difflib.get_close_matches(factor_id, list(db.factors), n=3, cutoff=0.5)
            raise InputError(
                f"unknown factor id {factor_id!r}",
                hint="did you mean " + ", ".join(close) if close else "see `embodied db list --search`",
            )
        for name, value in dataclasses.asdict(factor).items():
            typer.echo(f"{name}: {'' if value is None else value}")
        source = db.sources.get(factor.source_id)
        if source is not None:
            for name, value in dataclasses.asdict(source).items():
                typer.echo(f"source.{name}: {'' if value is None else value}")
        density = db.density_for(factor)
        typer.echo(
            f"density_used_kg_m3: {density[0]:g} ({density[1]})" if density else "density_used_kg_m3: none"
        )
        recipe = db.recipes.get(factor.factor_id)
        if recipe:
            typer.echo("recipe: " + json.dumps(recipe, ensure_ascii=False))

    guarded(action)


@db_app.command("check")
def db_check(pack: PackOpt = None, database: DatabaseOpt = None) -> None:
    """Validate the database and any user pack, listing every problem at once (exit 2 if any)."""

    def action() -> None:
        problems = factors.check(database, pack or ())
        for problem in problems:
            typer.echo(str(problem))
        if problems:
            say(f"embodied: error: the database has {len(problems)} problems")
            raise typer.Exit(2)
        db = factors.load(database, pack or ())
        matching.kinds.table(db)  # the kinds and defaults of grades.yaml: DatabaseError (file:line) if bad
        matching.defaults.table(db)
        say(
            f"database {db.version}: {len(db.factors)} factors, {len(db.aliases)} aliases, "
            f"{len(db.densities)} densities, {len(db.sources)} sources, packs: {len(db.packs)}: no problems"
        )

    guarded(action)
