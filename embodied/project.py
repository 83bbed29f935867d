"""Project settings: the project file (``embodied.toml``) read into frozen records, checked with clear errors.

    settings = find_settings(Path("model.ifc"), explicit=None)   # --config FILE, else embodied.toml
                                                                 # beside the model, else the defaults
    settings = load_settings(Path("embodied.toml"))
    settings.building.province          # "beijing": the grid-factor slug, however the file wrote it
    settings.override_for("岩棉板")     # its [[materials]] entry, or None

Every problem is a ``ConfigError`` whose message reads ``<file>:<line>: <dotted.key>: <problem>``,
one line per problem in file order (all problems of a file are reported at once); the hint says
"did you mean" or lists what is allowed. Syntax errors take their line from tomllib, everything else
from a scan of the text (`KeyLines`). ``[[materials]]`` entries are named ``materials[N]``, N
counted from 1 in file order. A number may be written as an integer; a boolean is never a number.

Province names, grid-factor keys and transport modes are checked against material_db/factors (the
MEE/NBS grid rows of energy_cn.csv, the Table E.0.1 rows of gbt51366_2019.csv): no second list here.

A key the file leaves out is None ("not set by the project file") when its default is a number of
the method: the design life and the [transport] defaults come from the method file of the database
(methods/gbt51366_2019.yaml, read by embodied/lifecycle/defaults.py), the grid factor by location
(embodied/lifecycle/energy.py); the calculation lists every default it took.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeGuard

from embodied.errors import ConfigError
from embodied.factors.schema import DEFAULT_ROOT
from embodied.tomllines import KeyLines, KeyPath

PROJECT_FILE = "embodied.toml"  # looked for beside the model


@dataclass(frozen=True, slots=True)
class Building:
    name: str | None = None
    gross_floor_area_m2: float | None = None  # > 0; None: derived from the model
    building_type: Literal["public", "residential"] = "public"
    climate_zone: (
        Literal["severe_cold", "cold", "hot_summer_cold_winter", "hot_summer_warm_winter", "mild"] | None
    ) = None
    province: str | None = None  # the grid-id slug ("beijing"); the file may write 北京, 北京市, Beijing
    design_life_years: float | None = None  # > 0, <= 200; None: the method file's (GB/T 51366 §4.1)


@dataclass(frozen=True, slots=True)
class Transport:
    """Project-wide transport (A4); None: the method file's default (transport_default_mode, _km)."""

    default_mode: str | None = None  # slug of a gbt51366:E:<slug> factor
    concrete_km: float | None = None  # >= 0
    other_km: float | None = None  # >= 0


@dataclass(frozen=True, slots=True)
class EnergyUse:
    """Energy of the construction (A5) or demolition (C1) stage, the whole stage."""

    electricity_kwh: float | None = None
    diesel_kg: float | None = None
    gasoline_kg: float | None = None
    natural_gas_m3: float | None = None
    estimate_kgco2e_per_m2: float | None = None  # user-entered, non-normative; used only if no energy given


@dataclass(frozen=True, slots=True)
class Operation:
    """Annual operation (B6)."""

    electricity_kwh: float | None = None
    natural_gas_m3: float | None = None
    district_heat_gj: float | None = None
    district_heat_factor_kgco2_per_gj: float | None = None  # GB/T 51366 gives none: required with heat
    onsite_renewable_kwh: float | None = None
    green_power_kwh: float | None = None
    carbon_sink_kgco2_per_year: float | None = None  # C_p
    grid_factor: str | float | None = None  # "<slug>-<year>" of a mee_nbs:grid_<year>:<slug> row,
    # "province" (building.province's latest factor), or a number in kgCO2/kWh; None: by location
    # (building.province's latest provincial, else regional, else the national factor)
    baseline_kgco2_per_m2a: float | None = None  # for the GB 55015 check (user supplied)


@dataclass(frozen=True, slots=True)
class Scope:
    include_embodied: bool = True
    include_transport: bool = True
    include_construction: bool = True
    include_operation: bool = True
    include_demolition: bool = True
    include_replacements: bool = True  # B4 (beside GB/T 51366)
    include_module_d: bool = False


@dataclass(frozen=True, slots=True)
class Offsets:
    """Reported separately, never netted into the gross."""

    carbon_credits_kgco2e: float | None = None


@dataclass(frozen=True, slots=True)
class PlausibilitySettings:
    """Plausibility checks of the whole building (intensity_range, floor_area_consistency) that the
    user has looked at and confirms, and why; they stay listed in the report, marked confirmed."""

    confirm: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class MaterialOverride:
    """One ``[[materials]]`` entry, keyed by the material name as the model writes it."""

    material: str
    transport_km: float | None = None
    transport_mode: str | None = None
    recycled_share: float | None = None  # 0..1 of the material that is recycled feedstock
    recycled_low_value: bool = False  # low-value waste: upstream emissions ignored (factor 0)
    service_life_years: float | None = None  # > 0
    recyclable_share: float | None = None  # 0..1 recovered at end of life (module D credit)


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    building: Building = Building()
    transport: Transport = Transport()
    construction: EnergyUse = EnergyUse()
    demolition: EnergyUse = EnergyUse()
    operation: Operation = Operation()
    scope: Scope = Scope()
    offsets: Offsets = Offsets()
    plausibility: PlausibilitySettings = PlausibilitySettings()
    materials: tuple[MaterialOverride, ...] = ()
    source: str | None = None  # path of the file read, None for the defaults
    sha256: str | None = None  # of the file's bytes

    def override_for(self, material: str) -> MaterialOverride | None:
        """The entry for a model material: the exact name, else ignoring case, width and outer spaces."""
        for entry in self.materials:
            if entry.material == material:
                return entry
        key = _name_key(material)
        return next((entry for entry in self.materials if _name_key(entry.material) == key), None)


def read_text(path: Path, what: str, hint: str | None = None) -> tuple[bytes, str]:
    """The bytes and UTF-8 text of a settings file (a project or park file, `what`); a file that is
    missing, a folder, unreadable or not UTF-8 is a ConfigError naming it (and the line)."""
    display = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{display}: file not found", hint=hint) from None
    except IsADirectoryError:
        raise ConfigError(f"{display}: is a directory, not a {what}") from None
    except OSError as error:
        raise ConfigError(f"{display}: cannot read: {error.strerror}") from None
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(f"{display}:{line}: not UTF-8 text", hint="save the file as UTF-8") from None


def read_toml(path: Path, what: str, hint: str | None = None) -> tuple[bytes, Reader, dict[str, Any]]:
    """The bytes of a settings file, a reader that places its problems on their lines, and its TOML
    document (empty after a syntax error, which the reader holds)."""
    data, text = read_text(path, what, hint)
    reader = Reader(str(path), text)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        reader.syntax(error)
        document = {}
    return data, reader, document


def load_settings(path: Path) -> ProjectSettings:
    """The project file at `path`; ConfigError lists every problem as ``file:line: key: problem``."""
    display = str(path)
    data, reader, document = read_toml(path, "project file")
    parts = reader.settings(document)
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


# -- what each section may hold --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    kind: Literal["number", "text", "flag", "choice", "province", "grid", "mode", "names"]
    unit: str = ""
    low: float | None = 0.0
    strict: bool = False  # low itself is not allowed
    high: float | None = None
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # value, its other spellings


def number(unit: str, *, strict: bool = False, high: float | None = None) -> Rule:
    return Rule("number", unit, strict=strict, high=high)


TEXT, _FLAG, SHARE = Rule("text"), Rule("flag"), number("share", high=1.0)
_GRID_NUMBER = number("kgCO2/kWh", strict=True, high=2.0)  # above 2: a value in g/kWh, surely
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
_SECTIONS: dict[str, tuple[type[Any], dict[str, Rule]]] = {
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
    "scope": (Scope, {f.name: _FLAG for f in fields(Scope)}),
    "offsets": (Offsets, {"carbon_credits_kgco2e": number("kgCO2e")}),
    "plausibility": (PlausibilitySettings, {"confirm": Rule("names"), "note": TEXT}),
}
_MATERIAL_RULES = {
    "material": TEXT,
    "transport_km": number("km"),
    "transport_mode": Rule("mode"),
    "recycled_share": SHARE,
    "recycled_low_value": _FLAG,
    "service_life_years": number("years", strict=True),
    "recyclable_share": SHARE,
}
_INVALID = object()  # a value that was reported as a problem

_KeyPath = KeyPath


# -- the data the values are checked against ---------------------------------------------------------

_GRID_ID = re.compile(r"mee_nbs:grid_(\d{4}):([a-z0-9_]+)")
_TRANSPORT_ID = re.compile(r"gbt51366:E:([a-z0-9_]+)")
_PROVINCE_ZH = re.compile(r"省级.*（(.+?)，\d{4}年）")
# Official suffixes of province names, tried in order (新疆维吾尔自治区 -> 新疆, Guangdong Sheng -> guangdong)
_ZH_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
_LATIN_SUFFIXES = (
    "uygurautonomousregion", "uyghurautonomousregion", "zhuangautonomousregion", "huiautonomousregion",
    "autonomousregion", "province", "municipality", "sheng", "shi",
)  # fmt: skip
# The one province whose grid slug is English rather than pinyin: its pinyin spelling as well.
_PINYIN_ALIASES = {"neimenggu": "inner_mongolia"}


def _rows(name: str, folder: str = "factors") -> list[dict[str, str]]:
    with (DEFAULT_ROOT / folder / name if folder else DEFAULT_ROOT / name).open(
        encoding="utf-8", newline=""
    ) as handle:
        return list(csv.DictReader(handle))


@cache
def _grid_keys() -> tuple[str, ...]:
    """``<slug>-<year>`` of every MEE/NBS grid factor, in file order."""
    keys = []
    for row in _rows("energy_cn.csv"):
        if match := _GRID_ID.fullmatch(row["factor_id"]):
            keys.append(f"{match[2]}-{match[1]}")
    return tuple(keys)


@cache
def _provinces() -> dict[str, str]:
    """Every spelling of a province (folded) -> its slug: those with a provincial grid factor, and
    every province of grid_regions.csv (西藏 has no factor of its own; the default falls back)."""
    names: dict[str, str] = dict(_PINYIN_ALIASES)
    for row in _rows("energy_cn.csv"):
        match, zh = _GRID_ID.fullmatch(row["factor_id"]), _PROVINCE_ZH.fullmatch(row["name_zh"])
        if match and zh and " provincial " in row["name_en"]:
            slug = match[2]
            for spelling in (slug, zh[1], row["name_en"].split(" provincial ")[0]):
                names[_fold(spelling)] = slug
    for row in _rows("grid_regions.csv", folder=""):
        english = re.split(r"[()]", row["name_en"])  # "Tibet (Xizang)" -> Tibet, Xizang
        for spelling in (row["province"], row["name_zh"], *english):
            if spelling.strip():
                names.setdefault(_fold(spelling), row["province"])
    return names


@cache
def _transport_modes() -> tuple[str, ...]:
    return tuple(
        m[1] for row in _rows("gbt51366_2019.csv") if (m := _TRANSPORT_ID.fullmatch(row["factor_id"]))
    )


def _fold(text: str) -> str:
    """Case, width and separators ignored: "Inner Mongolia", "inner_mongolia", "INNER-MONGOLIA" fold alike."""
    return re.sub(r"[\s_\-'’·]+", "", unicodedata.normalize("NFKC", text).casefold())


def _name_key(material: str) -> str:
    """A material name with case, width and outer spaces ignored (how overrides are matched)."""
    return unicodedata.normalize("NFKC", material).strip().casefold()


def _province_slug(text: str) -> str | None:
    names, key = _provinces(), _fold(text)
    candidates = [key] + [key[: -len(s)] for s in (*_ZH_SUFFIXES, *_LATIN_SUFFIXES) if key.endswith(s)]
    return next((names[c] for c in candidates if c in names), None)


# -- reading ---------------------------------------------------------------------------------------


class Reader:
    """Checks a parsed document against `_SECTIONS`, collecting every problem with its line."""

    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self.lines = KeyLines(text)
        self.found: list[tuple[int, str, str | None]] = []  # line, "file:line: key: problem", hint

    def problem(
        self, path: _KeyPath, message: str, hint: str | None = None, *, line: int | None = None
    ) -> None:
        line = self.lines.line(path) if line is None else line
        where = f"{self.display}:{line}: {_dotted(path)}: " if path else f"{self.display}:{line}: "
        self.found.append((line, where + message, hint))

    def raise_problems(self) -> None:
        if not self.found:
            return
        found = sorted(self.found, key=lambda item: item[0])
        if len(found) == 1:
            raise ConfigError(found[0][1], hint=found[0][2])
        lines = [text + (f" ({hint})" if hint else "") for _, text, hint in found]
        raise ConfigError("\n".join(lines), problems=[text for _, text, _ in found])

    def syntax(self, error: tomllib.TOMLDecodeError) -> None:
        """A syntax error at tomllib's line (Python 3.14 carries it as attributes, earlier in the text)."""
        message = str(getattr(error, "msg", None) or error)
        line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
        path: _KeyPath | None = None
        if at := re.search(r"\s*\(at line (\d+), column (\d+)\)$", message):
            line, column, message = int(at[1]), int(at[2]), message[: at.start()]
        elif at := re.search(r"\s*\(at end of document\)$", message):
            line, column = self.lines.last, None
            message = message[: at.start()] + " at the end of the file"
            path = self.lines.key_before(line)  # the key whose value was left open
        line = line or 1
        text = f"TOML syntax error: {message}" + (f" (column {column})" if column else "")
        hint = "a key may be set only once in a table" if "overwrite" in message else None
        self.problem(self.lines.key_at(line) if path is None else path, text, hint, line=line)

    def settings(self, document: Mapping[str, Any]) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        for name, value in document.items():
            if name == "materials":
                parts[name] = self.materials(value)
            elif name in _SECTIONS:
                cls, rules = _SECTIONS[name]
                if isinstance(value, dict):
                    parts[name] = cls(**self.table((name,), value, rules))
                else:
                    self.problem((name,), f"expected a table ([{name}]), got {describe(value)}")
            else:
                self.unknown_section(name, value)
        self.cross_check(document, parts)
        return parts

    def unknown_section(self, name: str, value: object) -> None:
        owners = [section for section, (_, rules) in _SECTIONS.items() if name in rules]
        if owners:
            hint = f"a key of [{owners[0]}]: write it under [{owners[0]}]"
        else:
            hint = suggest(name, [*_SECTIONS, "materials"], "sections", decorate="[{}]")
        self.problem((name,), "unknown section" if isinstance(value, dict) else "unknown key", hint)

    def table(self, path: _KeyPath, table: Mapping[str, Any], rules: Mapping[str, Rule]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, raw in table.items():
            rule = rules.get(key)
            if rule is None:
                self.problem((*path, key), "unknown key", suggest(key, rules, f"keys of {_header(path)}"))
                continue
            value = self.value((*path, key), raw, rule)
            if value is not _INVALID:
                values[key] = value
        return values

    def materials(self, raw: object) -> tuple[MaterialOverride, ...]:
        if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
            self.problem(("materials",), f"expected an array of tables ([[materials]]), got {describe(raw)}")
            return ()
        entries: list[MaterialOverride] = []
        first_line: dict[str, int] = {}
        for index, entry in enumerate(raw):
            path: _KeyPath = ("materials", index)
            values = self.table(path, entry, _MATERIAL_RULES)
            if "material" not in entry:
                self.problem(path, 'missing key "material" (the material name as the model writes it)')
            name = values.get("material")
            if name is None:
                continue
            key = _name_key(name)
            if key in first_line:
                message = f'duplicate override for material "{name}" (first at line {first_line[key]})'
                self.problem((*path, "material"), message, "one [[materials]] entry per material")
                continue
            first_line[key] = self.lines.line((*path, "material"))
            if values.get("recycled_low_value") and "recycled_share" not in entry:
                self.problem((*path, "recycled_low_value"), "needs recycled_share (the share it applies to)")
            entries.append(MaterialOverride(**values))
        return tuple(entries)

    def cross_check(self, document: Mapping[str, Any], parts: Mapping[str, Any]) -> None:
        raw_building = document.get("building")
        has_province = isinstance(raw_building, dict) and "province" in raw_building
        operation = parts.get("operation")
        if operation is None:
            return
        if operation.grid_factor == "province" and not has_province:
            self.problem(("operation", "grid_factor"), '"province" needs building.province')
        if operation.district_heat_gj is not None and operation.district_heat_factor_kgco2_per_gj is None:
            self.problem(
                ("operation", "district_heat_gj"),
                "needs operation.district_heat_factor_kgco2_per_gj (GB/T 51366 gives no heat factor)",
            )

    def value(self, path: _KeyPath, raw: object, rule: Rule) -> Any:
        expected = {
            "number": f"a number ({rule.unit})",
            "text": "a string",
            "flag": "true or false",
            "choice": "a string",
            "province": 'a province name ("北京", "beijing")',
            "grid": 'a grid-factor key ("national-2023", "province") or a number (kgCO2/kWh)',
            "mode": 'a transport mode ("road_diesel_18t")',
            "names": 'a list of check ids (["intensity_range"])',
        }[rule.kind]
        if rule.kind == "names":
            if isinstance(raw, list) and all(isinstance(n, str) and n.strip() for n in raw):
                return tuple(n.strip() for n in raw)
            self.problem(path, f"expected {expected}, got {describe(raw)}")
            return _INVALID
        if rule.kind == "flag" and isinstance(raw, bool):
            return raw
        if rule.kind == "number" or (rule.kind == "grid" and _is_number(raw)):
            return self.number(path, raw, _GRID_NUMBER if rule.kind == "grid" else rule)
        if not isinstance(raw, str) or rule.kind == "flag":
            self.problem(path, f"expected {expected}, got {describe(raw)}")
            return _INVALID
        if not raw.strip():
            self.problem(path, "must not be empty")
            return _INVALID
        if rule.kind == "text":
            return raw.strip()
        if rule.kind == "choice":
            return self.choice(path, raw, rule)
        if rule.kind == "province":
            slug = _province_slug(raw)
            if slug is None:
                hint = suggest(raw, sorted(set(_provinces().values())), "provinces")
                self.problem(
                    path, f'unknown province "{raw}" (not in energy_cn.csv or grid_regions.csv)', hint
                )
                return _INVALID
            return slug
        allowed = (*_grid_keys(), "province") if rule.kind == "grid" else _transport_modes()
        key = raw.strip().casefold()
        if (full := _GRID_ID.fullmatch(key)) and rule.kind == "grid":
            key = f"{full[2]}-{full[1]}"
        elif (full := _TRANSPORT_ID.fullmatch(raw.strip())) and rule.kind == "mode":
            key = full[1]
        if key in allowed:
            return key
        what = "grid-factor key" if rule.kind == "grid" else "transport mode"
        shown = list(allowed)
        if rule.kind == "grid":  # the national and regional keys; the provincial ones by pattern
            provinces = set(_provinces().values())
            shown = [k for k in allowed if k.rsplit("-", 1)[0] not in provinces] + ["<province>-<year>"]
        self.problem(path, f'unknown {what} "{raw}"', suggest(key, allowed, "known", shown=shown))
        return _INVALID

    def number(self, path: _KeyPath, raw: object, rule: Rule) -> Any:
        if not _is_number(raw):
            self.problem(path, f"expected a number ({rule.unit}), got {describe(raw)}")
            return _INVALID
        value = float(raw)
        if not math.isfinite(value):
            self.problem(path, f"must be a finite number, got {raw}")
            return _INVALID
        too_low = rule.low is not None and (value < rule.low or (rule.strict and value == rule.low))
        if too_low or (rule.high is not None and value > rule.high):
            self.problem(path, f"must be {_range(rule)}, got {raw}", _range_hint(rule))
            return _INVALID
        return value

    def choice(self, path: _KeyPath, raw: str, rule: Rule) -> Any:
        key = re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", raw).strip().casefold())
        for value, spellings in rule.choices:
            if key == value or key in spellings:
                return value
        values = [value for value, _ in rule.choices]
        self.problem(path, f'unknown value "{raw}"', suggest(key, values, "one of"))
        return _INVALID


def _is_number(raw: object) -> TypeGuard[int | float]:
    return isinstance(raw, int | float) and not isinstance(raw, bool)


def describe(raw: object) -> str:
    """A TOML value as the user wrote it: 'string "abc"', 'boolean true', 'an array'."""
    if isinstance(raw, bool):
        return f"boolean {str(raw).lower()}"
    if isinstance(raw, int | float):
        return f"{'integer' if isinstance(raw, int) else 'float'} {raw}"
    if isinstance(raw, str):
        return f'string "{raw}"'
    if isinstance(raw, list):
        return "an array"
    return "a table" if isinstance(raw, dict) else "a date/time"


def _range(rule: Rule) -> str:
    if rule.low is not None and rule.high is not None and not rule.strict:
        return f"between {rule.low:g} and {rule.high:g}"
    parts = [] if rule.low is None else [f"{'>' if rule.strict else '≥'} {rule.low:g}"]
    parts += [] if rule.high is None else [f"≤ {rule.high:g}"]
    return " and ".join(parts) + (f" ({rule.unit})" if rule.unit and rule.unit != "share" else "")


def _range_hint(rule: Rule) -> str | None:
    if rule is _GRID_NUMBER:
        return "a grid factor is in kgCO2/kWh (0.5306, not 530.6 g/kWh)"
    return "a share is a fraction: 0.3 for 30 %" if rule.unit == "share" else None


def suggest(
    word: str, options: Iterable[str], what: str, *, decorate: str = "{}", shown: Iterable[str] | None = None
) -> str:
    options = list(options)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {decorate.format(close[0])}?"
    return f"{what}: " + ", ".join(decorate.format(o) for o in (options if shown is None else shown))


def _dotted(path: _KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _header(path: _KeyPath) -> str:
    return "[[materials]]" if path and path[0] == "materials" else f"[{_dotted(path)}]"
