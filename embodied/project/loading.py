"""The project file (``embodied.toml``) read into `ProjectSettings`: what each section may hold, the
checks across sections, and where the file is found (``--config FILE``, else embodied.toml beside the
model, else the defaults). ``[[materials]]`` entries are named ``materials[N]``, N counted from 1 in
file order; every problem of the file is reported at once by the `Reader`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from embodied.errors import ConfigError
from embodied.project.reader import (
    FLAG,
    SHARE,
    TEXT,
    Reader,
    Rule,
    describe,
    number,
    parse_toml,
    read_toml,
    suggest,
)
from embodied.project.settings import (
    Building,
    EnergyUse,
    MaterialOverride,
    Offsets,
    Operation,
    PlausibilitySettings,
    ProjectSettings,
    Scope,
    SignOff,
    Transport,
    name_key,
)
from embodied.tomllines import KeyPath

PROJECT_FILE = "embodied.toml"  # looked for beside the model

_BUILDING_TYPES = (("public", ("公共建筑", "公建")), ("residential", ("居住建筑", "住宅")))
_CLIMATE_ZONES = (  # GB 50176 thermal zones
    ("severe_cold", ("严寒", "严寒地区")),
    ("cold", ("寒冷", "寒冷地区")),
    ("hot_summer_cold_winter", ("夏热冬冷", "夏热冬冷地区")),
    ("hot_summer_warm_winter", ("夏热冬暖", "夏热冬暖地区")),
    ("mild", ("温和", "温和地区")),
)
_ENERGY_USE = {
    "electricity_kwh": number("kWh"),
    "diesel_kg": number("kg"),
    "gasoline_kg": number("kg"),
    "natural_gas_m3": number("m³"),
    "estimate_kgco2e_per_m2": number("kgCO2e/m²"),
}
SECTIONS: dict[str, tuple[type[Any], dict[str, Rule]]] = {
    "building": (
        Building,
        {
            "name": TEXT,
            "gross_floor_area_m2": number("m²", strict=True),
            "building_type": Rule("choice", choices=_BUILDING_TYPES),
            "climate_zone": Rule("choice", choices=_CLIMATE_ZONES),
            "province": Rule("province"),
            "design_life_years": number("years", strict=True, high=200.0),
        },
    ),
    "project": (
        SignOff,
        {
            "client": TEXT,
            "designer": TEXT,
            "address": TEXT,
            "author": TEXT,
            "checker": TEXT,
            "reviewer": TEXT,
            "approver": TEXT,
            "issue_date": Rule("date"),
        },
    ),
    "transport": (
        Transport,
        {"default_mode": Rule("mode"), "concrete_km": number("km"), "other_km": number("km")},
    ),
    "construction": (EnergyUse, _ENERGY_USE),
    "demolition": (EnergyUse, _ENERGY_USE),
    "operation": (
        Operation,
        {
            "electricity_kwh": number("kWh/a"),
            "natural_gas_m3": number("m³/a"),
            "district_heat_gj": number("GJ/a"),
            "district_heat_factor_kgco2_per_gj": number("kgCO2/GJ"),
            "onsite_renewable_kwh": number("kWh/a"),
            "green_power_kwh": number("kWh/a"),
            "carbon_sink_kgco2_per_year": number("kgCO2/a"),
            "grid_factor": Rule("grid"),
            "baseline_kgco2_per_m2a": number("kgCO2/(m²·a)", strict=True),
        },
    ),
    "scope": (Scope, {f.name: FLAG for f in fields(Scope)}),
    "offsets": (Offsets, {"carbon_credits_kgco2e": number("kgCO2e")}),
    "plausibility": (PlausibilitySettings, {"confirm": Rule("names"), "note": TEXT}),
}
MATERIAL_RULES = {
    "material": TEXT,
    "transport_km": number("km"),
    "transport_mode": Rule("mode"),
    "recycled_share": SHARE,
    "recycled_low_value": FLAG,
    "service_life_years": number("years", strict=True),
    "recyclable_share": SHARE,
}


def load_settings(path: Path) -> ProjectSettings:
    """The project file at `path`; ConfigError lists every problem as ``file:line: key: problem``."""
    data, reader, document = read_toml(path, "project file")
    return _checked(reader, document, str(path), data)


def settings_from_text(text: str, display: str) -> ProjectSettings:
    """The project file's text, checked as `load_settings` checks the file and named `display` in its
    problems (the settings page checks an edit before it saves it); sha256 is of the UTF-8 text."""
    reader, document = parse_toml(text, display)
    return _checked(reader, document, display, text.encode("utf-8"))


def _checked(reader: Reader, document: Mapping[str, Any], display: str, data: bytes) -> ProjectSettings:
    parts = read_settings(reader, document)
    reader.raise_problems()
    return ProjectSettings(**parts, source=display, sha256=hashlib.sha256(data).hexdigest())


def find_settings(model_path: Path, explicit: Path | None) -> ProjectSettings:
    """`explicit` (it must exist), else embodied.toml beside the model, else the defaults (source None)."""
    if explicit is not None:
        if not explicit.exists():
            raise ConfigError(f"{explicit}: file not found", hint="--config names a project file (TOML)")
        return load_settings(explicit)
    beside = model_path.parent / PROJECT_FILE
    return load_settings(beside) if beside.is_file() else ProjectSettings()


def read_settings(reader: Reader, document: Mapping[str, Any]) -> dict[str, Any]:
    """The sections of a parsed project file as records (keyword arguments of `ProjectSettings`);
    every problem goes to `reader`."""
    parts: dict[str, Any] = {}
    for name, value in document.items():
        if name == "materials":
            parts[name] = _materials(reader, value)
        elif name in SECTIONS:
            cls, rules = SECTIONS[name]
            if isinstance(value, dict):
                parts[name] = cls(**reader.table((name,), value, rules))
            else:
                reader.problem((name,), f"expected a table ([{name}]), got {describe(value)}")
        else:
            _unknown_section(reader, name, value)
    _cross_check(reader, document, parts)
    return parts


def _unknown_section(reader: Reader, name: str, value: object) -> None:
    owners = [section for section, (_, rules) in SECTIONS.items() if name in rules]
    if owners:
        hint = f"a key of [{owners[0]}]: write it under [{owners[0]}]"
    else:
        hint = suggest(name, [*SECTIONS, "materials"], "sections", decorate="[{}]")
    reader.problem((name,), "unknown section" if isinstance(value, dict) else "unknown key", hint)


def _materials(reader: Reader, raw: object) -> tuple[MaterialOverride, ...]:
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        reader.problem(("materials",), f"expected an array of tables ([[materials]]), got {describe(raw)}")
        return ()
    entries: list[MaterialOverride] = []
    first_line: dict[str, int] = {}
    for index, entry in enumerate(raw):
        path: KeyPath = ("materials", index)
        values = reader.table(path, entry, MATERIAL_RULES)
        if "material" not in entry:
            reader.problem(path, 'missing key "material" (the material name as the model writes it)')
        name = values.get("material")
        if name is None:
            continue
        key = name_key(name)
        if key in first_line:
            message = f'duplicate override for material "{name}" (first at line {first_line[key]})'
            reader.problem((*path, "material"), message, "one [[materials]] entry per material")
            continue
        first_line[key] = reader.lines.line((*path, "material"))
        if values.get("recycled_low_value") and "recycled_share" not in entry:
            reader.problem((*path, "recycled_low_value"), "needs recycled_share (the share it applies to)")
        entries.append(MaterialOverride(**values))
    return tuple(entries)


def _cross_check(reader: Reader, document: Mapping[str, Any], parts: Mapping[str, Any]) -> None:
    raw_building = document.get("building")
    has_province = isinstance(raw_building, dict) and "province" in raw_building
    operation = parts.get("operation")
    if operation is None:
        return
    if operation.grid_factor == "province" and not has_province:
        reader.problem(("operation", "grid_factor"), '"province" needs building.province')
    if operation.district_heat_gj is not None and operation.district_heat_factor_kgco2_per_gj is None:
        reader.problem(
            ("operation", "district_heat_gj"),
            "needs operation.district_heat_factor_kgco2_per_gj (GB/T 51366 gives no heat factor)",
        )
