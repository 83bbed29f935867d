"""The building's floor area from its take-off, when the project file does not give it.

GB/T 51366 divides by the building's floor area (建筑面积), a gross area, which a model does not state.
The project file's ``building.gross_floor_area_m2`` always comes first (the life-cycle stage uses it
without asking this module). From the model, in order:

1. the IfcSpace areas (`TakeoffResult.spaces`, see ``takeoff.spaces``): gross floor areas where the
   spaces carry them, else net ones (an under-estimate, and said so), else their outlines; spaces
   are mostly rooms, so even their gross areas leave out the walls (said too). Spaces that would be
   counted twice are left out, and said so. Unless the spaces hold less than
   `SPACE_SHARE_MIN` of the floor slabs' area: then they do not cover the building (a model with one
   room drawn), and
2. the floor slabs (predefined type FLOOR or BASESLAB): each from its base quantity, else from its
   geometry's top view. Roof slabs and landings are left out;
3. else the footprint (the largest storey's slabs and roofs of any type) × the storeys holding
   elements.

The result always says how it was found, and that the project file's value should replace it.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from embodied.records import SpaceArea, TakeoffResult

FLOOR_TYPES = ("FLOOR", "BASESLAB")
# Spaces summing to less than this share of the floor slabs' area do not cover the building: net room
# areas are 75-90 % of the gross area they stand on; one room drawn in a building is far less.
SPACE_SHARE_MIN = 0.5
REPLACE = "an approximation of 建筑面积: set building.gross_floor_area_m2 to replace it"
ROOMS = "spaces are mostly rooms, which leave out the walls' footprint that 建筑面积 includes"


def floor_area(result: TakeoffResult) -> tuple[float | None, str]:
    """(area m², how it was found); (None, why not) when the model gives none (see the module)."""
    slabs = _floor_slabs(result)
    spaces = _spaces(result.spaces)
    if spaces is not None and (slabs is None or spaces[0] >= SPACE_SHARE_MIN * slabs[0]):
        return spaces[0], f"{spaces[1]}; {ROOMS}; {REPLACE}"
    unused = ""
    if spaces is not None and slabs is not None:
        unused = (
            f"; the IfcSpace areas ({spaces[0]:,.1f} m²) were not used: under {SPACE_SHARE_MIN:.0%} of the "
            "floor slabs', the spaces do not cover the building"
        )
    elif result.spaces:
        unused = (
            f"; the model's {len(result.spaces)} IfcSpace give no area to use ({_left_out(result.spaces)})"
        )
    if slabs is not None:
        return slabs[0], f"{slabs[1]}{unused}; {REPLACE}"
    footprint = _footprint_times_storeys(result)
    if footprint is not None:
        return footprint[0], f"{footprint[1]}{unused}; {REPLACE}"
    return None, "no IfcSpace area, no FLOOR/BASESLAB slab and no slab or roof area in the model"


def _spaces(spaces: tuple[SpaceArea, ...]) -> tuple[float, str] | None:
    """(m², how) from the spaces counted; None when none has an area."""
    counted = [s for s in spaces if s.left_out is None]
    with_area = [s for s in counted if s.area_m2]
    if not with_area:
        return None
    total = sum(s.area_m2 or 0.0 for s in with_area)
    sources = Counter(s.source for s in with_area)
    listed = ", ".join(f"{source} {n}" for source, n in sources.most_common())
    how = f"sum of {len(with_area)} IfcSpace areas ({listed})"
    net = [s for s in with_area if s.gross is not True]
    if len(net) == len(with_area):
        how += ": net areas (rooms, outlines), an under-estimate of the gross floor area"
    elif net:
        how += f": {len(net)} of them net areas (rooms, outlines), an under-estimate of the gross floor area"
    missing = len(counted) - len(with_area)
    if missing:
        how += f"; {missing} spaces without an area left out (an under-estimate)"
    if any(s.left_out is not None for s in spaces):
        how += f"; spaces not added, so as not to count twice: {_left_out(spaces)}"
    return total, how


def _left_out(spaces: tuple[SpaceArea, ...]) -> str:
    """How many spaces were left out for each reason ("2 external space, 1 on the site"), or the count
    of those without an area."""
    reasons = Counter((s.left_out or "").split(":")[0] for s in spaces if s.left_out is not None)
    without = sum(1 for s in spaces if s.left_out is None and not s.area_m2)
    listed = [f"{n} {reason}" for reason, n in sorted(reasons.items())]
    return ", ".join(listed + ([f"{without} without an area"] if without else []))


def _floor_slabs(result: TakeoffResult) -> tuple[float, str] | None:
    """(m², how) from the FLOOR/BASESLAB slabs; None when none has an area."""
    seen: dict[str, tuple[float | None, str | None]] = {}
    for row in result.rows:
        if row.ifc_class.startswith("IfcSlab") and row.predefined_type in FLOOR_TYPES:
            seen.setdefault(row.global_id, (row.area_m2, row.area_source))
    with_area = [(a, s) for a, s in seen.values() if a]
    if not with_area:
        return None
    total = sum(a for a, _ in with_area if a)
    from_base = sum(1 for _, s in with_area if s and s.startswith("base:"))
    missing = len(seen) - len(with_area)
    how = (
        f"sum of {len(with_area)} floor slabs (IfcSlab FLOOR/BASESLAB): {from_base} by base quantity, "
        f"{len(with_area) - from_base} by geometry footprint"
        + (f"; {missing} floor slabs without an area left out" if missing else "")
    )
    return total, how


def _footprint_times_storeys(result: TakeoffResult) -> tuple[float, str] | None:
    """(m², how): the largest storey's area of slabs (any type) and roofs × the storeys holding elements."""
    by_storey: dict[str | None, dict[str, float]] = defaultdict(dict)
    storeys: set[str] = set()
    for row in result.rows:
        if row.storey is not None:
            storeys.add(row.storey)
        if row.area_m2 and (row.ifc_class.startswith(("IfcSlab", "IfcRoof"))):
            by_storey[row.storey].setdefault(row.global_id, row.area_m2)
    if not by_storey:
        return None
    storey, areas = max(by_storey.items(), key=lambda item: sum(item[1].values()))
    footprint, count = sum(areas.values()), max(len(storeys), 1)
    where = f"storey {storey!r}" if storey is not None else "no storey"
    how = (
        f"the footprint {footprint:,.1f} m² (the largest storey's {len(areas)} slabs and roofs of any type, "
        f"{where}) × {count} storeys holding elements: a rough estimate, no floor slab or space gives an area"
    )
    return footprint * count, how
