"""The checks of the whole building: A1-A3 per m² of floor area against the range of the building
type (intensity_range), and the floor area used against the floor slabs and footprint of the model
(floor_area_consistency). The project file confirms these (``[plausibility] confirm``).
"""

from __future__ import annotations

from embodied.lifecycle.results import num
from embodied.plausibility.context import Context
from embodied.plausibility.findings import Finding, Severity


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
