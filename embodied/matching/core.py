"""The matching composer: each distinct model material to an emission factor, explainably.

Order, strongest first: the user's mapping file → a classification reference mapped by the user →
grade tokens and aliases (``rules``) → the IfcMaterial.Category fallback → fuzzy suggestions, shown
and applied only when asked. A material is matched per IFC class (a "steel" on a reinforcing bar is
rebar, on a beam a section); classes that reach the same factor share one output row.

Quantities are carried in the factor's declared unit: m³ from volume, t or kg from mass (the model's
density, else the database's for the factor's category), m² from the element area shared by volume
share. Two materials matched to one factor stay two rows; nothing overwrites anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from embodied.factors import Factor, FactorDB
from embodied.matching import rules
from embodied.matching.mapping import Entry, UserMapping
from embodied.records import (
    Coverage,
    MatchMethod,
    MatchResult,
    MaterialMatch,
    Problem,
    ProblemKind,
    SplitMethod,
    TakeoffResult,
    TakeoffRow,
    VolumeOrigin,
)

NO_MATERIAL = "(no material)"
REBAR_ESTIMATE = "(rebar estimate: not modelled)"
REBAR_CLASSES = ("IfcReinforcingBar", "IfcReinforcingMesh", "IfcTendon")


@dataclass(frozen=True, slots=True)
class MatchOptions:
    accept_suggestions: bool = False
    suggestion_min_score: float = 85.0  # a suggestion is applied (when asked) from this score up
    rebar_estimate: bool = True
    suggestions: int = 3


@dataclass(frozen=True, slots=True)
class _Decision:
    factor_id: str | None
    method: MatchMethod
    rule: str | None
    confidence: float | None
    suggestions: tuple[str, ...]


def run(
    takeoff: TakeoffResult,
    db: FactorDB,
    mapping: UserMapping | None = None,
    options: MatchOptions | None = None,
) -> MatchResult:
    options = options or MatchOptions()
    problems: list[Problem] = []
    groups: dict[str | None, dict[str, list[TakeoffRow]]] = defaultdict(lambda: defaultdict(list))
    for row in takeoff.rows:
        if row.volume_origin is VolumeOrigin.PARTS:
            continue  # a container: its parts carry the quantities
        groups[row.material][row.ifc_class].append(row)

    materials: list[MaterialMatch] = []
    for name, by_class in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or "")):
        if name is None:
            materials.append(_unmatched_no_material(by_class))
            continue
        decided: dict[_Decision, list[TakeoffRow]] = defaultdict(list)
        for ifc_class, rows in sorted(by_class.items()):
            decided[_decide(name, ifc_class, rows, db, mapping, options)].extend(rows)
        adjustment = mapping.adjustment_for(name) if mapping is not None else None
        for decision, rows in decided.items():
            materials.append(_material(name, rows, decision, db, adjustment))
    if options.rebar_estimate:
        estimate = _rebar_estimate(takeoff, materials, db)
        if estimate is not None:
            materials.append(estimate)
            problems.append(Problem(ProblemKind.ASSUMPTION, estimate.note))
    coverage = _coverage(materials, db)
    problems += _problems(materials, coverage)
    return MatchResult(
        takeoff=takeoff,
        database_version=db.version,
        packs=tuple(db.packs),
        mapping_file=mapping.path if mapping else None,
        materials=tuple(materials),
        coverage=coverage,
        problems=tuple(problems),
        settings={
            "accept_suggestions": options.accept_suggestions,
            "suggestion_min_score": options.suggestion_min_score,
            "rebar_estimate": options.rebar_estimate,
        },
    )


# -- deciding ---------------------------------------------------------------------------------------
def _decide(
    name: str,
    ifc_class: str,
    rows: Sequence[TakeoffRow],
    db: FactorDB,
    mapping: UserMapping | None,
    options: MatchOptions,
) -> _Decision:
    if mapping is not None:
        entry = mapping.for_material(name)
        if entry is not None:
            return _Decision(entry.factor_id, MatchMethod.MAPPING, f"mapping {entry.where}", 1.0, ())
        codes = sorted({c.strip() for r in rows if r.classification for c in r.classification.split(";")})
        entry = mapping.for_classifications(codes)
        if entry is not None:
            rule = f"classification {', '.join(codes)} in mapping {entry.where}"
            return _Decision(entry.factor_id, MatchMethod.CLASSIFICATION, rule, 0.95, ())
    category = next((r.material_category for r in rows if r.material_category), None)
    found = rules.match_name(name, [ifc_class], category, db)
    if found is not None:
        return _Decision(found.factor_id, MatchMethod(found.method), found.rule, found.confidence, ())
    suggested = rules.suggest(name, db, limit=options.suggestions)
    labels = tuple(f"{fid} ({score:.0f})" for fid, score in suggested)
    if options.accept_suggestions and suggested and suggested[0][1] >= options.suggestion_min_score:
        fid, score = suggested[0]
        rule = f"fuzzy suggestion accepted (--accept-suggestions), score {score:.0f}/100"
        return _Decision(fid, MatchMethod.SUGGESTION, rule, round(score / 100 * 0.6, 3), labels)
    return _Decision(None, MatchMethod.UNMATCHED, None, None, labels)


# -- quantities -------------------------------------------------------------------------------------
def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _material(
    name: str, rows: Sequence[TakeoffRow], decision: _Decision, db: FactorDB, adjustment: Entry | None = None
) -> MaterialMatch:
    factor = db.factors.get(decision.factor_id) if decision.factor_id else None
    notes: list[str] = []
    density = db.density_for(factor) if factor is not None else None
    fill = (
        adjustment.fill_fraction if adjustment is not None and adjustment.fill_fraction is not None else 1.0
    )
    masses: list[float | None] = []
    mass_sources: set[str] = set()
    for row in rows:
        if row.mass_kg is not None:
            masses.append(row.mass_kg * fill)
            mass_sources.add(row.mass_source or "model")
        elif row.volume_m3 is not None and density is not None:
            masses.append(row.volume_m3 * fill * density[0])
            mass_sources.add(f"volume × {density[0]:g} kg/m³ ({density[1]})")
        else:
            masses.append(None)
    raw_volume = _sum(r.volume_m3 for r in rows)
    volume = raw_volume * fill if raw_volume is not None else None
    if adjustment is not None and adjustment.fill_fraction is not None:
        shown = (
            f"volume {raw_volume:g} m³ × {fill:g} = {volume:g} m³" if raw_volume is not None else "no volume"
        )
        notes.append(f"fill fraction {fill:g} from {adjustment.where}: {shown}")
    mass = _sum(masses)
    missing_volume = sum(1 for r in rows if r.volume_m3 is None)
    if missing_volume:
        notes.append(f"{missing_volume} of {len(rows)} parts have no volume")
    if mass is not None and None in masses:
        notes.append(f"mass known for {len(masses) - masses.count(None)} of {len(masses)} parts")
    area, area_note = _area(rows)
    quantity = None
    if factor is not None:
        quantity, note = _quantity(factor, volume, mass, area)
        if note:
            notes.append(note)
        elif factor.declared_unit == "m2" and area_note:
            notes.append(area_note)
        if factor.data_type in ("derived", "supplementary") or factor.verification in (
            "unverified",
            "recollection",
        ):
            quality = f"factor is {factor.data_type}, {factor.verification}"
            notes.append(f"{quality}: see `embodied db show {factor.factor_id}`")
    return MaterialMatch(
        material=name,
        ifc_classes=tuple(sorted({r.ifc_class for r in rows})),
        elements=len({r.global_id for r in rows}),
        volume_m3=volume,
        mass_kg=mass,
        mass_source="; ".join(sorted(mass_sources)) or None,
        area_m2=area,
        factor_id=factor.factor_id if factor else None,
        factor_name=_factor_name(factor),
        declared_unit=factor.declared_unit if factor else None,
        quantity=quantity,
        method=decision.method,
        rule=decision.rule,
        confidence=decision.confidence,
        suggestions=decision.suggestions,
        note="; ".join(notes),
        element_ids=tuple(sorted({r.global_id for r in rows})),
        **_factor_fields(factor),
        fill_fraction=adjustment.fill_fraction if adjustment is not None else None,
        confirmed_checks=adjustment.confirm if adjustment is not None else (),
        confirmed_where=adjustment.where if adjustment is not None and adjustment.confirm else None,
        confirmed_note=adjustment.note if adjustment is not None and adjustment.confirm else "",
    )


def _area(rows: Sequence[TakeoffRow]) -> tuple[float | None, str]:
    """The area the material covers, summed over its parts, and how it was found: a layer covers its
    element's whole face (its volume / its thickness, else the element's area, never a share of it);
    any other part the element's area × its share (the whole area for a single material)."""
    areas: list[float | None] = []
    hows: set[str] = set()
    for r in rows:
        layer = r.split_method is SplitMethod.LAYER_THICKNESS and bool(r.layer_thickness_m)
        if layer and r.volume_m3 is not None and r.layer_thickness_m:
            areas.append(r.volume_m3 / r.layer_thickness_m)
            hows.add("layer volume / layer thickness")
        elif layer and r.area_m2 is not None:
            areas.append(r.area_m2)
            hows.add("the element's area (a layer covers the whole face)")
        elif r.area_m2 is not None:
            areas.append(r.area_m2 * (r.share if r.share is not None else 1.0))
            hows.add("the element's area" + (" × its share" if r.share not in (None, 1.0) else ""))
        else:
            areas.append(None)
    area = _sum(areas)
    missing = areas.count(None)
    how = "area = " + "; ".join(sorted(hows)) if hows else ""
    if area is not None and missing:
        how += f"; {missing} of {len(areas)} parts without an area"
    return area, how


def _factor_fields(factor: Factor | None) -> dict[str, Any]:
    if factor is None:
        return {}
    return {
        "gwp_kgco2e_per_unit": factor.gwp_kgco2e_per_unit,
        "factor_module": factor.module,
        "factor_data_type": factor.data_type,
        "factor_verification": factor.verification,
        "factor_source": f"{factor.source_id}: {factor.source_ref}",
    }


def _factor_name(factor: Factor | None) -> str | None:
    if factor is None:
        return None
    return " / ".join(n for n in (factor.name_zh, factor.name_en) if n) or factor.factor_id


def _quantity(
    factor: Factor, volume: float | None, mass: float | None, area: float | None
) -> tuple[float | None, str]:
    unit = factor.declared_unit
    if unit == "m3":
        return volume, "" if volume is not None else "no volume for a per-m³ factor"
    if unit in ("t", "kg"):
        if mass is None:
            return None, f"no mass for a per-{unit} factor: no density in the model or for its category"
        return (mass / 1000.0 if unit == "t" else mass), ""
    if unit == "m2":
        return area, "" if area is not None else "no area for a per-m² factor"
    return None, f"declared unit {unit!r}: no take-off quantity converts to it"


def _unmatched_no_material(by_class: dict[str, list[TakeoffRow]]) -> MaterialMatch:
    rows = [r for rows in by_class.values() for r in rows]
    return MaterialMatch(
        material=NO_MATERIAL,
        ifc_classes=tuple(sorted(by_class)),
        elements=len({r.global_id for r in rows}),
        volume_m3=_sum(r.volume_m3 for r in rows),
        mass_kg=_sum(r.mass_kg for r in rows),
        mass_source=None,
        area_m2=None,
        factor_id=None,
        factor_name=None,
        declared_unit=None,
        quantity=None,
        method=MatchMethod.UNMATCHED,
        rule=None,
        confidence=None,
        suggestions=(),
        note="elements without any material in the model: assign one, or map them by classification",
        element_ids=tuple(sorted({r.global_id for r in rows})),
    )


# -- rebar ------------------------------------------------------------------------------------------
def _rebar_estimate(
    takeoff: TakeoffResult, materials: Sequence[MaterialMatch], db: FactorDB
) -> MaterialMatch | None:
    """Reinforcement estimated from concrete volume by element class, when none is modelled."""
    if any(r.ifc_class in REBAR_CLASSES for r in takeoff.rows):
        return None
    parameter: dict[str, Any] = dict(db.method.get("rebar_kg_per_m3") or {})
    ratios: dict[str, Any] = dict(parameter.get("value") or {})
    rebar = db.factors.get("gbt51366:D:steel_rebar")
    if not ratios or rebar is None:
        return None
    volumes: dict[str, float] = defaultdict(float)
    concrete = {
        m.material for m in materials if m.factor_id and db.factors[m.factor_id].category == "concrete"
    }
    ids: set[str] = set()
    for row in takeoff.rows:
        if row.material in concrete and row.volume_m3:
            volumes[row.ifc_class] += row.volume_m3
            ids.add(row.global_id)
    if not volumes:
        return None
    parts, mass = [], 0.0
    for ifc_class, volume in sorted(volumes.items()):
        ratio = float(ratios.get(ifc_class, ratios.get("default", 0.0)))
        mass += volume * ratio
        parts.append(f"{ifc_class} {volume:.3f} m³ × {ratio:g} kg/m³")
    source = f"{parameter.get('source', '?')}: {parameter.get('source_ref', '')}".strip()
    note = (
        "rebar is not modelled: estimated as " + " + ".join(parts) + f" = {mass:.1f} kg "
        f"(ratios: methods/gbt51366_2019.yaml rebar_kg_per_m3, {source}; an assumption: "
        "set them there or model the rebar)"
    )
    return MaterialMatch(
        material=REBAR_ESTIMATE,
        ifc_classes=tuple(sorted(volumes)),
        elements=len(ids),
        volume_m3=None,
        mass_kg=mass,
        mass_source="concrete volume × rebar ratio",
        area_m2=None,
        factor_id=rebar.factor_id,
        factor_name=_factor_name(rebar),
        declared_unit=rebar.declared_unit,
        quantity=mass / 1000.0 if rebar.declared_unit == "t" else mass,
        method=MatchMethod.ESTIMATE,
        rule="rebar_kg_per_m3 in methods/gbt51366_2019.yaml",
        confidence=0.5,
        suggestions=(),
        note=note,
        element_ids=tuple(sorted(ids)),
        **_factor_fields(rebar),
    )


# -- coverage ---------------------------------------------------------------------------------------
def _coverage(materials: Sequence[MaterialMatch], db: FactorDB) -> Coverage:
    required = float(db.method.get("coverage_min_mass_share", {}).get("value", 0.95))
    cutoff = float(db.method.get("cutoff_mass_share", {}).get("value", 0.001))
    total = sum(m.mass_kg or 0.0 for m in materials)
    matched = sum(m.mass_kg or 0.0 for m in materials if m.factor_id)
    unknown = tuple(m.material for m in materials if m.mass_kg is None and (m.volume_m3 or 0.0) > 0)
    unknown_volume = tuple(
        (m.material, m.volume_m3 or 0.0)
        for m in sorted(materials, key=lambda m: -(m.volume_m3 or 0.0))
        if not m.factor_id and m.mass_kg is None and (m.volume_m3 or 0.0) > 0
    )
    lower_bound = any(m.factor_id and m.mass_kg is None and (m.volume_m3 or 0.0) > 0 for m in materials)
    unmatched = sorted(
        ((m.material, m.mass_kg) for m in materials if not m.factor_id and m.mass_kg),
        key=lambda item: -item[1],
    )
    omissible = tuple(name for name, kg in unmatched if total > 0 and kg / total < cutoff)
    return Coverage(
        total_mass_kg=total,
        matched_mass_kg=matched,
        required_share=required,
        cutoff_share=cutoff,
        unknown_mass=unknown,
        unmatched_by_mass=tuple(unmatched),
        omissible=omissible,
        unknown_volume_materials=unknown_volume,
        share_is_lower_bound=bool(lower_bound),
    )


def _problems(materials: Sequence[MaterialMatch], coverage: Coverage) -> list[Problem]:
    problems = [
        Problem(
            ProblemKind.UNMATCHED,
            f"material {m.material!r} ({', '.join(m.ifc_classes)}, {m.elements} elements) has no factor"
            + (f"; suggestions: {', '.join(m.suggestions)}" if m.suggestions else ""),
        )
        for m in materials
        if not m.factor_id
    ]
    problems += [
        Problem(ProblemKind.ASSUMPTION, f"material {m.material!r}: {m.rule}")
        for m in materials
        if m.method is MatchMethod.SUGGESTION
    ]
    share = coverage.share
    if not coverage.rule_met:
        why = (
            f"matched materials hold {share:.1%} of the mass, "
            f"under the required {coverage.required_share:.0%}"
            if share is not None
            else f"the matched share {coverage.share_text}"
        )
        problems.append(Problem(ProblemKind.COVERAGE, f"GB/T 51366 §6.1 coverage rule not shown: {why}"))
    return problems
