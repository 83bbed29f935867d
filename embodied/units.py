"""Unit scales of a model, to convert its numbers to SI once, at the boundary.

Pure data: the reading stage fills a ``UnitScales`` from the model's ``IfcUnitAssignment``; every
later stage sees only SI (m, m², m³, kg, kg/m³).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class UnitScales:
    """Multiply a project value by the scale to get SI.

    ``assumed`` lists, in words, every scale that the model did not declare and that was therefore
    derived (area and volume from length) or taken as the IFC default (kilogram, kg/m³).
    """

    length_m: float
    area_m2: float
    volume_m3: float
    mass_kg: float
    mass_density_kg_m3: float
    length_name: str = "METRE"
    assumed: tuple[str, ...] = field(default=())


SI = UnitScales(length_m=1.0, area_m2=1.0, volume_m3=1.0, mass_kg=1.0, mass_density_kg_m3=1.0)
