"""The checks of the materials: a metal or glass counted as a solid block (material_thickness), a
density outside the range of the material's kind (density_range), and one material carrying more
than its allowed share of the materials' A1-A3 + A4 (dominant_material).
"""

from __future__ import annotations

from collections import defaultdict

from embodied.lifecycle.results import num
from embodied.plausibility.context import Context, ids_of, is_a, kg_text, severity_of
from embodied.plausibility.findings import Finding, Severity
from embodied.records import SplitMethod, TakeoffRow

MASS_UNITS = ("t", "kg", "m3")  # factors whose quantity grows with thickness (per m² ones do not)
MAP_HINT = (
    "map the material to what it really is (factor_id in the mapping file), give the share that really "
    "is this material (fill_fraction), or confirm it (confirm = {check}, with a note)"
)


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
            if not is_a(row.ifc_class, band.classes):
                continue
            thickness, how = _thickness(row, fill, ctx.footprint_m2)
            if thickness is None:
                if row.split_method in (None, SplitMethod.WHOLE) and row.volume_m3:
                    groups[Severity.WARNING].append((row, None, "fills the whole element; thickness unknown"))
                continue
            severity = severity_of(thickness, band.warning_above_m, band.implausible_above_m)
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
                        f"solid {name} in {len(ids_of(rows))} element(s) ({classes}), up to {what}: "
                        f"more than {num(limit)} m of {name} in such an element is not a real product "
                        f"({kg_text(kg)} rest on it)"
                    ),
                    material=m.material,
                    global_ids=ids_of(rows),
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
                        f"{kg_text(kg)} rest on its mass"
                    ),
                    material=m.material,
                    global_ids=ids_of(rows),
                    kgco2e_affected=kg,
                    hint="correct the density in the model (Pset_MaterialCommon.MassDensity, in kg/m³), "
                    "map the material to what it really is, or confirm it (confirm = density_range)",
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
                        f"{name!r} carries {kg / whole:.0%} of the materials' A1-A3 + A4 ({kg_text(kg)} of "
                        f"{kg_text(whole)}), more than {limit:.0%}: "
                        "the result rests on its quantity and factor"
                    ),
                    material=name,
                    global_ids=tuple(sorted(ids[name])),
                    kgco2e_affected=kg,
                    hint="check its quantity and factor, or confirm it (confirm = dominant_material)",
                )
            )
    return found
