"""The data the life-cycle stage reads beside the factors: service lives and two rule sets.

    data = load_data(db.root)        # cached per folder; DatabaseError lists every problem
    data.service_life_for("insulation/polystyrene/xps")   # the insulation/polystyrene row (25 a)
    problems = check_data()          # the same checks as records, nothing raised

- ``service_lives.csv``: reference service life per category (longest category prefix applies, as
  for densities); a category not listed lasts the study period.
- ``methods/zero_carbon_draft_2023.yaml``: the draft zero-carbon standard's tiers (thresholds null,
  ``verified: false``).
- ``methods/gb55015_2021.yaml``: the GB 55015 reduction (share and kgCO2/(m²·a)).

The files are described in material_db/datapackage.yaml and checked here against it (schema, known
sources, verification levels); ``embodied.factors.check`` only checks that they are described.
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
    Package,
    YamlDoc,
    check_rows,
    read_csv,
    read_package,
    read_yaml,
)

SERVICE_LIVES, ZERO_CARBON, GB55015 = "service_lives", "zero_carbon_draft_2023", "gb55015_2021"
VERIFIED_LEVELS = ("verified_x2", "verified")
PARAMETER_KEYS = ("value", "unit", "source", "source_ref", "verification")
TIER_KEYS = ("name_zh", "name_en", "scope", "net_zero", "offsets")
SCOPES = ("operation", "whole_process")
OFFSETS = ("green_power", "carbon_credits")


@dataclass(frozen=True, slots=True)
class ServiceLife:
    category: str
    service_life_years: float
    source_id: str
    source_ref: str
    verification: str
    notes: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """One parameter of a method file: a value with its unit, source and verification."""

    key: str
    value: Any
    unit: str
    source: str
    source_ref: str
    verification: str
    notes: str

    @property
    def verified(self) -> bool:
        return self.verification in VERIFIED_LEVELS


@dataclass(frozen=True, slots=True)
class Tier:
    """A tier of the draft zero-carbon standard; ``threshold.value`` is the intensity index or None."""

    threshold: Parameter
    name_zh: str
    name_en: str
    scope: str  # operation | whole_process
    net_zero: bool
    offsets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TierRules:
    id: str
    standard: str
    draft_date: str
    verified: bool
    tiers: tuple[Tier, ...]


@dataclass(frozen=True, slots=True)
class ReductionRule:
    id: str
    standard: str
    share_min: Parameter
    kgco2_per_m2a_min: Parameter


@dataclass(frozen=True)
class LifecycleData:
    service_lives: Mapping[str, ServiceLife]
    zero_carbon: TierRules
    gb55015: ReductionRule

    def service_life_for(self, category: str) -> ServiceLife | None:
        """The row of the longest prefix of `category` ("a/b/c", "a/b", "a"); None if none is listed."""
        parts = category.split("/")
        for n in range(len(parts), 0, -1):
            found = self.service_lives.get("/".join(parts[:n]))
            if found is not None:
                return found
        return None


@cache
def load_data(root: Path = DEFAULT_ROOT) -> LifecycleData:
    """The life-cycle data of the database at `root`; DatabaseError listing every problem."""
    data, problems = _read(root)
    if problems or data is None:
        raise DatabaseError(problems, hint="each line names file:line; fix the life-cycle data files")
    return data


def check_data(root: Path = DEFAULT_ROOT) -> list[DataProblem]:
    """Every problem of the life-cycle data files at `root`; empty when they load cleanly."""
    return _read(root)[1]


def _read(root: Path) -> tuple[LifecycleData | None, list[DataProblem]]:
    package, problems = read_package(root)
    if package is None:
        return None, problems
    reader = _Reader(package)
    lives = reader.service_lives()
    tiers = reader.tiers()
    reduction = reader.reduction()
    problems = reader.problems
    if tiers is None or reduction is None:
        return None, problems
    return LifecycleData(MappingProxyType(lives), tiers, reduction), problems


class _Reader:
    def __init__(self, package: Package) -> None:
        self.pkg = package
        self.problems: list[DataProblem] = []
        sources = self.yaml("sources")[0].data
        self.sources = {str(s.get("id")) for s in sources if isinstance(s, dict)} if sources else set()

    def path(self, resource: str) -> tuple[Path, str] | None:
        r = self.pkg.resource(resource)
        if r is None:
            self.problems.append(DataProblem(self.pkg.display("datapackage.yaml"), None, f"no {resource}"))
            return None
        return self.pkg.root / r.path, self.pkg.display(r.path)

    def yaml(self, resource: str) -> tuple[YamlDoc, str]:
        found = self.path(resource)
        if found is None:
            return YamlDoc(None, {}), resource
        doc, problems = read_yaml(*found)
        self.problems += problems
        return doc or YamlDoc(None, {}), found[1]

    def service_lives(self) -> dict[str, ServiceLife]:
        found, r = self.path(SERVICE_LIVES), self.pkg.resource(SERVICE_LIVES)
        if found is None or r is None or r.schema not in self.pkg.schemas:
            return {}
        header, cells, problems = read_csv(*found)
        rows, row_problems = check_rows(found[1], self.pkg.schemas[str(r.schema)], header, cells)
        self.problems += problems + row_problems
        lives: dict[str, ServiceLife] = {}
        for row in rows:
            life = ServiceLife(**{k: row.values[k] for k in ServiceLife.__dataclass_fields__})
            if life.source_id not in self.sources:
                message = f"source_id {life.source_id!r} is not in sources.yaml"
                self.problems.append(DataProblem(found[1], row.line, message))
                continue
            lives[life.category] = life
        return lives

    def parameter(
        self, doc: YamlDoc, display: str, key: str, extra: tuple[str, ...] = ()
    ) -> Parameter | None:
        entry, line = (doc.data or {}).get(key), doc.line(key)
        if not isinstance(entry, dict):
            self.problems.append(DataProblem(display, line, f"parameter {key} is missing or not a mapping"))
            return None
        missing = [k for k in (*PARAMETER_KEYS, *extra) if k not in entry]
        messages = [f"parameter {key} lacks {', '.join(missing)}"] if missing else []
        if entry.get("source") not in self.sources:
            messages.append(f"parameter {key}: source {entry.get('source')!r} is not in sources.yaml")
        levels = self.pkg.enum("factor", "verification")
        if entry.get("verification") not in levels:
            shown = ", ".join(levels)
            messages.append(
                f"parameter {key}: verification {entry.get('verification')!r} is not one of {shown}"
            )
        value = entry.get("value")
        if (value is not None and not isinstance(value, int | float | dict)) or isinstance(value, bool):
            messages.append(f"parameter {key}: value must be null, a number or a mapping")
        self.problems += [DataProblem(display, line, m) for m in messages]
        if messages:
            return None
        return Parameter(
            key=key,
            value=value,
            unit=str(entry["unit"]),
            source=str(entry["source"]),
            source_ref=str(entry["source_ref"]),
            verification=str(entry["verification"]),
            notes=str(entry.get("notes") or ""),
        )

    def plain(self, doc: YamlDoc, display: str, *keys: str) -> dict[str, Any] | None:
        data = doc.data if isinstance(doc.data, dict) else {}
        missing = [k for k in keys if k not in data]
        if missing:
            self.problems.append(DataProblem(display, None, f"lacks {', '.join(missing)}"))
            return None
        return data

    def tiers(self) -> TierRules | None:
        doc, display = self.yaml(ZERO_CARBON)
        data = self.plain(doc, display, "id", "standard", "draft_date", "verified")
        if data is None:
            return None
        if not isinstance(data["verified"], bool):
            self.problems.append(DataProblem(display, doc.line("verified"), "verified must be true or false"))
        tiers = []
        for key, entry in data.items():
            if not isinstance(entry, dict):
                continue
            threshold = self.parameter(doc, display, key, TIER_KEYS)
            if threshold is None:
                continue
            scope, offsets = entry["scope"], entry["offsets"]
            messages = [] if scope in SCOPES else [f"tier {key}: scope {scope!r} is not one of {SCOPES}"]
            if not isinstance(offsets, list) or any(o not in OFFSETS for o in offsets):
                messages.append(f"tier {key}: offsets must be a list of {', '.join(OFFSETS)}")
            if not isinstance(entry["net_zero"], bool):
                messages.append(f"tier {key}: net_zero must be true or false")
            self.problems += [DataProblem(display, doc.line(key), m) for m in messages]
            if not messages:
                tiers.append(
                    Tier(
                        threshold,
                        str(entry["name_zh"]),
                        str(entry["name_en"]),
                        scope,
                        entry["net_zero"],
                        tuple(offsets),
                    )
                )
        return TierRules(
            str(data["id"]),
            str(data["standard"]),
            str(data["draft_date"]),
            data["verified"] is True,
            tuple(tiers),
        )

    def reduction(self) -> ReductionRule | None:
        doc, display = self.yaml(GB55015)
        data = self.plain(doc, display, "id", "standard")
        if data is None:
            return None
        share = self.parameter(doc, display, "reduction_share_min")
        absolute = self.parameter(doc, display, "reduction_kgco2_per_m2a_min")
        for p in (share, absolute):
            if p is not None and not isinstance(p.value, int | float):
                self.problems.append(
                    DataProblem(display, doc.line(p.key), f"parameter {p.key}: value must be a number")
                )
        if share is None or absolute is None:
            return None
        return ReductionRule(str(data["id"]), str(data["standard"]), share, absolute)
