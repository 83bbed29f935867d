"""The building's floor area from its take-off, when the project file does not give it.

GB/T 51366 divides by the building's floor area (建筑面积), which a model does not state. The best
the model offers is the area of its floor slabs (predefined type FLOOR or BASESLAB): each from its base
quantity, else from its geometry's top view. Roof slabs and landings are left out. The result always
says how it was found; the project file's ``gross_floor_area_m2`` should replace it.
"""

from __future__ import annotations

from embodied.records import TakeoffResult

FLOOR_TYPES = ("FLOOR", "BASESLAB")


def floor_area(result: TakeoffResult) -> tuple[float | None, str]:
    """(area m², how it was found); (None, why not) when no floor slab has an area."""
    seen: dict[str, tuple[float | None, str | None]] = {}
    for row in result.rows:
        if row.ifc_class.startswith("IfcSlab") and row.predefined_type in FLOOR_TYPES:
            seen.setdefault(row.global_id, (row.area_m2, row.area_source))
    with_area = [(a, s) for a, s in seen.values() if a]
    if not with_area:
        return None, "no FLOOR/BASESLAB slab with an area in the model: set building.gross_floor_area_m2"
    total = sum(a for a, _ in with_area if a)
    from_base = sum(1 for _, s in with_area if s and s.startswith("base:"))
    missing = len(seen) - len(with_area)
    how = (
        f"sum of {len(with_area)} floor slabs (IfcSlab FLOOR/BASESLAB): {from_base} by base quantity, "
        f"{len(with_area) - from_base} by geometry footprint"
        + (f"; {missing} floor slabs without an area left out" if missing else "")
        + "; an approximation of 建筑面积: set building.gross_floor_area_m2 to replace it"
    )
    return total, how
