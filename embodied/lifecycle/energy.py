"""Energy lines: construction (A5), operation (B6), demolition (C1), green power; the grid factor.

- A5 / C1: energy by carrier × factor (electricity: the project's grid factor; diesel, gasoline per
  kg and natural gas per m³: the derived GB/T 51366 Table A.0.1 rows of energy_cn.csv); else the
  user's estimate × floor area, flagged "non-normative estimate" (GB/T 51366 has no default); else
  one line "not declared" (None).
- B6 (GB/T 51366 Ch. 4): [(E − ER) × EF_grid + gas × EF_gas + heat × EF_heat − C_p] × y, one line
  per term. On-site renewables are deducted up to the electricity used (a surplus exported is not
  credited). Green power is a separate line (green kWh × EF × y), never subtracted from B6.

Energy factors are CO2 only (App. A and MEE/NBS give CO2); formulas say kgCO2.

The grid factor: ``operation.grid_factor`` when the project file sets it (a number, a key, or
"province"); else, by location, the latest provincial factor of ``building.province``, else the
latest factor of its regional grid (grid_regions.csv), else the latest national average; without a
province, the latest national average. "Latest" is the highest data year in energy_cn.csv for the
slug. The GridFactor's note says which factor was chosen and why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from embodied.factors import FactorDB
from embodied.lifecycle.data import GRID_ID, GridRegion
from embodied.lifecycle.results import GridFactor, ImpactLine, num
from embodied.project import EnergyUse, Operation, ProjectSettings
from embodied.records import Module

NATIONAL = "national"  # slug of the national average rows (not national_residual, national_fossil)
PLACE = re.compile(r"（(.+?)，\d{4}年）")  # the place in a grid row's name_zh: 区域…（华北，2023年）
CHOOSE = "set operation.grid_factor to choose another"
FUELS = (  # (label, EnergyUse field, factor id, unit shown)
    ("diesel", "diesel_kg", "derived:fuel_diesel_kg", "kg"),
    ("gasoline", "gasoline_kg", "derived:fuel_gasoline_kg", "kg"),
    ("natural gas", "natural_gas_m3", "derived:fuel_natural_gas_m3", "m³"),
)
NATURAL_GAS = "derived:fuel_natural_gas_m3"


def grid_factor(settings: ProjectSettings, db: FactorDB, regions: Mapping[str, GridRegion]) -> GridFactor:
    """``operation.grid_factor``: a number (user value); "province" (building.province's latest
    year); "<slug>-<year>" or "<slug>" (latest year) of a ``mee_nbs:grid_<year>:<slug>`` row; or the id.
    Not set (None): the default by location (see the module), from `regions` (grid_regions.csv)."""
    given, province = settings.operation.grid_factor, settings.building.province
    rows: dict[tuple[str, int], str] = {}
    for factor_id in db.factors:
        if match := GRID_ID.fullmatch(factor_id):
            rows[(match[2], int(match[1]))] = factor_id
    if given is None:
        return _by_location(rows, db, province, regions)
    if isinstance(given, int | float) and not isinstance(given, bool):
        return GridFactor(
            float(given), None, "user value", "grid factor given in the project file (user value)"
        )
    key = str(given).strip().casefold()
    if key == "province":
        if not province:
            return GridFactor(None, None, key, 'grid_factor "province" needs building.province')
        key = province.strip().casefold()
    if key in db.factors:
        found: str | None = key
    elif (parts := re.fullmatch(r"(.+?)[-_ ]?(\d{4})", key)) is not None:
        found = rows.get((_slug(parts[1]), int(parts[2])))
    else:
        years = [year for slug, year in rows if slug == _slug(key)]
        found = rows[(_slug(key), max(years))] if years else None
    if found is None:
        known = ", ".join(f"{slug}-{year}" for slug, year in sorted(rows) if slug in ("national", "east"))
        note = f"unknown grid factor {given!r} (known keys look like {known}, beijing-2023, or a number)"
        return GridFactor(None, None, str(given), note)
    factor = db.factors[found]
    note = f"{found}: {factor.name_en} ({factor.source_id}, {factor.verification})"
    local = _provincial(rows, province)
    if local is not None and local != found and str(given).strip().casefold() != "province":
        note += (
            f"; building.province has its own factor {local}: leave operation.grid_factor out "
            '(or set it to "province") to use it'
        )
    return GridFactor(factor.gwp_kgco2e_per_unit, found, found, note)


def _by_location(
    rows: dict[tuple[str, int], str],
    db: FactorDB,
    province: str | None,
    regions: Mapping[str, GridRegion],
) -> GridFactor:
    """The default: provincial, else regional, else national; each the latest data year."""
    national = _provincial(rows, NATIONAL)
    if not province:
        if national is None:
            why = "no national grid factor (mee_nbs:grid_<year>:national) in the database"
            return GridFactor(None, None, "default: none", f"{why}: set operation.grid_factor", True)
        at = f"{_year(national)} ({_ref(db, national)})"
        note = f"default: national average {at} (no building.province); {CHOOSE}"
        return _chosen(db, national, "default: national, no building.province", note)
    region = regions.get(province)
    name = region.name_zh if region is not None else province
    local = _provincial(rows, province)
    if local is not None:
        at = f"{_year(local)} ({_ref(db, local)})"
        note = (
            f"default: {name} provincial factor {at} because building.province is set and "
            f"operation.grid_factor is not; {CHOOSE}"
        )
        return _chosen(db, local, "default by province", note)
    grid = _provincial(rows, region.region) if region is not None and region.region else None
    if region is not None and grid is not None:
        at = f"{_year(grid)} ({_ref(db, grid)})"
        note = (
            f"default: {_place(db, grid)} regional factor {at} because building.province "
            f"{name} has no provincial factor and belongs to the {region.region} grid (grid_regions.csv: "
            f"{region.source_ref}), and operation.grid_factor is not set; {CHOOSE}"
        )
        return _chosen(db, grid, "default by region", note)
    if region is None:
        why = "it is not in grid_regions.csv"
    elif not region.region:
        why = "it belongs to no regional grid (grid_regions.csv)"
    else:
        why = f"its {region.region} grid has no factor"
    if national is None:
        note = f"building.province {name} has no provincial factor, {why}, and there is no national factor"
        return GridFactor(None, None, "default: none", f"{note}: set operation.grid_factor", True)
    at = f"{_year(national)} ({_ref(db, national)})"
    note = (
        f"default: national average {at} because building.province {name} has no provincial factor "
        f"and {why}; {CHOOSE}"
    )
    return _chosen(db, national, "default: national, no provincial or regional factor", note)


def _chosen(db: FactorDB, factor_id: str, how: str, note: str) -> GridFactor:
    factor = db.factors[factor_id]
    return GridFactor(factor.gwp_kgco2e_per_unit, factor_id, f"{factor_id} ({how})", note, True)


def _ref(db: FactorDB, factor_id: str) -> str:
    """'mee_nbs:grid_2023:beijing: mee_nbs_2023, unverified': the row, its source and verification."""
    factor = db.factors[factor_id]
    return f"{factor_id}: {factor.source_id}, {factor.verification}"


def _year(factor_id: str) -> str:
    match = GRID_ID.fullmatch(factor_id)
    return match[1] if match else "?"


def _place(db: FactorDB, factor_id: str) -> str:
    """The place of a grid row as its Chinese name gives it ("华北"), else its slug."""
    found = PLACE.search(db.factors[factor_id].name_zh)
    match = GRID_ID.fullmatch(factor_id)
    return found[1] if found else (match[2] if match else factor_id)


def _slug(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().casefold())


def _provincial(rows: dict[tuple[str, int], str], province: str | None) -> str | None:
    """The latest row of a slug (a province, a region or "national"); None if it has none."""
    if not province:
        return None
    years = [year for slug, year in rows if slug == _slug(province)]
    return rows[(_slug(province), max(years))] if years else None


def _term(
    module: Module,
    label: str,
    amount: float,
    unit: str,
    factor: float | None,
    factor_id: str | None,
    *,
    years: float | None = None,
    shown: str | None = None,
    why: str = "",
    note: str = "",
    separate: bool = False,
) -> ImpactLine:
    """amount [unit] × factor [kgCO2/unit] (× years) = kgCO2; None, with `why`, when the factor is unknown."""
    amount_text, per = shown or f"{num(amount)} {unit}", unit.removesuffix("/a")
    life = f" × {num(years)} a" if years is not None else ""
    if factor is None:
        formula = f"{amount_text} × ? kgCO2/{per}{life}: {why}"
        notes = "; ".join(n for n in (why, note) if n)
        return ImpactLine(
            module, label, None, formula, factor_id, amount, unit, note=notes, separate=separate
        )
    value = amount * factor * (years if years is not None else 1.0)
    formula = f"{amount_text} × {num(factor)} kgCO2/{per}{life} = {num(value)} kgCO2"
    return ImpactLine(
        module, label, value, formula, factor_id, amount, unit, factor, note=note, separate=separate
    )


def _fuel(factor_id: str, db: FactorDB) -> float | None:
    factor = db.factors.get(factor_id)
    return factor.gwp_kgco2e_per_unit if factor is not None else None


def stage_energy_lines(
    module: Module, use: EnergyUse, grid: GridFactor, db: FactorDB, area: float | None, section: str
) -> list[ImpactLine]:
    """A5 or C1 of the whole stage, from `use` (the project file's [construction] or [demolition])."""
    ignored = (
        "; estimate_kgco2e_per_m2 ignored: energy given" if use.estimate_kgco2e_per_m2 is not None else ""
    )
    lines = []
    if use.electricity_kwh is not None:
        lines.append(
            _term(module, "electricity", use.electricity_kwh, "kWh", grid.value, grid.factor_id,
                  why=grid.note, note=f"grid factor {grid.note}{ignored}")
        )  # fmt: skip
    for label, field, factor_id, unit in FUELS:
        amount = getattr(use, field)
        if amount is not None:
            why = f"{factor_id} not in the database"
            note = f"{factor_id} (GB/T 51366 Table A.0.1 × NCV, derived){ignored}"
            lines.append(
                _term(module, label, amount, unit, _fuel(factor_id, db), factor_id, why=why, note=note)
            )
    if lines:
        return lines
    if use.estimate_kgco2e_per_m2 is None:
        why = f"no energy and no estimate in [{section}]"
        return [ImpactLine(module, "not declared", None, f"not declared: {why}", note=why)]
    e = use.estimate_kgco2e_per_m2
    note = (
        f"non-normative estimate (user-entered {section}.estimate_kgco2e_per_m2; GB/T 51366 gives no default)"
    )
    if area is None:
        why = "floor area unknown: the estimate per m² cannot be applied"
        formula = f"{num(e)} kgCO2e/m² × ? m²: {why}"
        return [
            ImpactLine(module, "estimate", None, formula, None, None, "m²", e, None, True, f"{note}; {why}")
        ]
    value = e * area
    formula = f"{num(e)} kgCO2e/m² × {num(area)} m² = {num(value)} kgCO2e"
    return [ImpactLine(module, "estimate", value, formula, None, area, "m²", e, flagged=True, note=note)]


def operation_lines(op: Operation, grid: GridFactor, db: FactorDB, years: float) -> list[ImpactLine]:
    """B6 over the design life, one line per term, and the green-power line (separate=True)."""
    lines = []
    if op.electricity_kwh is not None:
        e, er = op.electricity_kwh, op.onsite_renewable_kwh or 0.0
        note = f"grid factor {grid.note}"
        if er > e:
            note += f"; on-site renewables exceed the use: {num(er - e)} kWh/a exported, not credited"
        shown = f"({num(e)} kWh/a − {num(er)} kWh/a on-site renewables)" if er else None
        lines.append(
            _term(Module.B6, "electricity", max(e - er, 0.0), "kWh/a", grid.value, grid.factor_id,
                  years=years, shown=shown, why=grid.note, note=note)
        )  # fmt: skip
    elif op.onsite_renewable_kwh:
        renewables = num(op.onsite_renewable_kwh)
        why = f"electricity use not declared: on-site renewables ({renewables} kWh/a) cannot be deducted"
        lines.append(ImpactLine(Module.B6, "electricity", None, f"not declared: {why}", note=why))
    if op.natural_gas_m3 is not None:
        why, note = (
            f"{NATURAL_GAS} not in the database",
            f"{NATURAL_GAS} (GB/T 51366 Table A.0.1 × NCV, derived)",
        )
        lines.append(
            _term(Module.B6, "natural gas", op.natural_gas_m3, "m³/a", _fuel(NATURAL_GAS, db), NATURAL_GAS,
                  years=years, why=why, note=note)
        )  # fmt: skip
    if op.district_heat_gj is not None:
        why = "GB/T 51366 gives no district-heat factor: set operation.district_heat_factor_kgco2_per_gj"
        f = op.district_heat_factor_kgco2_per_gj
        note = "factor: user value (operation.district_heat_factor_kgco2_per_gj)" if f is not None else ""
        lines.append(
            _term(
                Module.B6,
                "district heat",
                op.district_heat_gj,
                "GJ/a",
                f,
                None,
                years=years,
                why=why,
                note=note,
            )
        )
    if not lines:
        why = "no operational energy in [operation] (electricity_kwh, natural_gas_m3, district_heat_gj)"
        lines.append(ImpactLine(Module.B6, "not declared", None, f"not declared: {why}", note=why))
    if op.carbon_sink_kgco2_per_year:
        cp = op.carbon_sink_kgco2_per_year
        formula = f"−{num(cp)} kgCO2/a × {num(years)} a = {num(-cp * years)} kgCO2"
        note = "C_p, carbon sink of the site greenery, deducted (GB/T 51366 Ch. 4)"
        lines.append(
            ImpactLine(
                Module.B6, "carbon sink (greenery)", -cp * years, formula, None, cp, "kgCO2/a", note=note
            )
        )
    if op.green_power_kwh is not None:
        note = "green power: reported separately, never subtracted from B6"
        lines.append(
            _term(Module.B6, "green power", op.green_power_kwh, "kWh/a", grid.value, grid.factor_id,
                  years=years, why=grid.note, note=note, separate=True)
        )  # fmt: skip
    return lines
