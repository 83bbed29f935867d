"""The matching composer: each distinct model material to an emission factor, explainably.

Order, strongest first: the user's mapping file → a classification reference mapped by the user →
grade tokens and aliases (``rules``) → the IfcMaterial.Category fallback → the declared default of a
family named without grade (``defaults``: 混凝土 → C30, flagged, with the effect of one grade up and
down) → fuzzy suggestions of the name's kind only (``kinds``), shown and applied only when asked
(``decide``). A material is matched per IFC class (a "steel" on a reinforcing bar is rebar, on a beam
a section); classes that reach the same factor share one output row.

Quantities are carried in the factor's declared unit: m³ from volume, t or kg from mass (the model's
density or weight, else the database's for the factor's category), m² from the area (a layer's: its
volume / its thickness, else its element's whole face; a whole element's: its area). A mapping row's
fill fraction scales volume and mass, never area. Two materials matched to one factor stay two rows;
nothing overwrites anything. Each row says where its mass came from (``mass_basis``, flagged unless
from the model) and how it splits among its IFC classes (``class_shares``).

Coverage (GB/T 51366 §6.1) counts every mass: an unmatched material's mass, when the model gives
none, is estimated from the category its name suggests (material_db/category_keywords.csv) × that
category's density, flagged; unmatched volume whose mass stays unknown makes the share not
established, never 100 % over the known mass alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from embodied.factors import Factor, FactorDB
from embodied.matching import defaults, rules
from embodied.matching.decide import Decision, decide
from embodied.matching.decide import MatchOptions as MatchOptions  # re-exported: callers import it here
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

    faces = _faces(takeoff.rows)
    built: list[tuple[MaterialMatch, _Tally]] = []
    for name, by_class in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or "")):
        if name is None:
            built.append(_unmatched_no_material(by_class))
            continue
        decided: dict[Decision, list[TakeoffRow]] = defaultdict(list)
        for ifc_class, rows in sorted(by_class.items()):
            decided[decide(name, ifc_class, rows, db, mapping, options)].extend(rows)
        adjustment = mapping.adjustment_for(name) if mapping is not None else None
        for decision, rows in decided.items():
            built.append(_material(name, rows, decision, db, adjustment, faces))
    if options.rebar_estimate:
        estimate = _rebar_estimate(takeoff, [m for m, _ in built], db)
        if estimate is not None:
            built.append((estimate, _Tally()))
            problems.append(Problem(ProblemKind.ASSUMPTION, estimate.note))
    materials = [m for m, _ in built]
    coverage = _coverage(built, db)
    problems += _problems(built, coverage) + defaults.problems(materials)
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


# -- quantities -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Tally:
    """What the coverage needs of one output row beyond the row itself."""

    estimated_kg: float = 0.0  # mass estimated from the category the name suggests (unmatched only)
    unknown_volume_m3: float = 0.0  # volume of the parts whose mass is unknown
    parts_without_mass: int = 0
    guess: tuple[str, str] | None = None  # (category, keyword) the name suggests, when estimated
    advice: str = ""  # unmatched without suggestions: why


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _faces(rows: Iterable[TakeoffRow]) -> dict[str, float]:
    """The face area of each layered element, from any of its layers: layer volume / layer thickness
    (the same for every layer, the volume being shared by thickness)."""
    faces: dict[str, float] = {}
    for r in rows:
        if (
            r.split_method is SplitMethod.LAYER_THICKNESS
            and r.layer_thickness_m
            and r.volume_m3 is not None
            and r.global_id not in faces
        ):
            faces[r.global_id] = r.volume_m3 / r.layer_thickness_m
    return faces


def _material(
    name: str,
    rows: Sequence[TakeoffRow],
    decision: Decision,
    db: FactorDB,
    adjustment: Entry | None = None,
    faces: Mapping[str, float] | None = None,
) -> tuple[MaterialMatch, _Tally]:
    factor = db.factors.get(decision.factor_id) if decision.factor_id else None
    notes: list[str] = []
    density = db.density_for(factor) if factor is not None else None
    guess = rules.category_of(name, db.category_keywords) if factor is None else None
    guessed = db.category_density(guess[0]) if guess is not None else None
    fill = (
        adjustment.fill_fraction if adjustment is not None and adjustment.fill_fraction is not None else 1.0
    )
    volumes = [r.volume_m3 * fill if r.volume_m3 is not None else None for r in rows]
    estimate = (guess[0], guessed[0]) if guess is not None and guessed is not None else None
    masses, bases, mass_sources = _masses(rows, volumes, fill, density, estimate)
    raw_volume = _sum(r.volume_m3 for r in rows)
    volume = _sum(volumes)
    if adjustment is not None and adjustment.fill_fraction is not None:
        shown = (
            f"volume {raw_volume:g} m³ × {fill:g} = {volume:g} m³"
            if raw_volume is not None and volume is not None
            else "no volume"
        )
        notes.append(f"fill fraction {fill:g} from {adjustment.where}: {shown}")
    mass = _sum(masses)
    missing_volume = sum(1 for r in rows if r.volume_m3 is None)
    if missing_volume:
        notes.append(f"{missing_volume} of {len(rows)} parts have no volume")
    if mass is not None and None in masses:
        notes.append(f"mass known for {len(masses) - masses.count(None)} of {len(masses)} parts")
    estimated = sum(m for m, b in zip(masses, bases, strict=True) if b == "estimate" and m is not None)
    unknown_volume = sum(v for v, m in zip(volumes, masses, strict=True) if m is None and v)
    if guess is not None and guessed is not None and "estimate" in bases:
        notes.append(
            f"mass estimated: name suggests {guess[0]} (keyword '{guess[1]}', category_keywords.csv), "
            f"{guessed[0]:g} kg/m³ ({guessed[1]}) — not matched to a factor"
        )
    elif factor is None and unknown_volume > 0:
        notes.append(
            f"mass unknown: name suggests {guess[0]} (keyword '{guess[1]}'), which has no density in "
            "densities.csv"
            if guess is not None
            else "mass unknown: not matched, and the name suggests no category (category_keywords.csv)"
        )
    elif factor is not None and None in masses and factor.declared_unit not in ("t", "kg"):
        why = "no volume" if density is not None else f"no density in the model or for {factor.category}"
        notes.append(
            f"mass unknown for {masses.count(None)} of {len(masses)} parts ({why}): "
            "the coverage share is then a lower bound"
        )
    if decision.advice:
        notes.append(decision.advice)
    areas, area, area_note = _area(rows, faces or {})
    quantity = None
    per_unit: list[float | None] = volumes  # what the class shares weigh
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
        per_unit = {"m3": volumes, "t": masses, "kg": masses, "m2": areas}.get(factor.declared_unit, volumes)
    match = MaterialMatch(
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
        mass_basis=_basis(bases),
        mass_flagged=any(b != "model" for b in bases),
        class_shares=_class_shares(rows, per_unit, volumes),
        kind=decision.kind.category if decision.kind else None,
        kind_rule=decision.kind.rule if decision.kind else "",
    )
    if decision.default is not None:
        match = defaults.annotate(match, decision.default, db)
    tally = _Tally(
        estimated_kg=estimated,
        unknown_volume_m3=unknown_volume,
        parts_without_mass=masses.count(None),
        guess=guess if estimated else None,
        advice=decision.advice,
    )
    return match, tally


def _masses(
    rows: Sequence[TakeoffRow],
    volumes: Sequence[float | None],
    fill: float,
    density: tuple[float, str] | None,
    estimate: tuple[str, float] | None,
) -> tuple[list[float | None], list[str | None], set[str]]:
    """Each part's mass and its basis, and the mass sources: the model's (× the fill fraction), else
    volume × the factor's density ("database"), else, unmatched, volume × the density of the category
    `estimate` = (category, kg/m³) the name suggests ("estimate"), else None."""
    masses: list[float | None] = []
    bases: list[str | None] = []
    sources: set[str] = set()
    for row, volume in zip(rows, volumes, strict=True):
        if row.mass_kg is not None:
            masses.append(row.mass_kg * fill)
            bases.append("model")
            sources.add(row.mass_source or "model")
        elif volume is not None and density is not None:
            masses.append(volume * density[0])
            bases.append("database")
            sources.add(f"volume × {density[0]:g} kg/m³ ({density[1]})")
        elif volume is not None and estimate is not None:
            masses.append(volume * estimate[1])
            bases.append("estimate")
            sources.add(f"volume × {estimate[1]:g} kg/m³ (estimate: the name suggests {estimate[0]})")
        else:
            masses.append(None)
            bases.append(None)
    return masses, bases, sources


def _basis(bases: Sequence[str | None]) -> str | None:
    """ "model", "database", "estimate", "mixed: model (2 parts), database (1 part)", or None."""
    counts = Counter(b for b in bases if b is not None)
    if len(counts) <= 1:
        return next(iter(counts), None)
    order = [b for b in ("model", "database", "estimate") if counts[b]]
    return "mixed: " + ", ".join(f"{b} ({counts[b]} part{'' if counts[b] == 1 else 's'})" for b in order)


def _class_shares(
    rows: Sequence[TakeoffRow], quantities: Sequence[float | None], volumes: Sequence[float | None]
) -> tuple[tuple[str, float], ...]:
    """Shares of the IFC classes: by `quantities` (in the factor's declared unit) where any is known,
    else by volume, else by element count."""
    for values in (quantities, volumes):
        weights: dict[str, float] = defaultdict(float)
        for row, value in zip(rows, values, strict=True):
            if value:
                weights[row.ifc_class] += value
        if sum(weights.values()) > 0:
            return _shares(weights)
    elements: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        elements[row.ifc_class].add(row.global_id)
    return _shares({cls: float(len(ids)) for cls, ids in elements.items()})


def _shares(weights: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """(class, weight / total) sorted by class, of the positive weights; the last is 1 − the others, so
    that the shares sum to exactly 1.0."""
    items = sorted((cls, w) for cls, w in weights.items() if w > 0)
    if not items:
        return ()
    total = sum(w for _, w in items)
    shares = [(cls, w / total) for cls, w in items[:-1]]
    shares.append((items[-1][0], 1.0 - sum(share for _, share in shares)))
    return tuple(shares)


def _area(
    rows: Sequence[TakeoffRow], faces: Mapping[str, float]
) -> tuple[list[float | None], float | None, str]:
    """The area of each part, their sum and how it was found. A layer covers its element's whole face,
    never a share of it: its volume / its thickness, else the element's area, else the face its other
    layers give (a layer of zero thickness, a membrane). A whole element takes its area; a part of
    another split (constituents, profiles) the element's area × its share, an approximation said so."""
    areas: list[float | None] = []
    hows: set[str] = set()
    for r in rows:
        if r.split_method is SplitMethod.LAYER_THICKNESS:
            if r.layer_thickness_m and r.volume_m3 is not None:
                areas.append(r.volume_m3 / r.layer_thickness_m)
                hows.add("layer volume / layer thickness")
            elif r.area_m2 is not None:
                areas.append(r.area_m2)
                hows.add("the element's area (a layer covers the whole face)")
            elif r.global_id in faces:
                areas.append(faces[r.global_id])
                hows.add("the element's face from its other layers (their volume / thickness)")
            else:
                areas.append(None)
        elif r.area_m2 is not None:
            share = r.share if r.share is not None else 1.0
            areas.append(r.area_m2 * share)
            split = r.split_method.value if r.split_method is not None else "whole"
            hows.add(
                "the element's area"
                if share == 1.0
                else f"the element's area × its volume share ({split} split: an approximation)"
            )
        else:
            areas.append(None)
    area = _sum(areas)
    missing = areas.count(None)
    how = "area = " + "; ".join(sorted(hows)) if hows else ""
    if area is not None and missing:
        how += f"; {missing} of {len(areas)} parts without an area"
    return areas, area, how


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


def _unmatched_no_material(by_class: dict[str, list[TakeoffRow]]) -> tuple[MaterialMatch, _Tally]:
    rows = [r for rows in by_class.values() for r in rows]
    masses = [r.mass_kg for r in rows]  # a weight in the model, if any: no name, no estimate
    volumes = [r.volume_m3 for r in rows]
    bases = ["model" if m is not None else None for m in masses]
    match = MaterialMatch(
        material=NO_MATERIAL,
        ifc_classes=tuple(sorted(by_class)),
        elements=len({r.global_id for r in rows}),
        volume_m3=_sum(volumes),
        mass_kg=_sum(masses),
        mass_source="; ".join(sorted({r.mass_source or "model" for r in rows if r.mass_kg is not None}))
        or None,
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
        mass_basis=_basis(bases),
        mass_flagged=any(b != "model" for b in bases),
        class_shares=_class_shares(rows, volumes, volumes),
    )
    unknown = sum(v for v, m in zip(volumes, masses, strict=True) if m is None and v)
    return match, _Tally(unknown_volume_m3=unknown, parts_without_mass=masses.count(None))


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
        mass_basis="database",  # the rebar ratios of the method file, an assumption
        mass_flagged=True,
        class_shares=_shares(rebar_by_class) or _shares(volumes),
    )


# -- coverage ---------------------------------------------------------------------------------------
def _coverage(built: Sequence[tuple[MaterialMatch, _Tally]], db: FactorDB) -> Coverage:
    required = db.parameter("coverage_min_mass_share")
    cutoff = db.parameter("cutoff_mass_share")
    materials = [m for m, _ in built]
    total = sum(m.mass_kg or 0.0 for m in materials)  # estimated masses included
    matched = sum(m.mass_kg or 0.0 for m in materials if m.factor_id)
    estimated = sum(t.estimated_kg for m, t in built if not m.factor_id)
    unknown = tuple(dict.fromkeys(m.material for m, t in built if t.unknown_volume_m3 > 0))
    volumes: dict[str, float] = defaultdict(float)  # one name may have several unmatched rows
    for m, t in built:
        if not m.factor_id and t.unknown_volume_m3 > 0:
            volumes[m.material] += t.unknown_volume_m3
    unknown_volume = tuple(sorted(volumes.items(), key=lambda item: (-item[1], item[0])))
    lower_bound = any(m.factor_id and t.parts_without_mass for m, t in built)
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
        share_is_lower_bound=lower_bound,
        estimated_mass_kg=estimated,
    )


def _problems(built: Sequence[tuple[MaterialMatch, _Tally]], coverage: Coverage) -> list[Problem]:
    problems = []
    for m, t in built:
        if m.factor_id:
            continue
        message = f"material {m.material!r} ({', '.join(m.ifc_classes)}, {m.elements} elements) has no factor"
        if m.suggestions:
            message += f"; suggestions: {', '.join(m.suggestions)}"
        elif t.advice:
            message += f"; {t.advice}"
        if t.guess is not None:
            message += (
                f"; its mass ({t.estimated_kg:,.0f} kg) is estimated: the name suggests {t.guess[0]} "
                f"(keyword '{t.guess[1]}')"
            )
        elif t.unknown_volume_m3 > 0:
            message += f"; its mass is unknown ({t.unknown_volume_m3:,.3f} m³ without a density)"
        problems.append(Problem(ProblemKind.UNMATCHED, message))
    problems += [
        Problem(ProblemKind.ASSUMPTION, f"material {m.material!r}: {m.rule}")
        for m, _ in built
        if m.method is MatchMethod.SUGGESTION
    ]
    if coverage.estimated_mass_kg > 0:
        count = sum(1 for m, t in built if not m.factor_id and t.estimated_kg > 0)
        problems.append(
            Problem(
                ProblemKind.ASSUMPTION,
                f"the mass of {count} unmatched material(s) is estimated from their names "
                f"({coverage.estimated_mass_kg:,.0f} kg of the {coverage.total_mass_kg:,.0f} kg total, "
                "mass_basis 'estimate'): volume × the density of the category the name suggests",
            )
        )
    share = coverage.share
    if not coverage.rule_met:
        if share is not None:
            bound = "at least " if coverage.share_is_lower_bound else ""
            why = (
                f"matched materials hold {bound}{share:.1%} of the mass, "
                f"under the required {coverage.required_share:.0%}"
            )
            if coverage.estimated_mass_kg > 0:
                why += f" ({coverage.estimated_mass_kg:,.0f} kg of the total estimated from names)"
        else:
            why = f"the matched share {coverage.share_text}"
        problems.append(Problem(ProblemKind.COVERAGE, f"GB/T 51366 §6.1 coverage rule not shown: {why}"))
    return problems
