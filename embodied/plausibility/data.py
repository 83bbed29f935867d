"""material_db/checks.yaml read into typed, frozen records, every problem reported at once.

    rules = load_rules(db.root)            # cached per folder; DatabaseError lists every problem
    rules.thickness.kinds["steel"]         # ThicknessKind(classes, warning_above_m, implausible_above_m)
    rules.density_for("insulation/polystyrene")   # the "insulation" range (longest category prefix)
    problems = check_rules()               # the same checks, nothing raised

Each check keeps its title, reasoning and source, which the report shows beside its findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from embodied.errors import DatabaseError
from embodied.factors.schema import (
    DEFAULT_ROOT,
    DataProblem,
    YamlDoc,
    by_category,
    read_package,
    read_yaml,
)

RESOURCE = "checks"
CHECK_IDS = (
    "material_thickness",
    "density_range",
    "element_volume_outlier",
    "element_thickness",
    "intensity_range",
    "floor_area_consistency",
    "dominant_material",
)
BUILDING_CHECKS = ("intensity_range", "floor_area_consistency")  # confirmed in the project file
COMMON_KEYS = ("title", "source", "source_ref", "verification", "reasoning")


@dataclass(frozen=True, slots=True)
class About:
    """What every check carries: its id, title (en, zh), source and reasoning."""

    check: str
    title_en: str
    title_zh: str
    source: str
    source_ref: str
    verification: str
    reasoning: str


@dataclass(frozen=True, slots=True)
class ThicknessKind:
    classes: tuple[str, ...]  # IFC classes checked (a class and its subtypes by name prefix)
    warning_above_m: float
    implausible_above_m: float
    reasoning: str


@dataclass(frozen=True, slots=True)
class Band:
    """Above `warning_above_m` a warning, above `implausible_above_m` implausible."""

    warning_above_m: float
    implausible_above_m: float


@dataclass(frozen=True, slots=True)
class DensityRange:
    low_kg_m3: float
    high_kg_m3: float
    reasoning: str


@dataclass(frozen=True, slots=True)
class IntensityRange:
    warning_low: float
    warning_high: float
    implausible_low: float
    implausible_high: float


@dataclass(frozen=True)
class Rules:
    file: str  # "material_db/checks.yaml", for messages
    about: Mapping[str, About]
    thickness_kinds: Mapping[str, ThicknessKind]  # category prefix -> thresholds
    densities: Mapping[str, DensityRange]  # category prefix -> range
    density_implausible_factor: float
    outlier_min_elements: int
    outlier_min_volume_m3: float
    outlier_warning_ratio: float
    element_thickness: Mapping[str, Band]  # IFC class (and its subtypes) -> thresholds
    intensity_module: str
    intensity: Mapping[str, IntensityRange]  # building type -> range
    floor_area_max_difference: float
    dominant_max_share: float
    dominant_by_category: Mapping[str, float]

    def density_for(self, category: str) -> tuple[str, DensityRange] | None:
        return by_category(self.densities, category)

    def thickness_for(self, category: str) -> tuple[str, ThicknessKind] | None:
        return by_category(self.thickness_kinds, category)

    def dominant_share_for(self, category: str | None) -> float:
        found = by_category(self.dominant_by_category, category) if category else None
        return found[1] if found is not None else self.dominant_max_share


@cache
def load_rules(root: Path = DEFAULT_ROOT) -> Rules:
    rules, problems = _read(root)
    if problems or rules is None:
        raise DatabaseError(problems, hint="each line names file:line; fix material_db/checks.yaml")
    return rules


def check_rules(root: Path = DEFAULT_ROOT) -> list[DataProblem]:
    return _read(root)[1]


def _read(root: Path) -> tuple[Rules | None, list[DataProblem]]:
    package, problems = read_package(root)
    if package is None:
        return None, problems
    resource = package.resource(RESOURCE)
    if resource is None:
        return None, [*problems, DataProblem(package.display("datapackage.yaml"), None, f"no {RESOURCE}")]
    display = package.display(resource.path)
    doc, found = read_yaml(root / resource.path, display)
    problems += found
    if doc is None:
        return None, problems
    reader = _Reader(doc, display)
    rules = reader.rules()
    return (rules if not reader.problems else None), problems + reader.problems


class _Reader:
    def __init__(self, doc: YamlDoc, display: str) -> None:
        self.doc, self.display = doc, display
        self.data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
        self.problems: list[DataProblem] = []

    def fail(self, path: tuple[str | int, ...], message: str) -> None:
        line = self.doc.line(*path) or (self.doc.line(path[0]) if path else None)
        self.problems.append(DataProblem(self.display, line, message))

    def section(self, check: str) -> dict[str, Any]:
        entry = self.data.get(check)
        if not isinstance(entry, dict):
            self.fail((check,), f"check {check} is missing or not a mapping")
            return {}
        missing = [k for k in COMMON_KEYS if k not in entry]
        if missing:
            self.fail((check,), f"check {check} lacks {', '.join(missing)}")
        return entry

    def number(self, path: tuple[str | int, ...], value: Any, *, positive: bool = True) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or (positive and value <= 0):
            self.fail(path, f"{'.'.join(map(str, path))} must be a {'positive ' if positive else ''}number")
            return 1.0
        return float(value)

    def about(self, check: str, entry: Mapping[str, Any]) -> About:
        given = entry.get("title")
        title: Mapping[str, Any] = given if isinstance(given, dict) else {}
        return About(
            check=check,
            title_en=str(title.get("en") or check),
            title_zh=str(title.get("zh") or title.get("en") or check),
            source=str(entry.get("source", "")),
            source_ref=str(entry.get("source_ref", "")),
            verification=str(entry.get("verification", "")),
            reasoning=" ".join(str(entry.get("reasoning", "")).split()),
        )

    def table(self, check: str, key: str, entry: Mapping[str, Any]) -> dict[str, Any]:
        value = entry.get(key)
        if not isinstance(value, dict) or not value:
            self.fail((check, key), f"{check}.{key} must be a non-empty mapping")
            return {}
        return value

    def rules(self) -> Rules:
        entries = {check: self.section(check) for check in CHECK_IDS}
        about = {check: self.about(check, entry) for check, entry in entries.items()}
        kinds: dict[str, ThicknessKind] = {}
        for name, kind in self.table("material_thickness", "kinds", entries["material_thickness"]).items():
            path: tuple[str | int, ...] = ("material_thickness", "kinds", name)
            if not isinstance(kind, dict) or not isinstance(kind.get("classes"), list):
                self.fail(path, f"material_thickness.kinds.{name} needs classes (a list)")
                continue
            warn = self.number((*path, "warning_above_m"), kind.get("warning_above_m"))
            bad = self.number((*path, "implausible_above_m"), kind.get("implausible_above_m"))
            if bad < warn:
                self.fail(path, f"material_thickness.kinds.{name}: implausible_above_m < warning_above_m")
            classes = tuple(str(c) for c in kind["classes"])
            kinds[name] = ThicknessKind(classes, warn, bad, " ".join(str(kind.get("reasoning", "")).split()))
        density = entries["density_range"]
        ranges: dict[str, DensityRange] = {}
        for name, r in self.table("density_range", "ranges", density).items():
            path = ("density_range", "ranges", name)
            if not isinstance(r, dict):
                self.fail(path, f"density_range.ranges.{name} must be a mapping")
                continue
            low = self.number((*path, "low_kg_m3"), r.get("low_kg_m3"))
            high = self.number((*path, "high_kg_m3"), r.get("high_kg_m3"))
            if high <= low:
                self.fail(path, f"density_range.ranges.{name}: high_kg_m3 must exceed low_kg_m3")
            ranges[name] = DensityRange(low, high, str(r.get("reasoning", "")))
        outlier = entries["element_volume_outlier"]
        bands: dict[str, Band] = {}
        for name, band in self.table("element_thickness", "classes", entries["element_thickness"]).items():
            path = ("element_thickness", "classes", name)
            warn = self.number((*path, "warning_above_m"), (band or {}).get("warning_above_m"))
            bad = self.number((*path, "implausible_above_m"), (band or {}).get("implausible_above_m"))
            if bad < warn:
                self.fail(path, f"element_thickness.classes.{name}: implausible_above_m < warning_above_m")
            bands[name] = Band(warn, bad)
        intensity = entries["intensity_range"]
        by_type: dict[str, IntensityRange] = {}
        for name, r in self.table("intensity_range", "by_building_type", intensity).items():
            path = ("intensity_range", "by_building_type", name)
            keys = ("warning_low", "warning_high", "implausible_low", "implausible_high")
            values = [self.number((*path, k), (r or {}).get(k)) for k in keys]
            if not values[2] <= values[0] < values[1] <= values[3]:
                order = "implausible_low ≤ warning_low < warning_high ≤ implausible_high"
                self.fail(path, f"intensity_range.{name}: needs {order}")
            by_type[name] = IntensityRange(*values)
        dominant = entries["dominant_material"]
        by_category = dominant.get("max_share_by_category") or {}
        shares = {
            str(k): self.number(("dominant_material", "max_share_by_category", str(k)), v)
            for k, v in (by_category.items() if isinstance(by_category, dict) else ())
        }
        return Rules(
            file=self.display,
            about=MappingProxyType(about),
            thickness_kinds=MappingProxyType(kinds),
            densities=MappingProxyType(ranges),
            density_implausible_factor=self.number(
                ("density_range", "implausible_factor"), density.get("implausible_factor")
            ),
            outlier_min_elements=int(
                self.number(("element_volume_outlier", "min_elements"), outlier.get("min_elements"))
            ),
            outlier_min_volume_m3=self.number(
                ("element_volume_outlier", "min_volume_m3"), outlier.get("min_volume_m3")
            ),
            outlier_warning_ratio=self.number(
                ("element_volume_outlier", "warning_ratio"), outlier.get("warning_ratio")
            ),
            element_thickness=MappingProxyType(bands),
            intensity_module=str(intensity.get("module", "A1-A3")),
            intensity=MappingProxyType(by_type),
            floor_area_max_difference=self.number(
                ("floor_area_consistency", "max_difference"),
                entries["floor_area_consistency"].get("max_difference"),
            ),
            dominant_max_share=self.number(("dominant_material", "max_share"), dominant.get("max_share")),
            dominant_by_category=MappingProxyType(shares),
        )
