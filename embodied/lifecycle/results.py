"""Records of the life-cycle stage, and the one helper that writes numbers into formulas.

Every computed number is an ``ImpactLine`` whose ``formula`` spells its arithmetic with units, so a
reader can redo it by hand. "Not declared" is ``None``, never ``0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from embodied.records import Module, Problem


@dataclass(frozen=True, slots=True)
class ImpactLine:
    """One computed (or not computable) contribution to one EN 15978 module."""

    module: Module
    label: str  # material name, or carrier ("electricity", "natural gas" ...)
    kgco2e: float | None  # None = not declared / not computable (the note says why)
    formula: str  # "1000 m³ × 295 kgCO2e/m³ = 295000 kgCO2e": the arithmetic spelled out
    factor_id: str | None = None
    quantity: float | None = None
    unit: str | None = None
    factor_value: float | None = None
    material: str | None = None
    flagged: bool = False  # an estimate or assumption (non-normative estimate, default distance ...)
    note: str = ""
    separate: bool = False  # reported beside the totals (green power): never summed into a module
    material_index: int | None = None  # position of its MaterialMatch in MatchResult.materials


@dataclass(frozen=True, slots=True)
class SwitchEffect:
    """A scope switch that changed the result, and the kgCO2e it left out (or, for module D, netted in)."""

    switch: str
    value: bool
    effect_kgco2e: float | None  # None: nothing was computed for what the switch governs
    note: str


@dataclass(frozen=True, slots=True)
class GridFactor:
    """The electricity factor of the project (kgCO2/kWh) and where it came from; value None: unresolved.

    ``label`` is the factor id with how it was chosen ("mee_nbs:grid_2023:beijing (default by
    province)"), ``note`` the reason in a sentence; ``default`` is True when operation.grid_factor was
    not set and the factor was chosen by building.province (province, region or national)."""

    value: float | None
    factor_id: str | None
    label: str
    note: str
    default: bool = False


@dataclass(frozen=True, slots=True)
class DefaultUsed:
    """A setting the project file left out, and the default the calculation took for it."""

    key: str  # the project-file key left out: "building.design_life_years"
    value: float | str
    unit: str  # "a", "km", "kgCO2/kWh"; "" for a transport mode
    source: str  # "GB/T 51366-2019 §4.1 (methods/gbt51366_2019.yaml design_life_years, recollection)"
    replace_by: str  # what to set in the project file to replace it


@dataclass(frozen=True, slots=True)
class TierCheck:
    """One tier of the draft zero-carbon standard, or the GB 55015 check, for this building."""

    tier: str
    scope: Literal["operation", "whole_process"]
    met: bool | None  # None: cannot be decided (threshold not public, input missing)
    reason: str  # the arithmetic, or why it cannot be decided
    verified: bool  # False while the rule's thresholds or wording are not verified


@dataclass(frozen=True)
class LifecycleResult:
    """The calculation of one building: lines, module and stage totals, tiers, switches, problems.

    ``total_kgco2e`` is the sum of the GB/T 51366 stages in scope, plus module D only when
    ``include_module_d``; B4 (not covered by GB/T 51366) and D are also given in ``beside_gbt``.
    ``module_notes`` says, for every module whose total is None, why (not declared, not covered by
    GB/T 51366, excluded by a scope switch); ``defaults_used`` lists the settings the project file left
    out and the defaults taken for them (each also an assumption problem); ``grid`` is the electricity
    factor used and how it was chosen.
    """

    lines: tuple[ImpactLine, ...]
    modules: dict[str, float | None]  # every Module value -> total (None if nothing computed or excluded)
    module_notes: dict[str, str]  # every Module value whose total is None -> why
    stages: dict[str, float | None]  # every Stage value -> total
    beside_gbt: dict[str, float | None]  # "B4", "D"
    separate: dict[str, float | None]  # "green_power_kwh", "green_power_kgco2", "carbon_credits_kgco2e"
    total_kgco2e: float | None
    embodied_kgco2e: float | None  # production + transport + construction + demolition
    floor_area_m2: float | None
    floor_area_source: str
    design_life_years: float  # as used: the project file's, else the method file's default
    defaults_used: tuple[DefaultUsed, ...]
    grid: GridFactor
    intensity_kgco2e_per_m2: float | None
    intensity_kgco2e_per_m2a: float | None
    operational_kgco2_per_m2a: float | None
    switches: tuple[SwitchEffect, ...]
    tiers: tuple[TierCheck, ...]
    gb55015: TierCheck | None
    problems: tuple[Problem, ...]


def num(value: float) -> str:
    """A number for a formula: up to 10 significant digits, binary noise removed, never in
    scientific notation (12384.000000000002 -> "12384", 0.1 + 0.2 -> "0.3", 1e-12 -> "0.000000000001")."""
    rounded = float(f"{value:.10g}")
    if rounded == 0:
        return "0"
    text = format(Decimal(repr(rounded)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def total(values: list[float | None]) -> float | None:
    """The sum of the known values; None when none is known ("not declared" never becomes 0)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None
