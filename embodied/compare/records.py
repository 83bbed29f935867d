"""The records of `embodied compare`: the variants compared and the causes of each step's difference."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Cause(StrEnum):
    """Why a part of the difference between two consecutive variants arose (see embodied.compare.causes)."""

    ADDED = "element added"
    REMOVED = "element removed"
    QUANTITY = "quantity changed"
    MATERIAL = "material changed"
    FACTOR = "factor changed"
    SETTING = "setting changed"


@dataclass(frozen=True, slots=True)
class VariantSpec:
    """What to calculate for one variant: a model and, optionally, its own project file, mapping and
    database (None: the defaults of `embodied calculate`)."""

    label: str  # "A", "B", …
    model: Path
    config: Path | None = None
    mapping: Path | None = None
    database: Path | None = None


@dataclass(frozen=True, slots=True)
class VariantTotal:
    """One variant's result: its GB/T 51366 total and stage totals (kgCO2e)."""

    label: str
    model: str
    config: str | None
    mapping: str | None
    total_kgco2e: float
    stages: tuple[tuple[str, float | None], ...]  # None: not declared (never shown as 0)


@dataclass(frozen=True, slots=True)
class CauseLine:
    """One part of the difference from variant `before` to `after`: one cause, one EN 15978 module,
    one material (None for setting lines not tied to a material) and one element (None likewise)."""

    before: str  # label of the earlier variant
    after: str
    cause: Cause
    stage: str  # the GB/T 51366 stage of the module
    module: str
    material: str | None
    global_id: str | None  # the element's GlobalId in `after` (in `before` when removed)
    ifc_class: str | None
    kgco2e: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """The difference between two consecutive variants and its causes; sum(causes) == difference."""

    before: str
    after: str
    difference_kgco2e: float
    causes: tuple[CauseLine, ...]
    paired_by_shape: int = 0  # elements paired by class + type + storey + volume, not by GlobalId

    def by_cause(self) -> dict[tuple[str, str], float]:
        """(cause, stage) -> kgCO2e, in order of first appearance."""
        sums: dict[tuple[str, str], float] = {}
        for line in self.causes:
            key = (line.cause.value, line.stage)
            sums[key] = sums.get(key, 0.0) + line.kgco2e
        return sums


@dataclass(frozen=True, slots=True)
class Comparison:
    """Every variant's total and every consecutive step explained."""

    variants: tuple[VariantTotal, ...]
    steps: tuple[Step, ...]
