"""The life cycle per element: each material's impact lines shared among the elements it is in.

A material's lines (A1-A3, A4, B4 …) are computed once for the material (quantity × factor), not per
element; an element's part is an allocation, stated as such: first among the IFC classes by the
material's class shares (its quantity in each class, the rebar estimate by the rebar of each class),
then among the elements of a class by their quantity of the material — area for a per-m² factor,
else volume — and equally when the model gives neither. The parts of a module add up to the
material's line exactly, so that the elements add up to the materials' totals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from embodied.lifecycle.results import LifecycleResult
from embodied.records import MatchResult, MaterialMatch, TakeoffRow


@dataclass(frozen=True, slots=True)
class ElementCarbon:
    """One element's share of the materials' impact lines, by EN 15978 module (kgCO2e)."""

    global_id: str
    ifc_class: str
    modules: Mapping[str, float]  # "A1-A3", "A4", "B4", "D" … -> kgCO2e (modules with a line only)
    factor_ids: tuple[str, ...]  # the factors of its materials
    methods: tuple[str, ...]  # how those materials were matched (MatchMethod values)

    @property
    def a1_a3(self) -> float:
        return self.modules.get("A1-A3", 0.0)

    @property
    def a4(self) -> float:
        return self.modules.get("A4", 0.0)

    @property
    def total_kgco2e(self) -> float:
        """A1-A3 + A4: the GB/T 51366 material production and transport of the element."""
        return self.a1_a3 + self.a4


def by_element(match: MatchResult, life: LifecycleResult) -> dict[str, ElementCarbon]:
    """Every element that carries a part of a material line, by GlobalId."""
    rows_of: dict[str, list[TakeoffRow]] = defaultdict(list)
    for row in match.takeoff.rows:
        rows_of[row.global_id].append(row)
    modules: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    factors: dict[str, set[str]] = defaultdict(set)
    methods: dict[str, set[str]] = defaultdict(set)
    classes: dict[str, str] = {}
    per_material: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in life.lines:
        if line.material_index is not None and line.kgco2e is not None and not line.separate:
            per_material[line.material_index][line.module.value] += line.kgco2e
    for index, amounts in per_material.items():
        material = match.materials[index]
        shares = element_shares(material, rows_of)
        for global_id, share in shares.items():
            classes.setdefault(global_id, next(r.ifc_class for r in rows_of[global_id]))
            for module, kgco2e in amounts.items():
                modules[global_id][module] += kgco2e * share
            if material.factor_id:
                factors[global_id].add(material.factor_id)
            methods[global_id].add(str(material.method))
    return {
        gid: ElementCarbon(
            gid, classes[gid], dict(mods), tuple(sorted(factors[gid])), tuple(sorted(methods[gid]))
        )
        for gid, mods in sorted(modules.items())
    }


def element_parts(match: MatchResult, global_id: str) -> dict[int, float]:
    """The share of each material (by its index in the match) that falls to the element `global_id`:
    what its part of each material line is (the same allocation as `by_element`)."""
    rows_of: dict[str, list[TakeoffRow]] = defaultdict(list)
    for row in match.takeoff.rows:
        rows_of[row.global_id].append(row)
    if global_id not in rows_of:
        return {}
    parts: dict[int, float] = {}
    for index, material in enumerate(match.materials):
        if global_id in material.element_ids:
            share = element_shares(material, rows_of).get(global_id)
            if share:
                parts[index] = share
    return parts


def element_shares(material: MaterialMatch, rows_of: Mapping[str, list[TakeoffRow]]) -> dict[str, float]:
    """Each element's share of `material` (summing to 1 over its elements)."""
    elements = [gid for gid in material.element_ids if gid in rows_of]
    if not elements:
        return {}
    by_class: dict[str, list[str]] = defaultdict(list)
    for gid in elements:
        by_class[rows_of[gid][0].ifc_class].append(gid)
    class_shares = dict(material.class_shares) or {c: len(ids) / len(elements) for c, ids in by_class.items()}
    known = {c: s for c, s in class_shares.items() if c in by_class and s > 0}
    whole = sum(known.values())
    if not whole:  # the class shares name no class of these elements: by element weight alone
        known, whole = {c: float(len(ids)) for c, ids in by_class.items()}, float(len(elements))
    per_m2 = material.declared_unit == "m2"
    shares: dict[str, float] = {}
    for ifc_class, class_share in known.items():
        ids = by_class[ifc_class]
        weights = {gid: _weight(_own_rows(material, rows_of[gid]), per_m2) for gid in ids}
        total = sum(weights.values())
        for gid in ids:
            part = weights[gid] / total if total else 1.0 / len(ids)
            shares[gid] = shares.get(gid, 0.0) + class_share / whole * part
    return shares


def _own_rows(material: MaterialMatch, rows: list[TakeoffRow]) -> Iterable[TakeoffRow]:
    """The element's rows of this material; all its rows for a material the tool added (the rebar
    estimate, carried by the concrete of the element)."""
    own = [r for r in rows if (r.material or "(no material)") == material.material]
    return own or rows


def _weight(rows: Iterable[TakeoffRow], per_m2: bool) -> float:
    if per_m2:
        return sum(r.area_m2 or 0.0 for r in rows)
    return sum(r.volume_m3 or 0.0 for r in rows)
