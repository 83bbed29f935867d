"""Uncertainty of the total: P10, P50 and P90 from the data-quality level of every input.

    u = uncertainty(calc.match, calc.lifecycle, calc.database)   # seed 51366, fixed
    u.p10, u.p50, u.p90     # kgCO2e of the total in scope; u.central is life.total_kgco2e
    u.drivers               # the five inputs that drive the spread, largest first

Inputs and their levels (material_db/uncertainty.yaml, every range our judgement and labelled so):

- a factor (``factor:<id>``), one draw shared by every line that uses it (the C30 factor of all C30
  rows, the truck factor of all A4 lines, the grid factor of all electricity lines); its level by the
  file's ``factor_levels`` (data_type, verification, category);
- an assumption about one material (by name, shared by its rows): a declared default grade (A1-A3),
  the rebar estimate (A1-A3 and A4), a database density (A4; A1-A3 when the factor is per t or kg),
  an accepted suggestion (A1-A3), an unverified substitution (D);
- a project-wide default of the A4 lines, read from their notes: the distance per [transport] key
  (the method file's default, or the project file's project-wide value) and the default vehicle;
- a flagged line without a factor (A5 / C1 per-m² estimate); a grid factor given as a number.

Each input is a lognormal multiplier of median 1 and geometric standard deviation ``gsd``; a line's
kgCO2e is multiplied by the product of its inputs' multipliers. Monte Carlo: ``draws`` standard
normal draws per input from ``numpy.random.default_rng(seed)``, inputs in sorted order, so the same
inputs give the same range. In scope: the lines of the modules counted in ``life.total_kgco2e`` (a
GB/T 51366 stage and a module total, module D only when netted in), never a separate line.

Drivers: for each input, the variance of the total when only that input varies (analytic for a
lognormal multiplier: S² e^{σ²} (e^{σ²} − 1), S the central kgCO2e of the lines it multiplies);
``share`` = that variance / the sum over all inputs (first order: interactions left out);
``spread_kgco2e`` = share × (P90 − P10), its part of the width, so that the drivers are ordered alike by
both; ``alone_kgco2e`` = the P10-P90 width it alone gives, S (gsd^z − gsd^−z), z the standard
normal's 90 % quantile.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

from embodied.errors import DatabaseError
from embodied.factors import FactorDB
from embodied.factors.schema import DataProblem, by_category, read_package, read_yaml
from embodied.lifecycle.results import ImpactLine, LifecycleResult, num
from embodied.records import MODULE_STAGE, MatchMethod, MatchResult, MaterialMatch, Module

RESOURCE = "uncertainty"
DRAWS = 4000
DRIVERS = 5
Z90 = NormalDist().inv_cdf(0.9)  # 1.2816: P90 of a lognormal = median × gsd^Z90
QUANTILES = (0.1, 0.9)
ASSUMPTIONS = (
    "default_grade",
    "rebar_estimate",
    "density_database",
    "suggestion",
    "transport_default_distance",
    "transport_project_distance",
    "transport_default_vehicle",
    "stage_estimate",
    "substitution",
)
LEVEL_KEYS = ("gsd", "kind", "applies_to", "source", "source_ref", "verification", "reasoning")
RULE_KEYS = ("data_type", "verification", "category")
DISTANCE = re.compile(r"default distance \((transport\.[a-z_]+) = [^:]*: (project file)?")
VEHICLE = re.compile(r"default vehicle \((transport\.[a-z_]+) = ([^:]*):")
PER_MASS = ("t", "kg")


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    gsd: float
    kind: str  # factor | assumption
    source: str
    verification: str
    reasoning: str


@dataclass(frozen=True, slots=True)
class Ranges:
    """material_db/uncertainty.yaml, read and checked."""

    file: str  # "material_db/uncertainty.yaml"
    levels: Mapping[str, Level]
    rules: tuple[Mapping[str, Any], ...]

    def factor_level(self, data_type: str, verification: str, category: str) -> Level:
        """The level of the first rule matching the factor (the last rule matches every factor)."""
        for rule in self.rules:
            if "data_type" in rule and data_type not in rule["data_type"]:
                continue
            if "verification" in rule and verification not in rule["verification"]:
                continue
            if "category" in rule and by_category({rule["category"]: True}, category) is None:
                continue
            return self.levels[rule["level"]]
        return self.levels[self.rules[-1]["level"]]


@dataclass(frozen=True, slots=True)
class Driver:
    """One input and how much of the spread of the total it makes."""

    input: str  # what: "factor gbt51366:D:concrete_c30 (C30 concrete (ready-mix))", "rebar estimate of …"
    level: str  # its data-quality level (a key of uncertainty.yaml levels)
    kgco2e: float  # the central kgCO2e of the lines it multiplies
    spread_kgco2e: float  # share × (P90 − P10): its part of the width of the total
    share: float  # its variance / the sum of the inputs' variances (first order)
    gsd: float = 1.0  # of its level
    alone_kgco2e: float = 0.0  # the P10-P90 width of the total when only this input varies


@dataclass(frozen=True)
class Uncertainty:
    """P10 / P50 / P90 of the total in scope (kgCO2e) and per m² when the floor area is known."""

    p10: float | None
    p50: float | None
    p90: float | None
    central: float | None  # life.total_kgco2e
    intensity_p10: float | None
    intensity_p50: float | None
    intensity_p90: float | None
    drivers: tuple[Driver, ...]
    method: str
    seed: int
    draws: int
    ranges_file: str


@dataclass(frozen=True, slots=True)
class _Input:
    key: str
    label: str
    level: Level


def uncertainty(
    match: MatchResult, life: LifecycleResult, db: FactorDB, *, seed: int = 51366, draws: int = DRAWS
) -> Uncertainty:
    """The range of ``life.total_kgco2e`` under the ranges of material_db/uncertainty.yaml."""
    if draws < 2:
        raise ValueError(f"draws must be at least 2, not {draws}")
    ranges = load_ranges(db.root)
    inputs: dict[str, _Input] = {}
    groups: dict[tuple[str, ...], float] = {}
    for line in in_scope(life):
        found = line_inputs(line, match, db, ranges)
        inputs |= {i.key: i for i in found}
        key = tuple(sorted({i.key for i in found}))
        groups[key] = groups.get(key, 0.0) + float(line.kgco2e or 0.0)
    order = sorted(inputs)
    method = _method(ranges, draws, seed)
    if life.total_kgco2e is None or not groups:
        return Uncertainty(None, None, None, life.total_kgco2e, None, None, None, (), method, seed, draws,
                           ranges.file)  # fmt: skip
    sigma = np.array([math.log(inputs[k].level.gsd) for k in order])
    normal = np.random.default_rng(seed).standard_normal((draws, len(order)))
    logs = normal * sigma
    at = {k: n for n, k in enumerate(order)}
    totals = np.zeros(draws)
    for key in sorted(groups):
        columns = [at[k] for k in key]
        totals += groups[key] * (np.exp(logs[:, columns].sum(axis=1)) if columns else 1.0)
    low, high = (float(q) for q in np.quantile(totals, QUANTILES))
    mid = float(np.median(totals))
    area = life.floor_area_m2
    per = [v / area if area else None for v in (low, mid, high)]
    drivers = _drivers(inputs, groups, high - low)
    return Uncertainty(low, mid, high, life.total_kgco2e, per[0], per[1], per[2], drivers, method, seed,
                       draws, ranges.file)  # fmt: skip


def in_scope(life: LifecycleResult) -> list[ImpactLine]:
    """The lines summed into ``life.total_kgco2e``: a known kgCO2e, not separate, of a module with a
    total and a GB/T 51366 stage (module D only when the result nets it in)."""
    netted = any(s.switch == "include_module_d" and s.value for s in life.switches)
    lines = []
    for line in life.lines:
        counted = MODULE_STAGE[line.module] is not None or (line.module is Module.D and netted)
        known = line.kgco2e is not None and not line.separate
        if counted and known and life.modules.get(line.module.value) is not None:
            lines.append(line)
    return lines


def line_inputs(line: ImpactLine, match: MatchResult, db: FactorDB, ranges: Ranges) -> list[_Input]:
    """The inputs whose multipliers scale the line's kgCO2e."""
    found: list[_Input] = []
    factor = db.factors.get(line.factor_id) if line.factor_id else None
    if factor is not None:
        level = ranges.factor_level(factor.data_type, factor.verification, factor.category)
        name = factor.name_en or factor.name_zh
        found.append(_Input(f"factor:{factor.factor_id}", f"factor {factor.factor_id} ({name})", level))
    elif line.flagged:
        label = f"{line.module} {line.label}" + (f" of {line.material}" if line.material else "")
        what = f"{label} (flagged, no factor)"
        found.append(_Input(f"estimate:{label}", what, ranges.levels["stage_estimate"]))
    elif line.factor_value is not None and line.label == "electricity":
        found.append(_Input("grid:user", "grid factor given as a number", ranges.levels["user"]))
    material = _material(line, match)
    if material is not None:
        found += _material_inputs(line, material, factor.declared_unit if factor else None, ranges)
    if line.module is Module.A4:
        found += _transport_inputs(line, ranges)
    return found


def _material(line: ImpactLine, match: MatchResult) -> MaterialMatch | None:
    index = line.material_index
    return match.materials[index] if index is not None and 0 <= index < len(match.materials) else None


def _material_inputs(line: ImpactLine, m: MaterialMatch, unit: str | None, ranges: Ranges) -> list[_Input]:
    levels, name, found = ranges.levels, m.material, []
    production, transport = line.module is Module.A1_A3, line.module is Module.A4
    if m.method is MatchMethod.ESTIMATE and (production or transport):
        label = name.strip("()") if name.startswith("(") else f"rebar estimate ({name})"
        found.append(_Input(f"rebar:{name}", label, levels["rebar_estimate"]))
        return found  # the estimate is its mass: no density on top
    if m.method is MatchMethod.DEFAULT and production:
        grade = m.default_grade or "the family default"
        found.append(_Input(f"grade:{name}", f"default grade {grade} of {name}", levels["default_grade"]))
    if m.method is MatchMethod.SUGGESTION and production:
        found.append(_Input(f"suggestion:{name}", f"suggested factor of {name}", levels["suggestion"]))
    by_mass = transport or (production and unit in PER_MASS)
    if by_mass and m.mass_basis is not None and "database" in m.mass_basis:
        label = f"density of {name} ({m.mass_basis})"
        found.append(_Input(f"density:{name}", label, levels["density_database"]))
    if line.module is Module.D and line.flagged:
        found.append(_Input(f"substitution:{name}", f"substitution of {name}", levels["substitution"]))
    return found


def _transport_inputs(line: ImpactLine, ranges: Ranges) -> list[_Input]:
    found = []
    if (distance := DISTANCE.search(line.note)) is not None:
        key, given = distance[1], distance[2] is not None
        level = ranges.levels["transport_project_distance" if given else "transport_default_distance"]
        what = "project-wide distance" if given else "default distance"
        found.append(_Input(f"distance:{key}", f"{key} ({what})", level))
    if (vehicle := VEHICLE.search(line.note)) is not None:
        label = f"{vehicle[1]} = {vehicle[2]} (default vehicle)"
        found.append(_Input(f"vehicle:{vehicle[1]}", label, ranges.levels["transport_default_vehicle"]))
    return found


def _drivers(
    inputs: Mapping[str, _Input], groups: Mapping[tuple[str, ...], float], width: float
) -> tuple[Driver, ...]:
    central: dict[str, float] = {}
    for key, value in groups.items():
        for k in key:
            central[k] = central.get(k, 0.0) + value
    variance, alone = {}, {}
    for k, s in central.items():
        sigma = math.log(inputs[k].level.gsd)
        variance[k] = s * s * math.exp(sigma * sigma) * math.expm1(sigma * sigma)
        alone[k] = abs(s) * (math.exp(Z90 * sigma) - math.exp(-Z90 * sigma))
    whole = sum(variance.values())
    share = {k: v / whole if whole > 0 else 0.0 for k, v in variance.items()}
    ranked = sorted(central, key=lambda k: (-variance[k], k))[:DRIVERS]
    return tuple(
        Driver(inputs[k].label, inputs[k].level.name, central[k], share[k] * width, share[k],
               inputs[k].level.gsd, alone[k])
        for k in ranked
    )  # fmt: skip


def _method(ranges: Ranges, draws: int, seed: int) -> str:
    return (
        f"Monte Carlo, {draws} draws, numpy default_rng({seed}): every input (a factor, shared by all "
        "lines that use it; an assumption of one material; a project-wide transport default) is a "
        f"lognormal multiplier of median 1 and the geometric standard deviation of its level in "
        f"{ranges.file} (engineering judgement, unverified); a line's kgCO2e is multiplied by its inputs' "
        "multipliers; P10/P50/P90 are the quantiles of the total of the lines in scope. Drivers: the "
        "variance of the total when only that input varies (S² e^{σ²}(e^{σ²} − 1)), share = that "
        "variance / the sum over inputs; spread = share × (P90 − P10); alone = the P10-P90 width it "
        f"alone gives, S (gsd^{num(round(Z90, 4))} − gsd^−{num(round(Z90, 4))}). Not varied: quantities "
        "taken off the model, energy use given in the project file, a material's own transport distance."
    )


# -- the ranges file ---------------------------------------------------------------------------------
@cache
def load_ranges(root: Path) -> Ranges:
    """material_db/uncertainty.yaml at `root`, checked; DatabaseError listing every problem."""
    ranges, problems = _read(root)
    if problems or ranges is None:
        raise DatabaseError(problems, hint="each line names file:line; fix material_db/uncertainty.yaml")
    return ranges


def check_ranges(root: Path) -> list[DataProblem]:
    """Every problem of the ranges file at `root`; empty when it loads cleanly."""
    return _read(root)[1]


def _read(root: Path) -> tuple[Ranges | None, list[DataProblem]]:
    package, problems = read_package(root)
    resource = package.resource(RESOURCE) if package is not None else None
    if package is None or resource is None:
        return None, problems or [DataProblem(f"{root.name}/datapackage.yaml", None, f"no {RESOURCE}")]
    display = package.display(resource.path)
    doc, problems = read_yaml(root / resource.path, display)
    sources_doc, more = read_yaml(root / "sources.yaml", package.display("sources.yaml"))
    problems += more
    if doc is None or not isinstance(doc.data, dict):
        return None, problems + ([] if doc is None else [DataProblem(display, None, "is not a mapping")])
    data = doc.data
    sources = {
        str(s.get("id")) for s in (sources_doc.data if sources_doc else None) or [] if isinstance(s, dict)
    }
    verification = package.enum("factor", "verification")

    def problem(line: int | None, message: str) -> None:
        problems.append(DataProblem(display, line, message))

    if data.get("distribution") != "lognormal":
        problem(doc.line("distribution"), "distribution must be lognormal (the only one implemented)")
    levels: dict[str, Level] = {}
    raw_levels: dict[str, Any] = data["levels"] if isinstance(data.get("levels"), dict) else {}
    for name, entry in raw_levels.items():
        line = doc.line("levels", str(name))
        missing = [k for k in LEVEL_KEYS if not isinstance(entry, dict) or entry.get(k) in (None, "")]
        if missing:
            problem(line, f"level {name} lacks {', '.join(missing)}")
            continue
        gsd = entry["gsd"]
        if not isinstance(gsd, int | float) or isinstance(gsd, bool) or not math.isfinite(gsd) or gsd < 1:
            problem(line, f"level {name}: gsd must be a number of at least 1, not {gsd!r}")
        elif entry["source"] not in sources:
            problem(line, f"level {name}: source {entry['source']!r} is not in sources.yaml")
        elif entry["verification"] not in verification:
            problem(
                line, f"level {name}: verification {entry['verification']!r} is not one of {verification}"
            )
        elif entry["kind"] not in ("factor", "assumption"):
            problem(line, f"level {name}: kind must be factor or assumption")
        else:
            levels[str(name)] = Level(str(name), float(gsd), entry["kind"], entry["source"],
                                      entry["verification"], str(entry["reasoning"]))  # fmt: skip
    for name in ASSUMPTIONS:
        if name not in raw_levels:
            problem(doc.line("levels"), f"level {name} is missing (the calculation uses it)")
    rules = _rules(data.get("factor_levels"), raw_levels, doc.line, problem)
    if problems:
        return None, problems
    return Ranges(display, levels, rules), problems


def _rules(raw: Any, levels: Mapping[str, Any], line: Any, problem: Any) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(raw, list) or not raw:
        problem(line("factor_levels"), "factor_levels must be a non-empty list of rules")
        return ()
    rules: list[Mapping[str, Any]] = []
    for index, rule in enumerate(raw):
        at = line("factor_levels", index)
        if not isinstance(rule, dict) or rule.get("level") not in levels:
            problem(at, f"rule {index + 1}: level must be one of the levels")
            continue
        unknown = [k for k in rule if k != "level" and k not in RULE_KEYS]
        lists = [k for k in ("data_type", "verification") if k in rule and not isinstance(rule[k], list)]
        if unknown or lists:
            problem(at, f"rule {index + 1}: unknown keys {unknown} or not lists {lists}")
        rules.append(rule)
    if rules and any(k in rules[-1] for k in RULE_KEYS):
        problem(line("factor_levels"), "the last rule must match every factor (a level alone)")
    return tuple(rules)
