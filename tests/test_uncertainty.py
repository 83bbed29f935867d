"""Uncertainty ranges (embodied/lifecycle/uncertainty.py, material_db/uncertainty.yaml): P10/P50/P90
of the total by Monte Carlo over lognormal multipliers, checked against the analytic quantiles of a
one-line model, deterministic, narrower for a verified GB/T 51366 factor than for a derived one."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import modelkit
import pytest
import yaml

from embodied.factors import DEFAULT_ROOT, load
from embodied.lifecycle.results import ImpactLine, LifecycleResult
from embodied.lifecycle.uncertainty import (
    ASSUMPTIONS,
    check_ranges,
    in_scope,
    line_inputs,
    load_ranges,
    uncertainty,
)
from embodied.records import Module

if TYPE_CHECKING:
    from embodied.pipeline import Calculation


@pytest.fixture(scope="module")
def column(tmp_path_factory: pytest.TempPathFactory) -> Calculation:
    """One C30 column, 0.6 m³: A1-A3 = 0.6 m³ × 295 kgCO2e/m³ = 177 kgCO2e (plus the rebar estimate)."""
    from embodied.pipeline import run_calculate

    return run_calculate(modelkit.c30_column(tmp_path_factory.mktemp("unc") / "column.ifc", seed="unc"))


def one_line(calc: Calculation, factor_id: str, area: float | None = None) -> LifecycleResult:
    """The column's result cut down to its C30 A1-A3 line (177 kgCO2e), the factor set to `factor_id`."""
    line = next(x for x in calc.lifecycle.lines if x.module is Module.A1_A3 and x.material == "C30混凝土")
    assert line.kgco2e == pytest.approx(177.0)
    modules = dict.fromkeys(calc.lifecycle.modules, None) | {"A1-A3": 177.0}
    return replace(
        calc.lifecycle,
        lines=(replace(line, factor_id=factor_id),),
        modules=modules,
        total_kgco2e=177.0,
        floor_area_m2=area,
    )


def test_one_line_matches_the_analytic_lognormal_quantiles(column: Calculation) -> None:
    # The C30 factor is a GB/T 51366 value verified_x2: level standard_verified, gsd 1.15, the only input
    # of the line (matched by grade, mass from the model). Its total is 177 × M, M lognormal of median 1:
    #   σ = ln 1.15 = 0.139762; z = 1.281552 (P90 of N(0, 1)); σz = 0.179112; e^0.179112 = 1.196155
    #   P90 = 177 × 1.196155 = 211.72 kgCO2e; P10 = 177 / 1.196155 = 147.97 kgCO2e; P50 = 177
    # Monte Carlo tolerance: the standard error of the sample P90 of N(0, 1) over 4000 draws is
    # √(0.9 × 0.1 / 4000) / φ(1.2816) = 0.00474 / 0.1755 = 0.027 in z, i.e. 0.027 σ = 0.38 % of the value;
    # 4 standard errors: 1.5 %.
    assert load_ranges(DEFAULT_ROOT).levels["standard_verified"].gsd == 1.15
    u = uncertainty(column.match, one_line(column, "gbt51366:D:concrete_c30", area=10.0), column.database)
    assert u.draws == 4000 and u.seed == 51366 and u.central == 177.0
    assert u.p90 == pytest.approx(211.72, rel=0.015)
    assert u.p10 == pytest.approx(147.97, rel=0.015)
    assert u.p50 == pytest.approx(177.0, rel=0.015)
    assert u.intensity_p90 == pytest.approx(21.172, rel=0.015)  # per m² of the 10 m² given
    (driver,) = u.drivers
    assert driver.level == "standard_verified" and driver.kgco2e == pytest.approx(177.0)
    assert driver.share == 1.0
    assert driver.alone_kgco2e == pytest.approx(211.7194 - 147.9742, rel=1e-6)  # analytic, exact
    assert driver.spread_kgco2e == pytest.approx(u.p90 - u.p10)  # u.p90, u.p10 are not None here


def test_a_verified_standard_factor_has_a_narrower_range_than_a_derived_one(column: Calculation) -> None:
    # derived: gsd 1.3: P90 = 177 × 1.3^1.2816 = 247.74, P10 = 126.46 (width 121.3 against 63.7)
    verified = uncertainty(column.match, one_line(column, "gbt51366:D:concrete_c30"), column.database)
    derived = uncertainty(column.match, one_line(column, "derived:concrete_c35"), column.database)
    assert derived.drivers[0].level == "derived"
    assert derived.p90 == pytest.approx(247.74, rel=0.02) and derived.p10 == pytest.approx(126.46, rel=0.02)
    assert verified.p10 is not None and verified.p90 is not None
    assert derived.p10 is not None and derived.p90 is not None
    assert derived.p90 - derived.p10 > 1.5 * (verified.p90 - verified.p10)
    assert verified.intensity_p10 is None  # no floor area


def test_the_same_inputs_give_the_same_range(sample_calculation: Calculation) -> None:
    c = sample_calculation
    first = uncertainty(c.match, c.lifecycle, c.database)
    assert first == uncertainty(c.match, c.lifecycle, c.database)
    other = uncertainty(c.match, c.lifecycle, c.database, seed=7)
    assert other.p90 != first.p90
    assert other.p90 == pytest.approx(first.p90, rel=0.01)  # another seed: the same range within MC noise


def test_the_sample_range_its_scope_and_drivers(sample_calculation: Calculation) -> None:
    c = sample_calculation
    life = c.lifecycle
    u = uncertainty(c.match, life, c.database)
    lines = in_scope(life)
    assert not any(x.module is Module.B4 or x.separate for x in lines)  # B4 is beside GB/T 51366
    assert sum(x.kgco2e or 0.0 for x in lines) == pytest.approx(life.total_kgco2e)
    assert u.central == life.total_kgco2e
    assert u.p10 is not None and u.p50 is not None and u.p90 is not None and u.central is not None
    assert u.p10 < u.central < u.p90 and u.p10 < u.p50 < u.p90
    assert life.floor_area_m2 and u.intensity_p50 == pytest.approx(u.p50 / life.floor_area_m2)
    assert 1 <= len(u.drivers) <= 5
    spreads = [d.spread_kgco2e for d in u.drivers]
    assert spreads == sorted(spreads, reverse=True)
    assert [d.share for d in u.drivers] == sorted((d.share for d in u.drivers), reverse=True)
    assert sum(d.share for d in u.drivers) <= 1.0 + 1e-12
    # B6 (456 316 of 514 426 kgCO2e) rests on the MEE/NBS grid factor: it drives the spread
    assert u.drivers[0].level == "grid_official" and "mee_nbs:grid_2023" in u.drivers[0].input
    assert "uncertainty.yaml" in u.ranges_file and "default_rng(51366)" in u.method


def test_a_separate_line_and_an_excluded_module_change_nothing(sample_calculation: Calculation) -> None:
    c = sample_calculation
    base = uncertainty(c.match, c.lifecycle, c.database)
    green = ImpactLine(Module.B6, "green power", -1.0e6, "…", "mee_nbs:grid_2023:national", separate=True)
    b4 = ImpactLine(Module.B4, "x", 1.0e6, "…", "gbt51366:D:concrete_c30")
    more = replace(c.lifecycle, lines=(*c.lifecycle.lines, green, b4))
    assert uncertainty(c.match, more, c.database) == base


def test_each_line_gets_the_level_of_its_factor_and_assumptions(sample_calculation: Calculation) -> None:
    c = sample_calculation
    ranges = load_ranges(c.database.root)
    levels: dict[str, set[str]] = {}
    for line in in_scope(c.lifecycle):
        for found in line_inputs(line, c.match, c.database, ranges):
            levels.setdefault(found.key, set()).add(found.level.name)
    assert levels["factor:gbt51366:D:concrete_c30"] == {"standard_verified"}
    assert levels["factor:derived:concrete_c25"] == {"derived"}
    assert levels["factor:mee_nbs:grid_2023:national"] == {"grid_official"}
    assert levels["grade:水泥砂浆"] == {"default_grade"}  # "no grade named, M10 assumed"
    assert levels["rebar:(rebar estimate: not modelled)"] == {"rebar_estimate"}
    assert levels["density:C25混凝土"] == {"density_database"}  # its A4 mass from densities.csv
    # the sample's project file sets transport.concrete_km and other_km for the whole project
    assert levels["distance:transport.concrete_km"] == {"transport_project_distance"}
    assert all(len(v) == 1 for v in levels.values())


def test_the_method_default_distance_is_a_wider_level(column: Calculation) -> None:
    ranges = load_ranges(column.database.root)
    a4 = [x for x in in_scope(column.lifecycle) if x.module is Module.A4]
    keys = {i.key: i.level.name for x in a4 for i in line_inputs(x, column.match, column.database, ranges)}
    assert keys["distance:transport.concrete_km"] == "transport_default_distance"
    assert keys["distance:transport.other_km"] == "transport_default_distance"
    assert ranges.levels["transport_default_distance"].gsd > ranges.levels["transport_project_distance"].gsd


def test_the_ranges_file_is_clean_and_labelled_as_judgement() -> None:
    assert check_ranges(DEFAULT_ROOT) == []
    ranges = load_ranges(DEFAULT_ROOT)
    assert set(ASSUMPTIONS) <= set(ranges.levels)
    sources = {s["id"] for s in yaml.safe_load((DEFAULT_ROOT / "sources.yaml").read_text(encoding="utf-8"))}
    for level in ranges.levels.values():
        assert level.gsd > 1 and level.source in sources and level.reasoning
        # every range is our judgement: none may claim a verified source
        assert level.source == "embodied_assumption" and level.verification == "unverified"
    verified, derived = ranges.levels["standard_verified"], ranges.levels["derived"]
    assert verified.gsd < ranges.levels["standard_unverified"].gsd < derived.gsd
    db = load()
    assert ranges.factor_level("standard", "verified_x2", "concrete") == verified
    assert ranges.factor_level("derived", "unverified", "energy/fuel").name == "fuel_combustion"
    assert ranges.factor_level("user", "unverified", "other").name == "user"
    assert all(ranges.factor_level(f.data_type, f.verification, f.category) for f in db.factors.values())


def test_a_broken_ranges_file_lists_every_problem(tmp_path: Path) -> None:
    root = tmp_path / "material_db"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "uncertainty.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["levels"]["derived"]["gsd"] = 0.5
    data["levels"]["epd"]["source"] = "nowhere"
    del data["levels"]["rebar_estimate"]
    data["factor_levels"].append({"level": "missing"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    messages = " | ".join(p.message for p in check_ranges(root))
    assert "gsd must be a number of at least 1" in messages
    assert "'nowhere' is not in sources.yaml" in messages
    assert "level rebar_estimate is missing" in messages
    assert "level must be one of the levels" in messages
    assert math.isfinite(load_ranges(DEFAULT_ROOT).levels["derived"].gsd)
