"""Which IfcElements the take-off counts.

Counted: every physical element: built elements (``IfcBuiltElement`` in IFC4X3,
``IfcBuildingElement`` before), members, plates, coverings, railings, windows, doors, element
components (reinforcing bars, fasteners, accessories), furnishing, distribution (MEP), transport and
civil elements, proxies.

Left out, with the reason written into the result: features (openings, projections, surface
features: they shape their host's geometry), virtual elements, and geographic elements (terrain,
trees: not building products). Spatial elements, annotations and grids are not IfcElements at all.

An element decomposed (IfcRelAggregates) into physical parts, such as an IfcElementAssembly, a roof
made of slabs, a stair of flights or a wall of IfcBuildingElementParts, is a container: its parts are
counted and it is listed once with quantity source ``parts``, so nothing is counted twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from embodied.records import Excluded
from embodied.takeoff.index import ModelIndex

EXCLUDED_CLASSES: dict[str, str] = {
    "IfcFeatureElement": "feature (opening, projection or surface feature): part of its host's geometry",
    "IfcVirtualElement": "virtual element: no physical existence",
    "IfcGeographicElement": "geographic element (terrain, vegetation): not a building product",
}


@dataclass(frozen=True, slots=True)
class Selection:
    # step ids of the elements whose own quantities are taken off: ids, not entities, so that the
    # entity objects are not all held through the take-off (each is fetched when its rows are made)
    counted: tuple[int, ...]
    containers: tuple[tuple[Any, tuple[Any, ...]], ...]  # (container, its physical parts)
    excluded: tuple[Excluded, ...]


class _Exclusions:
    """Why a class is left out (None: counted), decided once per class name."""

    def __init__(self) -> None:
        self._by_class: dict[str, str | None] = {}

    def __call__(self, element: Any) -> str | None:
        cls = element.is_a()
        if cls not in self._by_class:
            self._by_class[cls] = self._decide(element)
        return self._by_class[cls]

    @staticmethod
    def _decide(element: Any) -> str | None:
        for ifc_class, reason in EXCLUDED_CLASSES.items():
            try:
                if element.is_a(ifc_class):
                    return reason
            except RuntimeError:  # class absent from this schema
                continue
        return None


def physical_parts(
    element: Any, index: ModelIndex, exclusion: Callable[[Any], str | None]
) -> tuple[Any, ...]:
    """The element's aggregated parts that are physical elements themselves."""
    return tuple(p for p in index.parts(element.id()) if p.is_a("IfcElement") and exclusion(p) is None)


def select(file: Any, index: ModelIndex) -> Selection:
    counted: list[int] = []
    containers: list[tuple[Any, tuple[Any, ...]]] = []
    left_out: Counter[tuple[str, str]] = Counter()
    exclusion = _Exclusions()
    wholes = index.parts_of
    for element in file.by_type("IfcElement"):
        reason = exclusion(element)
        if reason is not None:
            left_out[(element.is_a(), reason)] += 1
            continue
        parts = physical_parts(element, index, exclusion) if element.id() in wholes else ()
        if parts:
            containers.append((element, parts))
        else:
            counted.append(element.id())
    excluded = tuple(
        Excluded(ifc_class=cls, count=n, reason=reason) for (cls, reason), n in sorted(left_out.items())
    )
    return Selection(counted=tuple(counted), containers=tuple(containers), excluded=excluded)
