"""The matching composer: each distinct model material to an emission factor, explainably.

Order, strongest first: the user's mapping file → a classification reference mapped by the user →
grade tokens and aliases (``rules``) → the IfcMaterial.Category fallback → the declared default of a
family named without grade (``defaults``: 混凝土 → C30, flagged, with the effect of one grade up and
down) → fuzzy suggestions of the name's kind only (``kinds``), shown and applied only when asked
(``decide``). A material is matched per IFC class (a "steel" on a reinforcing bar is rebar, on a beam
a section); classes that reach the same factor share one output row.

Each output row carries its quantities in the factor's declared unit (``quantities``); two materials
matched to one factor stay two rows, nothing overwrites anything. Reinforcement that is not modelled
is estimated from the concrete volume (`_rebar_estimate`). The coverage of the matched mass (GB/T
51366 §6.1) and its problems are in ``coverage``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from embodied.factors import FactorDB
from embodied.matching import defaults
from embodied.matching.coverage import coverage_of, coverage_problems
from embodied.matching.decide import Decision, decide
from embodied.matching.decide import MatchOptions as MatchOptions  # re-exported: callers import it here
from embodied.matching.mapping import UserMapping
from embodied.matching.quantities import (
    Tally,
    face_areas,
    factor_fields,
    factor_name,
    material_match,
    no_material_match,
    shares,
)
from embodied.records import (
    MatchMethod,
    MatchResult,
    MaterialMatch,
    Problem,
    ProblemKind,
    TakeoffResult,
    TakeoffRow,
    VolumeOrigin,
)

REBAR_ESTIMATE = "(rebar estimate: not modelled)"
REBAR_CLASSES = ("IfcReinforcingBar", "IfcReinforcingMesh", "IfcTendon")


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

    faces = face_areas(takeoff.rows)
    built: list[tuple[MaterialMatch, Tally]] = []
    for name, by_class in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or "")):
        if name is None:
            built.append(no_material_match(by_class))
            continue
        decided: dict[Decision, list[TakeoffRow]] = defaultdict(list)
        for ifc_class, rows in sorted(by_class.items()):
            decided[decide(name, ifc_class, rows, db, mapping, options)].extend(rows)
        adjustment = mapping.adjustment_for(name) if mapping is not None else None
        for decision, rows in decided.items():
            built.append(material_match(name, rows, decision, db, adjustment, faces))
    if options.rebar_estimate:
        estimate = _rebar_estimate(takeoff, [m for m, _ in built], db)
        if estimate is not None:
            built.append((estimate, Tally()))
            problems.append(Problem(ProblemKind.ASSUMPTION, estimate.note))
    materials = [m for m, _ in built]
    coverage = coverage_of(built, db)
    problems += coverage_problems(built, coverage) + defaults.problems(materials)
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
    rebar_by_class = {
        ifc_class: volume * float(ratios.get(ifc_class, ratios.get("default", 0.0)))
        for ifc_class, volume in volumes.items()
    }
    return MaterialMatch(
        material=REBAR_ESTIMATE,
        ifc_classes=tuple(sorted(volumes)),
        elements=len(ids),
        volume_m3=None,
        mass_kg=mass,
        mass_source="concrete volume × rebar ratio",
        area_m2=None,
        factor_id=rebar.factor_id,
        factor_name=factor_name(rebar),
        declared_unit=rebar.declared_unit,
        quantity=mass / 1000.0 if rebar.declared_unit == "t" else mass,
        method=MatchMethod.ESTIMATE,
        rule="rebar_kg_per_m3 in methods/gbt51366_2019.yaml",
        confidence=0.5,
        suggestions=(),
        note=note,
        element_ids=tuple(sorted(ids)),
        **factor_fields(rebar),
        mass_basis="database",  # the rebar ratios of the method file, an assumption
        mass_flagged=True,
        class_shares=shares(rebar_by_class) or shares(volumes),
    )
