"""One output row of the matching: a material's take-off rows on one factor, with their quantities.

Quantities are carried in the factor's declared unit: m³ from volume, t or kg from mass (the model's
density or weight, else the database's for the factor's category), m² from the area (a layer's: its
volume / its thickness, else its element's whole face; a whole element's: its area). A mapping row's
fill fraction scales volume and mass, never area. Each row says where its mass came from
(``mass_basis``, flagged unless from the model) and how it splits among its IFC classes
(``class_shares``). An unmatched material's mass, when the model gives none, is estimated from the
category its name suggests (material_db/category_keywords.csv) × that category's density, flagged;
what the coverage needs of that beyond the row is its `Tally`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from embodied.factors import Factor, FactorDB
from embodied.matching import defaults, rules
from embodied.matching.decide import Decision
from embodied.matching.mapping import Entry
from embodied.records import MatchMethod, MaterialMatch, SplitMethod, TakeoffRow

NO_MATERIAL = "(no material)"


@dataclass(frozen=True, slots=True)
class Tally:
    """What the coverage needs of one output row beyond the row itself."""

    estimated_kg: float = 0.0  # mass estimated from the category the name suggests (unmatched only)
    unknown_volume_m3: float = 0.0  # volume of the parts whose mass is unknown
    parts_without_mass: int = 0
    guess: tuple[str, str] | None = None  # (category, keyword) the name suggests, when estimated
    advice: str = ""  # unmatched without suggestions: why


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def face_areas(rows: Iterable[TakeoffRow]) -> dict[str, float]:
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


def material_match(
    name: str,
    rows: Sequence[TakeoffRow],
    decision: Decision,
    db: FactorDB,
    adjustment: Entry | None = None,
    faces: Mapping[str, float] | None = None,
) -> tuple[MaterialMatch, Tally]:
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
        factor_name=factor_name(factor),
        declared_unit=factor.declared_unit if factor else None,
        quantity=quantity,
        method=decision.method,
        rule=decision.rule,
        confidence=decision.confidence,
        suggestions=decision.suggestions,
        note="; ".join(notes),
        element_ids=tuple(sorted({r.global_id for r in rows})),
        **factor_fields(factor),
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
    tally = Tally(
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
            return shares(weights)
    elements: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        elements[row.ifc_class].add(row.global_id)
    return shares({cls: float(len(ids)) for cls, ids in elements.items()})


def shares(weights: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """(class, weight / total) sorted by class, of the positive weights; the last is 1 − the others, so
    that the shares sum to exactly 1.0."""
    items = sorted((cls, w) for cls, w in weights.items() if w > 0)
    if not items:
        return ()
    total = sum(w for _, w in items)
    found = [(cls, w / total) for cls, w in items[:-1]]
    found.append((items[-1][0], 1.0 - sum(share for _, share in found)))
    return tuple(found)


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


def factor_fields(factor: Factor | None) -> dict[str, Any]:
    if factor is None:
        return {}
    return {
        "gwp_kgco2e_per_unit": factor.gwp_kgco2e_per_unit,
        "factor_module": factor.module,
        "factor_data_type": factor.data_type,
        "factor_verification": factor.verification,
        "factor_source": f"{factor.source_id}: {factor.source_ref}",
    }


def factor_name(factor: Factor | None) -> str | None:
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


def no_material_match(by_class: dict[str, list[TakeoffRow]]) -> tuple[MaterialMatch, Tally]:
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
    return match, Tally(unknown_volume_m3=unknown, parts_without_mass=masses.count(None))
