"""What every plausibility check reads: `Context`, the records of one calculation indexed once (the
material categories, each material's A1-A3 + A4, its take-off rows, the floor slabs per storey), and
the small helpers the checks share to name elements, grade a value and write kgCO2e in a message.
The kgCO2e a finding puts in question is the A1-A3 + A4 of the material rows concerned, shared among
a material's take-off rows by volume (equally when the material has no volume).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from embodied.factors import FactorDB
from embodied.lifecycle import LifecycleResult
from embodied.plausibility.data import Rules
from embodied.plausibility.findings import Severity
from embodied.records import MatchResult, Module, TakeoffRow, VolumeOrigin

FLOOR_TYPES = ("FLOOR", "BASESLAB")
SHOWN = 5  # elements named in a message before "…"


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


def ids_of(rows: Iterable[TakeoffRow]) -> tuple[str, ...]:
    return tuple(sorted({r.global_id for r in rows}))


def few(ids: Sequence[str]) -> str:
    return ", ".join(ids[:SHOWN]) + (f" … ({len(ids)} in all)" if len(ids) > SHOWN else "")


def is_a(ifc_class: str, classes: Iterable[str]) -> bool:
    """`ifc_class` is one of `classes` or a subtype named after it (IfcWallStandardCase is an IfcWall)."""
    return any(ifc_class.startswith(c) for c in classes)


def severity_of(value: float, warning: float, implausible: float) -> Severity | None:
    if value > implausible:
        return Severity.IMPLAUSIBLE
    return Severity.WARNING if value > warning else None


def kg_text(value: float) -> str:
    if value == 0:
        return "0 kgCO2e (no factor: none of it is counted yet)"
    return f"{value:,.0f} kgCO2e".replace(",", " ")
