"""The checks of single elements against the model and against real ones: far larger than the
median of their class (element_volume_outlier), or thicker (volume / area) than any real slab, wall
or roof (element_thickness).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence

from embodied.lifecycle.results import num
from embodied.plausibility.context import Context, few, is_a, kg_text, severity_of
from embodied.plausibility.findings import Finding, Severity
from embodied.records import TakeoffRow, VolumeOrigin


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
                        f"{num(round(largest, 3))} m³ ({few(gids)}); {kg_text(kg)} rest on them"
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
        band = next((b for c, b in ctx.rules.element_thickness.items() if is_a(first.ifc_class, (c,))), None)
        if band is None or not first.area_m2:
            continue
        volume = sum(row.volume_m3 or 0.0 for _, row in parts)
        thickness = volume / first.area_m2
        severity = severity_of(thickness, band.warning_above_m, band.implausible_above_m)
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
                    f"{num(round(hits[0][1], 3))} m ({hits[0][2]}; {few(gids)}): the volume or the area is "
                    f"wrong; {kg_text(kg)} rest on them"
                ),
                material=None,
                global_ids=gids,
                kgco2e_affected=kg,
                hint="check the element's volume and area in the model (units of its quantity set), or "
                "confirm its materials (confirm = element_thickness)",
            )
        )
    return found
