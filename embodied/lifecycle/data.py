"""The data the life-cycle stage reads beside the factors: service lives, grid regions, substitutions
and two rule sets.

    data = load_data(db.root)        # cached per folder; DatabaseError lists every problem
    data.service_life_for("insulation/polystyrene/xps")   # the insulation/polystyrene row (25 a)
    data.substitution_for("concrete/reinforced")          # the concrete row (crushed stone, 1 t/t)
    data.grid_regions["inner_mongolia"].region            # "north"
    problems = check_data()          # the same checks as records, nothing raised

- ``service_lives.csv``: reference service life per category (longest category prefix applies, as
  for densities); a category not listed lasts the study period.
- ``grid_regions.csv``: the regional grid of each province (MEE/NBS 2021-2023 membership), for the
  default grid factor; every province with a provincial factor is listed, every region has a factor.
- ``substitutions.csv``: what the recovered share of a material replaces (a factor per t or kg) and
  at what ratio, by category (longest prefix), for module D.
- ``methods/zero_carbon_draft_2023.yaml``: the draft zero-carbon standard's tiers (thresholds null,
  ``verified: false``).
- ``methods/gb55015_2021.yaml``: the GB 55015 reduction (share and kgCO2/(m²·a)).

The files are described in material_db/datapackage.yaml and checked here against it (schema, known
sources, verification levels); ``embodied.factors.check`` only checks that they are described.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from embodied.errors import DatabaseError
from embodied.factors.schema import (
    DEFAULT_ROOT,
    DataProblem,
    Package,
    YamlDoc,
    by_category,
    check_rows,
    read_csv,
    read_package,
    read_yaml,
)

SERVICE_LIVES, ZERO_CARBON, GB55015 = "service_lives", "zero_carbon_draft_2023", "gb55015_2021"
GRID_REGIONS, SUBSTITUTIONS = "grid_regions", "substitutions"
GRID_ID = re.compile(r"mee_nbs:grid_(\d{4}):([a-z0-9_]+)")
PER_MASS = ("t", "kg")  # declared units a substituted factor may have (the credit is per t)
VERIFIED_LEVELS = ("verified_x2", "verified")
PARAMETER_KEYS = ("value", "unit", "source", "source_ref", "verification")
TIER_KEYS = ("name_zh", "name_en", "scope", "net_zero", "offsets")
SCOPES = ("operation", "whole_process")
OFFSETS = ("green_power", "carbon_credits")


_Row = TypeVar("_Row", "ServiceLife", "GridRegion", "Substitution")


@dataclass(frozen=True, slots=True)
class ServiceLife:
    category: str
    service_life_years: float
    source_id: str
    source_ref: str
    verification: str
    notes: str


@dataclass(frozen=True, slots=True)
class GridRegion:
    """A province (its grid slug) and the regional grid it belongs to ("" when none, as Tibet)."""

    province: str
    name_zh: str
    name_en: str
    region: str
    source_id: str
    source_ref: str
    verification: str
    notes: str


class _Verified:
    """A row whose `verification` level says whether its figure was checked against its source."""

    __slots__ = ()
    verification: str

    @property
    def verified(self) -> bool:
        return self.verification in VERIFIED_LEVELS


@dataclass(frozen=True, slots=True)
class Substitution(_Verified):
    """What the recovered share of the materials of a category replaces, and how many t per t."""

    category: str
    substituted_factor_id: str
    substitution_ratio: float
    source_id: str
    source_ref: str
    verification: str
    notes: str


@dataclass(frozen=True, slots=True)
class Parameter(_Verified):
    """One parameter of a method file: a value with its unit, source and verification."""

    key: str
    value: Any
    unit: str
    source: str
    source_ref: str
    verification: str
    notes: str


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
    grid_regions: Mapping[str, GridRegion]
    substitutions: Mapping[str, Substitution]

    def service_life_for(self, category: str) -> ServiceLife | None:
        """The row of the longest prefix of `category` ("a/b/c", "a/b", "a"); None if none is listed."""
        return _longest_prefix(self.service_lives, category)

    def substitution_for(self, category: str) -> Substitution | None:
        """What a recovered material of `category` replaces (longest prefix); None if no row applies."""
        return _longest_prefix(self.substitutions, category)


def _longest_prefix(rows: Mapping[str, _Row], category: str) -> _Row | None:
    found = by_category(rows, category)
    return found[1] if found is not None else None


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
    regions = reader.grid_regions()
    substitutions = reader.substitutions()
    problems = reader.problems
    if tiers is None or reduction is None:
        return None, problems
    data = LifecycleData(
        MappingProxyType(lives),
        tiers,
        reduction,
        MappingProxyType(regions),
        MappingProxyType(substitutions),
    )
    return data, problems


class _Reader:
    def __init__(self, package: Package) -> None:
        self.pkg = package
        self.problems: list[DataProblem] = []
        self.units: dict[str, str] | None = None
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

    def table(self, resource: str, record: type[_Row]) -> tuple[list[tuple[int, _Row]], str]:
        """The rows of a CSV resource as records (line, record), those citing an unknown source left out."""
        found, r = self.path(resource), self.pkg.resource(resource)
        if found is None or r is None or r.schema not in self.pkg.schemas:
            return [], resource
        header, cells, problems = read_csv(*found)
        rows, row_problems = check_rows(found[1], self.pkg.schemas[str(r.schema)], header, cells)
        self.problems += problems + row_problems
        records: list[tuple[int, _Row]] = []
        for row in rows:
            item = record(**{k: row.values[k] for k in record.__dataclass_fields__})
            if item.source_id not in self.sources:
                message = f"source_id {item.source_id!r} is not in sources.yaml"
                self.problems.append(DataProblem(found[1], row.line, message))
                continue
            records.append((row.line, item))
        return records, found[1]

    def service_lives(self) -> dict[str, ServiceLife]:
        rows, _ = self.table(SERVICE_LIVES, ServiceLife)
        return {life.category: life for _, life in rows}

    def factor_units(self) -> dict[str, str]:
        """factor id -> declared unit of every row of the factor tables (factors.check checks them)."""
        if self.units is not None:
            return self.units
        units: dict[str, str] = {}
        for r in self.pkg.resources:
            path = self.pkg.root / r.path
            if r.schema != "factor" or not path.is_file():
                continue
            header, cells, _ = read_csv(path, self.pkg.display(r.path))
            if "factor_id" in header and "declared_unit" in header:
                at, unit = header.index("factor_id"), header.index("declared_unit")
                units |= {c[at].strip(): c[unit].strip() for _, c in cells if len(c) > max(at, unit)}
        self.units = units
        return units

    def grid_regions(self) -> dict[str, GridRegion]:
        rows, display = self.table(GRID_REGIONS, GridRegion)
        regions = {g.province: g for _, g in rows}
        slugs = {m[2] for f in self.factor_units() if (m := GRID_ID.fullmatch(f))}
        for line, g in rows:
            if g.region and g.region not in slugs:
                message = f"region {g.region!r} of {g.province} has no mee_nbs:grid_<year>:{g.region} factor"
                self.problems.append(DataProblem(display, line, message))
        named = {g.region for g in regions.values()}
        for slug in sorted(slugs - named - set(regions)):
            if not slug.startswith("national"):
                message = f"province {slug!r} has a grid factor but no row (its regional grid is not known)"
                self.problems.append(DataProblem(display, None, message))
        return regions

    def substitutions(self) -> dict[str, Substitution]:
        rows, display = self.table(SUBSTITUTIONS, Substitution)
        units = self.factor_units()
        found: dict[str, Substitution] = {}
        for line, s in rows:
            unit = units.get(s.substituted_factor_id)
            if unit is None:
                message = f"substituted_factor_id {s.substituted_factor_id!r} is not a factor of the database"
            elif unit not in PER_MASS:
                message = f"substituted factor {s.substituted_factor_id} is per {unit}, not per t or kg"
            else:
                found[s.category] = s
                continue
            self.problems.append(DataProblem(display, line, message))
        return found

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
