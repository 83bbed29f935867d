"""The project settings that fall back on the method file when the project file leaves them out.

    defaults = method_defaults(db)        # MethodDefaults; DatabaseError names the file and the key
    study = resolve(settings, defaults)   # each setting as used, with the default it took (or None)
    study.design_life.value               # 50.0: methods/gbt51366_2019.yaml design_life_years
    study.design_life.default.origin      # "GB/T 51366-2019 §4.1 (methods/gbt51366_2019.yaml
                                          #  design_life_years, recollection)"

The project file (embodied/project.py) leaves ``building.design_life_years`` and ``[transport]``
``default_mode``, ``concrete_km`` and ``other_km`` None when it does not set them. Their values then
come from the default method file of the database (``default_method`` of datapackage.yaml, the
parameters ``design_life_years``, ``transport_default_km`` and ``transport_default_mode``), never
from a Python literal; the engine lists every default it used in ``LifecycleResult.defaults_used``
and as an assumption.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from embodied.errors import DatabaseError
from embodied.factors import FactorDB
from embodied.factors.schema import DataProblem, read_package, read_yaml
from embodied.lifecycle.results import DefaultUsed, num
from embodied.project import ProjectSettings

T = TypeVar("T", float, str)
ENTRY_KEYS = ("value", "unit", "source", "source_ref", "verification")
TRANSPORT_ID = "gbt51366:E:{}"  # a mode slug names the Table E.0.1 row (as the project file's modes)


@dataclass(frozen=True, slots=True)
class MethodValue(Generic[T]):
    """One default of the method file, with its provenance."""

    key: str  # the parameter, "design_life_years" or "transport_default_km.concrete"
    value: T
    unit: str
    source: str  # a key of sources.yaml
    cite: str  # that source's short citation: "GB/T 51366-2019"
    source_ref: str  # the clause: "§4.1"
    verification: str
    notes: str
    file: str  # the method file in the database: "methods/gbt51366_2019.yaml"

    @property
    def origin(self) -> str:
        """Where the value comes from: 'GB/T 51366-2019 §4.1 (methods/… design_life_years, recollection)'."""
        return f"{self.cite} {self.source_ref} ({self.file} {self.key}, {self.verification})"

    @property
    def verified(self) -> bool:
        return self.verification in ("verified_x2", "verified")


@dataclass(frozen=True, slots=True)
class MethodDefaults:
    """The defaults of the project settings, read from the default method file."""

    design_life_years: MethodValue[float]
    concrete_km: MethodValue[float]
    other_km: MethodValue[float]
    transport_mode: MethodValue[str]  # a slug of a gbt51366:E:<mode> factor


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """A project setting as the calculation uses it: the project file's value, else the default."""

    key: str  # the project-file key: "building.design_life_years"
    label: str  # "design life"
    value: T
    unit: str
    default: MethodValue[T] | None  # the method file's value taken; None when the project file sets it
    replace_by: str  # what to set in the project file instead

    @property
    def source(self) -> str:
        """'the project file' or the default's origin."""
        return "the project file" if self.default is None else self.default.origin

    def used(self) -> DefaultUsed | None:
        """The record of the default taken; None when the project file gives the value."""
        if self.default is None:
            return None
        return DefaultUsed(self.key, self.value, self.unit, self.default.origin, self.replace_by)

    def message(self) -> str:
        """The assumption problem's text: 'design life 50 a: default GB/T 51366-2019 §4.1 (…); set …'."""
        d = self.default
        if d is None:
            return f"{self.label} {self.shown}: set in the project file ({self.key})"
        return (
            f"{self.label} {self.shown}: default {d.cite} {d.source_ref} ({d.file}: {d.key}, "
            f"{d.verification}); set {self.replace_by} to replace it"
        )

    @property
    def shown(self) -> str:
        text = num(self.value) if isinstance(self.value, float) else self.value
        return f"{text} {self.unit}" if self.unit else text


@dataclass(frozen=True, slots=True)
class Study:
    """The settings of the study that may come from the method file, as used."""

    design_life: Setting[float]
    concrete_km: Setting[float]
    other_km: Setting[float]
    transport_mode: Setting[str]


def resolve(settings: ProjectSettings, defaults: MethodDefaults) -> Study:
    """Each setting from the project file when it sets it, else from the method file."""
    b, t = settings.building, settings.transport
    return Study(
        design_life=_float(
            "building.design_life_years", "design life", b.design_life_years, defaults.design_life_years,
            "building.design_life_years",
        ),
        concrete_km=_float(
            "transport.concrete_km", "transport distance of concrete", t.concrete_km, defaults.concrete_km,
            "transport.concrete_km (or transport_km per material)",
        ),
        other_km=_float(
            "transport.other_km", "transport distance of materials other than concrete", t.other_km,
            defaults.other_km, "transport.other_km (or transport_km per material)",
        ),
        transport_mode=_text(
            "transport.default_mode", "transport mode", t.default_mode, defaults.transport_mode,
            "transport.default_mode (or transport_mode per material)",
        ),
    )  # fmt: skip


def _float(
    key: str, label: str, given: float | None, default: MethodValue[float], replace_by: str
) -> Setting[float]:
    if given is not None:
        return Setting(key, label, given, default.unit, None, replace_by)
    return Setting(key, label, default.value, default.unit, default, replace_by)


def _text(
    key: str, label: str, given: str | None, default: MethodValue[str], replace_by: str
) -> Setting[str]:
    if given is not None:
        return Setting(key, label, given, "", None, replace_by)
    return Setting(key, label, default.value, "", default, replace_by)


def method_defaults(db: FactorDB) -> MethodDefaults:
    """The defaults of the database's method file; DatabaseError naming file and key for each
    value that is missing or malformed (the file's line when it can be found)."""
    reader = _Reader(db)
    life = reader.number("design_life_years", None, positive=True)
    concrete = reader.number("transport_default_km", "concrete")
    other = reader.number("transport_default_km", "other")
    mode = reader.mode("transport_default_mode")
    if life is None or concrete is None or other is None or mode is None:
        raise DatabaseError(
            reader.problems, hint="fix the parameter in the method file (see material_db/README.md)"
        )
    return MethodDefaults(life, concrete, other, mode)


@cache
def _method_file(root: Path) -> str:
    """The default method file of the database at `root`, relative to it (read once per folder)."""
    package, _ = read_package(root)
    resource = package.resource(package.default_method) if package is not None else None
    return resource.path if resource is not None else "methods"


class _Reader:
    def __init__(self, db: FactorDB) -> None:
        self.db = db
        self.file = _method_file(db.root)
        self.display = f"{db.root.name}/{self.file}"
        self.problems: list[DataProblem] = []

    def problem(self, key: str, message: str) -> None:
        doc, _ = read_yaml(self.db.root / self.file, self.display)
        line = doc.line(key.split(".")[0]) if doc is not None else None
        self.problems.append(DataProblem(self.display, line, f"{key}: {message}"))

    def entry(self, key: str) -> Mapping[str, Any] | None:
        entry = self.db.method.get(key)
        if not isinstance(entry, Mapping):
            self.problem(key, "missing, or not a mapping of value, unit, source, source_ref, verification")
            return None
        missing = [k for k in ENTRY_KEYS if entry.get(k) in (None, "")]
        if missing:
            self.problem(key, f"lacks {', '.join(missing)}")
            return None
        return entry

    def value(self, entry: Mapping[str, Any], key: str, value: T) -> MethodValue[T]:
        source = str(entry["source"])
        known = self.db.sources.get(source)
        cite = re.split(r"[,，《]", known.citation)[0].strip() if known is not None else source
        return MethodValue(
            key=key,
            value=value,
            unit=str(entry["unit"]),
            source=source,
            cite=cite,
            source_ref=str(entry["source_ref"]),
            verification=str(entry["verification"]),
            notes=str(entry.get("notes") or ""),
            file=self.file,
        )

    def number(self, key: str, part: str | None, *, positive: bool = False) -> MethodValue[float] | None:
        entry = self.entry(key)
        if entry is None:
            return None
        raw, name = entry["value"], key
        if part is not None:
            name = f"{key}.{part}"
            raw = raw.get(part) if isinstance(raw, Mapping) else None
        numeric = isinstance(raw, int | float) and not isinstance(raw, bool)
        if not numeric or raw < 0 or (positive and raw == 0):
            self.problem(name, f"value {raw!r} is not a number {'> 0' if positive else '≥ 0'}")
            return None
        return self.value(entry, name, float(raw))

    def mode(self, key: str) -> MethodValue[str] | None:
        entry = self.entry(key)
        if entry is None:
            return None
        raw = entry["value"]
        factor = self.db.factors.get(TRANSPORT_ID.format(raw)) if isinstance(raw, str) else None
        if factor is None or factor.module != "A4":
            self.problem(key, f"value {raw!r} is not the slug of a {TRANSPORT_ID.format('<mode>')} factor")
            return None
        return self.value(entry, key, str(raw))
