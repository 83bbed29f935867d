"""The checks of material_db/checks.yaml, one function each, over the records of one calculation:
`CHECKS` maps each check id to its function, in the order they run. Every check reads the take-off
rows, the matched materials and the life-cycle lines (`Context`); none changes a number. The
functions live by family: ``material_checks``, ``element_checks``, ``building_checks``.
"""

from __future__ import annotations

from collections.abc import Callable

from embodied.plausibility.building_checks import floor_area_consistency, intensity_range
from embodied.plausibility.context import Context
from embodied.plausibility.element_checks import element_thickness, element_volume_outlier
from embodied.plausibility.findings import Finding
from embodied.plausibility.material_checks import density_range, dominant_material, material_thickness

CHECKS: dict[str, Callable[[Context], list[Finding]]] = {
    "material_thickness": material_thickness,
    "density_range": density_range,
    "element_volume_outlier": element_volume_outlier,
    "element_thickness": element_thickness,
    "intensity_range": intensity_range,
    "floor_area_consistency": floor_area_consistency,
    "dominant_material": dominant_material,
}
