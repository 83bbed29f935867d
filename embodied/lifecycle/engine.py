"""The composer: every line computed first, then the scope applied, rolled up and checked.

    modules[m]   Σ of the module's lines (None: no line computed, or excluded by a scope switch)
    stages[s]    Σ of the modules of GB/T 51366 stage s (None only when all of them are None)
    total        Σ stages (+ module D only with scope.include_module_d)
    embodied     production + transport + construction + demolition
    beside_gbt   B4 (no GB/T 51366 stage: never in the total) and D
    module_notes for every module whose total is None, why (not declared, not covered by GB/T 51366,
                 excluded by a scope switch)

Every EN 15978 module is listed; B2, B3, B5, B7, C2, C3 and C4 are not covered by GB/T 51366 and are
never computed, B1 needs refrigerant data the project file does not take. Known values are summed;
what is not declared stays None and is listed in a problem. A switch that left something out is
listed with the kgCO2e it would have added. Settings the project file leaves out take the method
file's defaults (lifecycle/defaults.py) or, for the grid factor, the default by location; each one
used is in ``defaults_used`` and an assumption problem.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from embodied.factors import FactorDB
from embodied.lifecycle.data import load_data
from embodied.lifecycle.defaults import Setting, Study, method_defaults, resolve
from embodied.lifecycle.energy import grid_factor, operation_lines, stage_energy_lines
from embodied.lifecycle.materials import material_lines, transport_settings
from embodied.lifecycle.results import (
    DefaultUsed,
    GridFactor,
    ImpactLine,
    LifecycleResult,
    SwitchEffect,
    num,
    total,
)
from embodied.lifecycle.zero_carbon import Standing, gb55015_check, tier_checks
from embodied.project import ProjectSettings, Scope
from embodied.records import EMBODIED_STAGES, MODULE_STAGE, MatchResult, Module, Problem, ProblemKind, Stage

ORDER = {module: index for index, module in enumerate(Module)}
# The scope switches that must all be on for a module to count (module D is governed apart). The
# modules GB/T 51366 does not cover follow the switch of their kind: the materials of maintenance,
# repair and refurbishment (B2, B3, B5) and the end of life (C2-C4) are embodied, as B4 is (but only
# B4 has its own switch); operational water (B7) is operation, as B1 and B6.
GOVERNED: dict[Module, tuple[str, ...]] = {
    Module.A1_A3: ("include_embodied",),
    Module.A4: ("include_embodied", "include_transport"),
    Module.A5: ("include_embodied", "include_construction"),
    Module.B1: ("include_operation",),
    Module.B2: ("include_embodied",),
    Module.B3: ("include_embodied",),
    Module.B4: ("include_embodied", "include_replacements"),
    Module.B5: ("include_embodied",),
    Module.B6: ("include_operation",),
    Module.B7: ("include_operation",),
    Module.C1: ("include_embodied", "include_demolition"),
    Module.C2: ("include_embodied",),
    Module.C3: ("include_embodied",),
    Module.C4: ("include_embodied",),
    Module.D: (),
}
# EN 15978 modules GB/T 51366-2019 does not cover (no stage, no method): never computed.
NOT_COVERED: dict[Module, str] = {
    Module.B2: "maintenance",
    Module.B3: "repair",
    Module.B5: "refurbishment",
    Module.B7: "operational water use",
    Module.C2: "transport of the demolition waste",
    Module.C3: "waste processing",
    Module.C4: "disposal",
}
# Why a module that got no line at all is not declared.
NO_LINE: dict[Module, str] = {
    Module.A1_A3: "no matched material with a factor",
    Module.A4: "no matched material with a factor",
    Module.B1: "no refrigerant data (B1 needs the refrigerant charge; GB/T 51366 Ch. 4)",
    Module.B4: "no matched material with a factor",
    Module.D: "no material has a recyclable_share ([[materials]] recyclable_share)",
}
SWITCHES: tuple[tuple[str, tuple[Module, ...], str], ...] = (
    ("include_embodied", (Module.A1_A3, Module.A4, Module.A5, Module.C1),
     "production, transport, construction and demolition (A1-A3, A4, A5, C1) left out"),
    ("include_transport", (Module.A4,), "transport (A4) left out"),
    ("include_construction", (Module.A5,), "construction (A5) left out"),
    ("include_operation", (Module.B1, Module.B6), "operation (B1, B6) left out"),
    ("include_demolition", (Module.C1,), "demolition (C1) left out"),
    ("include_replacements", (Module.B4,), "replacements (B4, beside GB/T 51366, not in the total) left out"),
)  # fmt: skip
LISTED = 5  # names listed in a problem before "…"


def calculate(
    match: MatchResult,
    db: FactorDB,
    settings: ProjectSettings,
    floor_area: tuple[float | None, str] | None = None,
) -> LifecycleResult:
    """The life cycle of the matched materials under the project settings.

    `floor_area` is (m², how it was derived) from the model, used when the settings give none."""
    data = load_data(db.root)
    study = resolve(settings, method_defaults(db))
    scope, years = settings.scope, study.design_life.value
    area, area_source = _floor_area(settings, floor_area)
    grid = grid_factor(settings, db, data.grid_regions)
    lines: list[ImpactLine] = []
    for index, material in enumerate(match.materials):
        # one material name may have several rows (per IFC class): the index says which row a line is of
        lines += [
            replace(line, material_index=index)
            for line in material_lines(material, db, settings, data, study)
        ]
    lines += stage_energy_lines(Module.A5, settings.construction, grid, db, area, "construction")
    lines += operation_lines(settings.operation, grid, db, years)
    lines += stage_energy_lines(Module.C1, settings.demolition, grid, db, area, "demolition")
    lines.sort(key=lambda line: ORDER[line.module])

    raw = {m: total([x.kgco2e for x in lines if x.module is m and not x.separate]) for m in Module}
    counted = {m: all(getattr(scope, s) for s in GOVERNED[m]) for m in Module}
    modules = {m.value: raw[m] if counted[m] else None for m in Module}
    stages = {s.value: total([modules[m.value] for m in Module if MODULE_STAGE[m] is s]) for s in Stage}
    d = modules[Module.D.value]
    grand = total([*stages.values(), d if scope.include_module_d else None])
    embodied = total([stages[s.value] for s in EMBODIED_STAGES])
    operation = stages[Stage.OPERATION.value]

    green = next((x for x in lines if x.separate), None)
    separate = {
        "green_power_kwh": settings.operation.green_power_kwh,
        "green_power_kgco2": green.kgco2e if green is not None else None,
        "carbon_credits_kgco2e": settings.offsets.carbon_credits_kgco2e,
    }
    per_m2a = _per(operation, area, years)
    standing = Standing(
        operation_kgco2=operation,
        total_kgco2e=grand,
        embodied_included=scope.include_embodied,
        operational_kgco2_per_m2a=per_m2a,
        green_power_kgco2=separate["green_power_kgco2"],
        carbon_credits_kgco2e=separate["carbon_credits_kgco2e"],
    )
    problems = _problems(match, lines, counted, area, area_source)
    used = _defaults_used(match, db, settings, study, grid, lines)
    problems += [Problem(ProblemKind.ASSUMPTION, message) for _, message in used]
    return LifecycleResult(
        lines=tuple(lines),
        modules=modules,
        module_notes=_module_notes(lines, modules, scope),
        stages=stages,
        beside_gbt={"B4": modules[Module.B4.value], "D": d},
        separate=separate,
        total_kgco2e=grand,
        embodied_kgco2e=embodied,
        floor_area_m2=area,
        floor_area_source=area_source,
        design_life_years=years,
        defaults_used=tuple(record for record, _ in used),
        grid=grid,
        intensity_kgco2e_per_m2=_per(grand, area),
        intensity_kgco2e_per_m2a=_per(grand, area, years),
        operational_kgco2_per_m2a=per_m2a,
        switches=_switches(scope, raw),
        tiers=tier_checks(data.zero_carbon, standing, settings),
        gb55015=gb55015_check(data.gb55015, standing, settings),
        problems=tuple(problems),
    )


def _per(value: float | None, area: float | None, years: float = 1.0) -> float | None:
    return value / area / years if value is not None and area else None


def _floor_area(
    settings: ProjectSettings, given: tuple[float | None, str] | None
) -> tuple[float | None, str]:
    if settings.building.gross_floor_area_m2 is not None:
        where = f"project file {Path(settings.source).name}" if settings.source else "project settings"
        return settings.building.gross_floor_area_m2, f"{where}: building.gross_floor_area_m2"
    if given is not None and given[0] is not None:
        return given[0], given[1]
    why = f"{given[1]}; " if given is not None and given[1] else ""
    return None, f"not known: {why}set building.gross_floor_area_m2 in the project file"


def _defaults_used(
    match: MatchResult,
    db: FactorDB,
    settings: ProjectSettings,
    study: Study,
    grid: GridFactor,
    lines: Sequence[ImpactLine],
) -> list[tuple[DefaultUsed, str]]:
    """Each default the calculation took, with its assumption message: the design life (the study
    period, always used), the [transport] defaults some material's A4 took, the grid factor by
    location when an energy line used it."""
    taken: list[Setting[float] | Setting[str]] = [study.design_life]
    for material in match.materials:
        taken += [s for s in transport_settings(material, db, settings, study) if s is not None]
    keys = {s.key for s in taken}
    order: tuple[Setting[float] | Setting[str], ...] = (
        study.design_life,
        study.concrete_km,
        study.other_km,
        study.transport_mode,
    )
    used = [(record, s.message()) for s in order if s.key in keys and (record := s.used()) is not None]
    if grid.default and grid.value is not None and any(x.factor_id == grid.factor_id for x in lines):
        record = DefaultUsed(
            "operation.grid_factor", grid.value, "kgCO2/kWh", grid.note, "operation.grid_factor"
        )
        used.append((record, f"grid factor {num(grid.value)} kgCO2/kWh: {grid.note}"))
    return used


def _module_notes(
    lines: Sequence[ImpactLine], modules: dict[str, float | None], scope: Scope
) -> dict[str, str]:
    """Why each module whose total is None has none: excluded, not covered, or not declared."""
    notes: dict[str, str] = {}
    for module in Module:
        if modules[module.value] is not None:
            continue
        off = [name for name in GOVERNED[module] if not getattr(scope, name)]
        own = [x for x in lines if x.module is module and not x.separate]
        if off:
            notes[module.value] = "excluded by " + " and ".join(f"scope.{name} = false" for name in off)
        elif module in NOT_COVERED:
            notes[module.value] = (
                f"not covered by GB/T 51366-2019 ({NOT_COVERED[module]}: an EN 15978 module without a "
                "GB/T 51366 stage); not computed"
            )
        elif not own:
            notes[module.value] = f"not declared: {NO_LINE.get(module, 'nothing was computed')}"
        else:
            kinds = list(dict.fromkeys(_kind(x.note or x.formula) for x in own if x.kgco2e is None))
            text = "; ".join(kinds[:LISTED]) + (" …" if len(kinds) > LISTED else "")
            where = f" for {_lines(own)}" if any(x.material for x in own) else ""
            notes[module.value] = f"not declared{where}: {text}"
    return notes


def _switches(scope: Scope, raw: dict[Module, float | None]) -> tuple[SwitchEffect, ...]:
    found = []
    off = [name for name, _, _ in SWITCHES if not getattr(scope, name)]
    for name, modules, what in SWITCHES:
        if name not in off:
            continue
        effect = total([raw[m] for m in modules])
        notes = [what if effect is not None else f"{what}: nothing was computed there"]
        if name == "include_embodied" and raw[Module.B4] is not None:
            notes.append(f"B4 ({num(raw[Module.B4] or 0.0)} kgCO2e, beside GB/T 51366) left out too")
        if len(off) > 1:
            notes.append(f"overlaps the other switches off ({', '.join(o for o in off if o != name)})")
        found.append(SwitchEffect(name, False, effect, "; ".join(notes)))
    d = raw[Module.D]
    if d is not None:
        note = (
            "module D credit netted into the total (GB/T 51366 §6.2 deducts it; EN 15978 reports it apart)"
            if scope.include_module_d
            else "module D credit reported beside the total, not netted (scope.include_module_d = false)"
        )
        found.append(SwitchEffect("include_module_d", scope.include_module_d, d, note))
    return tuple(found)


def _kind(note: str) -> str:
    """The first clause of a line's note ("default distance", "non-normative estimate" ...): the group."""
    return re.split(r" \(|: |; ", note, maxsplit=1)[0]


def _lines(lines: Sequence[ImpactLine]) -> str:
    names = list(dict.fromkeys(x.material or x.label for x in lines))
    shown = ", ".join(names[:LISTED]) + (" …" if len(names) > LISTED else "")
    return f"{len(lines)} line(s) ({shown})"


def _detail(lines: Sequence[ImpactLine]) -> str:
    """The whole note when all the lines share it (the group's clause with its particulars)."""
    notes = list(dict.fromkeys(x.note for x in lines))
    rest = notes[0][len(_kind(notes[0])) :].strip() if len(notes) == 1 else ""
    return f" {rest}" if rest.startswith("(") else f" ({rest.lstrip(':; ')})" if rest else ""


def _problems(
    match: MatchResult,
    lines: Sequence[ImpactLine],
    counted: dict[Module, bool],
    area: float | None,
    area_source: str,
) -> list[Problem]:
    problems: list[Problem] = []
    unmatched = [m.material for m in match.materials if not m.factor_id]
    if unmatched:
        shown = ", ".join(unmatched[:LISTED]) + (" …" if len(unmatched) > LISTED else "")
        message = f"{len(unmatched)} materials without a factor are not in the totals: {shown}"
        problems.append(Problem(ProblemKind.UNMATCHED, message))
    missing: dict[tuple[Module, str], list[ImpactLine]] = defaultdict(list)
    flagged: dict[tuple[Module, str], list[ImpactLine]] = defaultdict(list)
    for line in lines:
        if line.separate or not counted[line.module]:
            continue
        if line.kgco2e is None:
            missing[(line.module, _kind(line.note))].append(line)
        elif line.flagged:
            flagged[(line.module, _kind(line.note))].append(line)
    for (module, kind), found in missing.items():
        message = (
            f"{module} not declared, left out of the totals, for {_lines(found)}: {kind}{_detail(found)}"
        )
        problems.append(Problem(ProblemKind.NO_QUANTITY, message))
    for (module, kind), found in flagged.items():
        message = f"{module} rests on an assumption or estimate for {_lines(found)}: {kind}{_detail(found)}"
        problems.append(Problem(ProblemKind.ASSUMPTION, message))
    if area is None:
        problems.append(
            Problem(ProblemKind.NO_QUANTITY, f"floor area {area_source}: intensities not computed")
        )
    return problems
