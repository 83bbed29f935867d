"""The checks of material_db/checks.yaml, one function each, over the records of one calculation.

Every check reads the take-off rows, the matched materials and the life-cycle lines; none changes a
number. The kgCO2e a finding puts in question is the A1-A3 + A4 of the material rows concerned,
shared among a material's take-off rows by volume (equally when the material has no volume).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from embodied.factors import FactorDB
from embodied.lifecycle import LifecycleResult
from embodied.lifecycle.results import num
from embodied.plausibility.data import Rules
from embodied.plausibility.findings import Finding, Severity
from embodied.records import MatchResult, Module, SplitMethod, TakeoffRow, VolumeOrigin

FLOOR_TYPES = ("FLOOR", "BASESLAB")
MASS_UNITS = ("t", "kg", "m3")  # factors whose quantity grows with thickness (per m² ones do not)
SHOWN = 5  # elements named in a message before "…"
MAP_HINT = (
    "map the material to what it really is (factor_id in the mapping file), give the share that really "
    "is this material (fill_fraction), or confirm it (confirm = {check}, with a note)"
)


@dataclass
class Context:
    """The records of one calculation, indexed once for all checks."""

    match: MatchResult
    life: LifecycleResult
    db: FactorDB
    rules: Rules
    building_type: str
    categories: list[str | None] = field(default_factory=list)  # per material index
    kgco2e: list[float] = field(default_factory=list)  # A1-A3 + A4 per material index
    rows_of: dict[int, list[TakeoffRow]] = field(default_factory=dict)  # material index -> rows
    slabs_by_storey: dict[str | None, float] = field(default_factory=dict)  # floor-slab area per storey
    floor_slabs: int = 0

    @property
    def footprint_m2(self) -> float | None:
        """The largest storey's floor-slab area (FLOOR/BASESLAB): the model's footprint, if it has one."""
        return max(self.slabs_by_storey.values()) if self.slabs_by_storey else None

    def __post_init__(self) -> None:
        materials = self.match.materials
        self.categories = [
            self.db.factors[m.factor_id].category if m.factor_id and m.factor_id in self.db.factors else None
            for m in materials
        ]
        self.kgco2e = [0.0] * len(materials)
        for line in self.life.lines:
            if line.material_index is None or line.kgco2e is None or line.separate:
                continue
            if line.module in (Module.A1_A3, Module.A4):
                self.kgco2e[line.material_index] += line.kgco2e
        index = {(m.material, cls): i for i, m in enumerate(materials) for cls in m.ifc_classes}
        rows_of: dict[int, list[TakeoffRow]] = defaultdict(list)
        for row in self.match.takeoff.rows:
            if row.volume_origin is VolumeOrigin.PARTS or row.material is None:
                continue
            found = index.get((row.material, row.ifc_class))
            if found is not None:
                rows_of[found].append(row)
        self.rows_of = dict(rows_of)
        slabs: dict[str, tuple[str | None, float]] = {}
        for row in self.match.takeoff.rows:
            if row.ifc_class.startswith("IfcSlab") and row.predefined_type in FLOOR_TYPES and row.area_m2:
                slabs.setdefault(row.global_id, (row.storey, row.area_m2))
        by_storey: dict[str | None, float] = defaultdict(float)
        for storey, area in slabs.values():
            by_storey[storey] += area
        self.slabs_by_storey, self.floor_slabs = dict(by_storey), len(slabs)

    def row_kgco2e(self, index: int, rows: Iterable[TakeoffRow]) -> float:
        """The share of material `index`'s A1-A3 + A4 carried by `rows` (by volume, else equally)."""
        own = self.rows_of.get(index, [])
        total = self.kgco2e[index]
        if not own or not total:
            return 0.0
        volume = sum(r.volume_m3 or 0.0 for r in own)
        chosen = list(rows)
        if volume > 0:
            return total * sum(r.volume_m3 or 0.0 for r in chosen) / volume
        return total * len(chosen) / len(own)


def _ids(rows: Iterable[TakeoffRow]) -> tuple[str, ...]:
    return tuple(sorted({r.global_id for r in rows}))


def _few(ids: Sequence[str]) -> str:
    return ", ".join(ids[:SHOWN]) + (f" … ({len(ids)} in all)" if len(ids) > SHOWN else "")


def _is(ifc_class: str, classes: Iterable[str]) -> bool:
    """`ifc_class` is one of `classes` or a subtype named after it (IfcWallStandardCase is an IfcWall)."""
    return any(ifc_class.startswith(c) for c in classes)


def _severity(value: float, warning: float, implausible: float) -> Severity | None:
    if value > implausible:
        return Severity.IMPLAUSIBLE
    return Severity.WARNING if value > warning else None


def material_thickness(ctx: Context) -> list[Finding]:
    """Metal or glass matched per t or m³ whose thickness in a wall, slab, roof or window is a block's."""
    found = []
    for index, m in enumerate(ctx.match.materials):
        category = ctx.categories[index]
        kind = ctx.rules.thickness_for(category) if category else None
        if kind is None or m.declared_unit not in MASS_UNITS:
            continue
        name, band = kind
        fill = m.fill_fraction if m.fill_fraction is not None else 1.0
        groups: dict[Severity, list[tuple[TakeoffRow, float | None, str]]] = defaultdict(list)
        for row in ctx.rows_of.get(index, []):
            if not _is(row.ifc_class, band.classes):
                continue
            thickness, how = _thickness(row, fill, ctx.footprint_m2)
            if thickness is None:
                if row.split_method in (None, SplitMethod.WHOLE) and row.volume_m3:
                    groups[Severity.WARNING].append((row, None, "fills the whole element; thickness unknown"))
                continue
            severity = _severity(thickness, band.warning_above_m, band.implausible_above_m)
            if severity is not None:
                groups[severity].append((row, thickness, how))
        for severity, hits in groups.items():
            rows = [row for row, _, _ in hits]
            thick = [(t, how) for _, t, how in hits if t is not None]
            biggest = max(thick, key=lambda item: item[0]) if thick else None
            what = (
                f"{num(round(biggest[0], 4))} m thick ({biggest[1]})"
                if biggest
                else "filling the whole element, of unknown thickness"
            )
            limit = band.implausible_above_m if severity is Severity.IMPLAUSIBLE else band.warning_above_m
            classes = ", ".join(sorted({r.ifc_class for r in rows}))
            kg = ctx.row_kgco2e(index, rows)
            found.append(
                Finding(
                    check="material_thickness",
                    severity=severity,
                    message=(
                        f"{m.material!r} ({name}, factor {m.factor_id} per {m.declared_unit}) is counted as "
                        f"solid {name} in {len(_ids(rows))} element(s) ({classes}), up to {what}: more than "
                        f"{num(limit)} m of {name} in such an element is not a real product "
                        f"({_kg(kg)} rest on it)"
                    ),
                    material=m.material,
                    global_ids=_ids(rows),
                    kgco2e_affected=kg,
                    hint=MAP_HINT.format(check="material_thickness"),
                )
            )
    return found


def _thickness(row: TakeoffRow, fill: float, footprint: float | None) -> tuple[float | None, str]:
    """The part's thickness: a layer's (× fill), else its volume / the element's area; an element of
    one material without an area is at least its volume / twice the model's footprint (no wall, slab
    or roof element is larger than that, overhangs included)."""
    fill_text = f" × fill fraction {num(fill)}" if fill != 1.0 else ""
    volume_text = f"volume {num(round(row.volume_m3 or 0.0, 4))} m³{fill_text}"
    if row.split_method is SplitMethod.LAYER_THICKNESS and row.layer_thickness_m:
        return row.layer_thickness_m * fill, f"layer {num(round(row.layer_thickness_m, 4))} m{fill_text}"
    if row.volume_m3 and row.area_m2:
        return row.volume_m3 * fill / row.area_m2, f"{volume_text} / area {num(round(row.area_m2, 4))} m²"
    if row.volume_m3 and footprint and row.split_method in (None, SplitMethod.WHOLE):
        how = f"at least: {volume_text} / (2 × the model's footprint {num(round(footprint, 2))} m²)"
        return row.volume_m3 * fill / (2.0 * footprint), how
    return None, ""


def density_range(ctx: Context) -> list[Finding]:
    """A density (from the model or the database) outside the range of the material's kind."""
    found = []
    factor = ctx.rules.density_implausible_factor
    for index, m in enumerate(ctx.match.materials):
        category = ctx.categories[index]
        known = ctx.rules.density_for(category) if category else None
        if known is None or not m.factor_id:
            continue
        kind, band = known
        seen: dict[float, list[TakeoffRow]] = defaultdict(list)
        for row in ctx.rows_of.get(index, []):
            if row.density_kg_m3 is not None and row.mass_kg is not None:
                seen[row.density_kg_m3].append(row)
        database = ctx.db.density_for(ctx.db.factors[m.factor_id])
        if not seen and database is not None and ctx.rows_of.get(index):
            seen[database[0]] = list(ctx.rows_of[index])
        for density, rows in sorted(seen.items()):
            if band.low_kg_m3 <= density <= band.high_kg_m3:
                continue
            far = density > band.high_kg_m3 * factor or density < band.low_kg_m3 / factor
            origin = "the model" if rows[0].density_kg_m3 == density and rows[0].mass_kg else "the database"
            kg = ctx.row_kgco2e(index, rows)
            found.append(
                Finding(
                    check="density_range",
                    severity=Severity.IMPLAUSIBLE if far else Severity.WARNING,
                    message=(
                        f"{m.material!r}: density {num(density)} kg/m³ (from {origin}) is outside the range "
                        f"of {kind}, {num(band.low_kg_m3)}–{num(band.high_kg_m3)} kg/m³ ({band.reasoning}); "
                        f"{_kg(kg)} rest on its mass"
                    ),
                    material=m.material,
                    global_ids=_ids(rows),
                    kgco2e_affected=kg,
                    hint="correct the density in the model (Pset_MaterialCommon.MassDensity, in kg/m³), "
                    "map the material to what it really is, or confirm it (confirm = density_range)",
                )
            )
    return found


def _elements(ctx: Context) -> dict[str, list[tuple[int | None, TakeoffRow]]]:
    """Every element with a volume: its rows, each with its material index (None: unmatched)."""
    index_of = {id(row): i for i, rows in ctx.rows_of.items() for row in rows}
    by_element: dict[str, list[tuple[int | None, TakeoffRow]]] = defaultdict(list)
    for row in ctx.match.takeoff.rows:
        if row.volume_origin in (VolumeOrigin.PARTS, VolumeOrigin.NONE) or not row.volume_m3:
            continue
        by_element[row.global_id].append((index_of.get(id(row)), row))
    return by_element


def _element_kg(ctx: Context, parts: Sequence[tuple[int | None, TakeoffRow]]) -> float:
    return sum(ctx.row_kgco2e(i, [row]) for i, row in parts if i is not None)


def element_volume_outlier(ctx: Context) -> list[Finding]:
    """Elements far larger than the median of their class in the same model."""
    rules = ctx.rules
    by_class: dict[str, dict[str, float]] = defaultdict(dict)
    elements = _elements(ctx)
    for gid, parts in elements.items():
        by_class[parts[0][1].ifc_class][gid] = sum(row.volume_m3 or 0.0 for _, row in parts)
    found = []
    for ifc_class, volumes in sorted(by_class.items()):
        if len(volumes) < rules.outlier_min_elements:
            continue
        median = statistics.median(volumes.values())
        if median <= 0:
            continue
        groups: dict[Severity, list[str]] = defaultdict(list)
        for gid, volume in volumes.items():
            if volume < rules.outlier_min_volume_m3:
                continue
            if volume / median > rules.outlier_warning_ratio:
                groups[Severity.WARNING].append(gid)
        for severity, gids in groups.items():
            gids.sort(key=lambda g: -volumes[g])
            largest = volumes[gids[0]]
            kg = sum(_element_kg(ctx, elements[g]) for g in gids)
            limit = rules.outlier_warning_ratio
            found.append(
                Finding(
                    check="element_volume_outlier",
                    severity=severity,
                    message=(
                        f"{len(gids)} {ifc_class} element(s) over {num(limit)} × the median volume of the "
                        f"model's {len(volumes)} {ifc_class} ({num(round(median, 4))} m³): the largest "
                        f"{num(round(largest, 3))} m³ ({_few(gids)}); {_kg(kg)} rest on them"
                    ),
                    material=None,
                    global_ids=tuple(gids),
                    kgco2e_affected=kg,
                    hint="check the element in the model (a site or massing body, a unit error, a quantity "
                    "of the whole building), or confirm its materials (confirm = element_volume_outlier)",
                )
            )
    return found


def element_thickness(ctx: Context) -> list[Finding]:
    """Slabs, walls and roofs whose volume / area is thicker than any real one."""
    found = []
    groups: dict[tuple[str, Severity], list[tuple[str, float, str]]] = defaultdict(list)
    elements = _elements(ctx)
    for gid, parts in elements.items():
        first = parts[0][1]
        band = next((b for c, b in ctx.rules.element_thickness.items() if _is(first.ifc_class, (c,))), None)
        if band is None or not first.area_m2:
            continue
        volume = sum(row.volume_m3 or 0.0 for _, row in parts)
        thickness = volume / first.area_m2
        severity = _severity(thickness, band.warning_above_m, band.implausible_above_m)
        if severity is not None:
            area_text = f"{num(round(first.area_m2, 4))} m² ({first.area_source or 'area'})"
            how = f"{num(round(volume, 3))} m³ / {area_text}"
            groups[(first.ifc_class, severity)].append((gid, thickness, how))
    for (ifc_class, severity), hits in sorted(groups.items()):
        hits.sort(key=lambda h: -h[1])
        gids = tuple(h[0] for h in hits)
        kg = sum(_element_kg(ctx, elements[g]) for g in gids)
        found.append(
            Finding(
                check="element_thickness",
                severity=severity,
                message=(
                    f"{len(gids)} {ifc_class} element(s) with a mean thickness of up to "
                    f"{num(round(hits[0][1], 3))} m ({hits[0][2]}; {_few(gids)}): the volume or the area is "
                    f"wrong; {_kg(kg)} rest on them"
                ),
                material=None,
                global_ids=gids,
                kgco2e_affected=kg,
                hint="check the element's volume and area in the model (units of its quantity set), or "
                "confirm its materials (confirm = element_thickness)",
            )
        )
    return found


def intensity_range(ctx: Context) -> list[Finding]:
    """A1-A3 per m² of floor area against the range of the building type."""
    life, rules = ctx.life, ctx.rules
    value = life.modules.get(rules.intensity_module)
    area = life.floor_area_m2
    if area is None:
        return [
            Finding(
                check="intensity_range",
                severity=Severity.WARNING,
                message=f"floor area unknown ({_why_unknown(life.floor_area_source)}): the intensity "
                "per m² is not computed and cannot be checked against the range of real buildings",
                material=None,
                global_ids=(),
                kgco2e_affected=None,
                hint="set building.gross_floor_area_m2 in the project file (embodied.toml)",
            )
        ]
    if value is None:
        return []
    band = rules.intensity.get(ctx.building_type) or next(iter(rules.intensity.values()))
    per_m2 = value / area
    if band.warning_low <= per_m2 <= band.warning_high:
        return []
    implausible = per_m2 < band.implausible_low or per_m2 > band.implausible_high
    high = per_m2 > band.warning_high
    limits = (
        f"{num(band.warning_low)}–{num(band.warning_high)} usual, outside "
        f"{num(band.implausible_low)}–{num(band.implausible_high)} implausible "
        f"for a {ctx.building_type} building"
    )
    shares = sorted(
        ((m.material, kg) for m, kg in zip(ctx.match.materials, ctx.kgco2e, strict=True) if kg),
        key=lambda item: -item[1],
    )
    whole = sum(kg for _, kg in shares)
    top = ", ".join(f"{name} {kg / whole:.0%}" for name, kg in shares[:3]) if whole else "none"
    coverage = ctx.match.coverage
    if high:
        why = f"a quantity or factor is probably wrong, or the floor area too small; largest: {top}"
    else:
        share = coverage.share
        matched = f"{share:.0%}" if share is not None else "not established"
        why = f"materials are probably missing (matched mass share {matched}), or the floor area is too large"
    return [
        Finding(
            check="intensity_range",
            severity=Severity.IMPLAUSIBLE if implausible else Severity.WARNING,
            message=(
                f"{rules.intensity_module} is {num(round(per_m2, 1))} kgCO2e/m² "
                f"({num(round(value, 1))} kgCO2e / {num(round(area, 2))} m², floor area: "
                f"{life.floor_area_source}); {limits}: {why}"
            ),
            material=None,
            global_ids=(),
            kgco2e_affected=value,
            hint="resolve the material findings and unmatched materials, check the floor area "
            "(building.gross_floor_area_m2), or confirm it in the project file ([plausibility] confirm)",
        )
    ]


def _why_unknown(source: str) -> str:
    """The reason in a floor-area source ("not known: <why>; set …"), without the key to set."""
    why = source.removeprefix("not known: ")
    return why.split(": set ")[0].split("; set ")[0]


def floor_area_consistency(ctx: Context) -> list[Finding]:
    """The floor area used against the floor slabs and the footprint × storeys of the model."""
    area = ctx.life.floor_area_m2
    if not area:
        return []
    evidence = []
    given = ctx.life.floor_area_source.startswith(("project file", "project settings"))
    slab_total = sum(ctx.slabs_by_storey.values())
    if given and slab_total:
        evidence.append((slab_total, f"the sum of {ctx.floor_slabs} floor slabs (IfcSlab FLOOR/BASESLAB)"))
    footprint, storeys = ctx.footprint_m2, len(ctx.slabs_by_storey)
    if footprint:
        what = f"the footprint {num(round(footprint, 2))} m² × {storeys} storeys with floor slabs"
        evidence.append((footprint * storeys, what))
    limit = ctx.rules.floor_area_max_difference
    found = []
    for value, what in evidence:
        difference = abs(area - value) / max(area, value)
        if difference > limit:
            found.append(
                Finding(
                    check="floor_area_consistency",
                    severity=Severity.WARNING,
                    message=(
                        f"the floor area {num(round(area, 2))} m² ({ctx.life.floor_area_source}) differs by "
                        f"{difference:.0%} from {what}, {num(round(value, 2))} m² (more than {limit:.0%}): "
                        "every intensity divides by it"
                    ),
                    material=None,
                    global_ids=(),
                    kgco2e_affected=None,
                    hint="set building.gross_floor_area_m2 from the design documents, or confirm it in the "
                    'project file ([plausibility] confirm = ["floor_area_consistency"])',
                )
            )
    return found


def dominant_material(ctx: Context) -> list[Finding]:
    """One model material carrying more than its allowed share of the materials' A1-A3 + A4."""
    whole = sum(ctx.kgco2e)
    if whole <= 0:
        return []
    by_name: dict[str, float] = defaultdict(float)
    category: dict[str, str | None] = {}
    ids: dict[str, set[str]] = defaultdict(set)
    for index, m in enumerate(ctx.match.materials):
        by_name[m.material] += ctx.kgco2e[index]
        category.setdefault(m.material, ctx.categories[index])
        ids[m.material].update(m.element_ids)
    found = []
    for name, kg in sorted(by_name.items(), key=lambda item: -item[1]):
        limit = ctx.rules.dominant_share_for(category[name])
        if kg / whole > limit:
            found.append(
                Finding(
                    check="dominant_material",
                    severity=Severity.WARNING,
                    message=(
                        f"{name!r} carries {kg / whole:.0%} of the materials' A1-A3 + A4 ({_kg(kg)} of "
                        f"{_kg(whole)}), more than {limit:.0%}: the result rests on its quantity and factor"
                    ),
                    material=name,
                    global_ids=tuple(sorted(ids[name])),
                    kgco2e_affected=kg,
                    hint="check its quantity and factor, or confirm it (confirm = dominant_material)",
                )
            )
    return found


def _kg(value: float) -> str:
    if value == 0:
        return "0 kgCO2e (no factor: none of it is counted yet)"
    return f"{value:,.0f} kgCO2e".replace(",", " ")


CHECKS: dict[str, Callable[[Context], list[Finding]]] = {
    "material_thickness": material_thickness,
    "density_range": density_range,
    "element_volume_outlier": element_volume_outlier,
    "element_thickness": element_thickness,
    "intensity_range": intensity_range,
    "floor_area_consistency": floor_area_consistency,
    "dominant_material": dominant_material,
}
