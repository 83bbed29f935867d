"""The park file (``park.toml``): the park's name and target, its own renewable generation, and which
project file each building uses. Checked like ``embodied.toml``: every problem is one
``<file>:<line>: <dotted.key>: <problem>`` line (``ConfigError``), all of them at once.

    [park]
    name = "Zero-carbon park"          # default: the folder's name
    province = "内蒙古"                 # optional; a province with a grid factor, as in embodied.toml
    renewable_target_share = 0.8       # the Inner Mongolia zero-carbon park standard asks >= 80 %

    [operation]
    renewable_kwh = 1200000            # annual park-level generation (PV, wind) in no building's file

    [[building]]
    model = "a.ifc"                    # relative to park.toml
    config = "a.toml"                  # its embodied.toml; default: embodied.toml beside the model
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embodied.project.reader import SHARE, TEXT, Reader, Rule, describe, number, read_toml, suggest

PARK_FILE = "park.toml"  # looked for inside a DIR argument
DEFAULT_TARGET = 0.8  # renewable share the Inner Mongolia zero-carbon park standard asks for

_PARK_RULES = {"name": TEXT, "province": Rule("province"), "renewable_target_share": SHARE}
_OPERATION_RULES = {"renewable_kwh": number("kWh/a")}
_BUILDING_RULES = {"model": TEXT, "config": TEXT}
_SECTIONS: dict[str, Mapping[str, Rule]] = {"park": _PARK_RULES, "operation": _OPERATION_RULES}


@dataclass(frozen=True, slots=True)
class BuildingEntry:
    """One ``[[building]]``: a model (resolved against the park file's folder) and its project file."""

    model: Path
    config: Path | None
    line: int  # where the entry's model is written, for errors naming it


@dataclass(frozen=True, slots=True)
class ParkConfig:
    name: str | None = None
    province: str | None = None  # grid-factor slug, as embodied.toml stores it
    renewable_target_share: float = DEFAULT_TARGET
    renewable_kwh: float | None = None  # annual park-level generation, outside every building's file
    buildings: tuple[BuildingEntry, ...] = ()
    source: str | None = None  # the file read; None: defaults
    sha256: str | None = None  # of its bytes

    def entry_for(self, model: Path) -> BuildingEntry | None:
        resolved = model.resolve()
        return next((b for b in self.buildings if b.model == resolved), None)


def load_park_config(path: Path) -> ParkConfig:
    """The park file at `path`; ConfigError lists every problem as ``file:line: key: problem``."""
    display = str(path)
    data, reader, document = read_toml(path, "park file", hint="--config names a park file (TOML)")
    values: dict[str, Any] = {}
    buildings: tuple[BuildingEntry, ...] = ()
    for name, value in document.items():
        if name == "building":
            buildings = _buildings(reader, value, path.parent)
        elif name in _SECTIONS:
            if isinstance(value, dict):
                values |= reader.table((name,), value, _SECTIONS[name])
            else:
                reader.problem((name,), f"expected a table ([{name}]), got {describe(value)}")
        else:
            owners = [s for s, rules in _SECTIONS.items() if name in rules]
            hint = (
                f"a key of [{owners[0]}]: write it under [{owners[0]}]"
                if owners
                else suggest(name, [*_SECTIONS, "building"], "sections", decorate="[{}]")
            )
            reader.problem((name,), "unknown section" if isinstance(value, dict) else "unknown key", hint)
    reader.raise_problems()
    return ParkConfig(**values, buildings=buildings, source=display, sha256=hashlib.sha256(data).hexdigest())


def _buildings(reader: Reader, raw: object, folder: Path) -> tuple[BuildingEntry, ...]:
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        reader.problem(("building",), f"expected an array of tables ([[building]]), got {describe(raw)}")
        return ()
    entries: list[BuildingEntry] = []
    seen: dict[Path, int] = {}
    for index, entry in enumerate(raw):
        path = ("building", index)
        values = reader.table(path, entry, _BUILDING_RULES)
        if "model" not in entry:
            reader.problem(path, 'missing key "model" (the model file, relative to the park file)')
        if "model" not in values:
            continue
        line = reader.lines.line((*path, "model"))
        model = (folder / values["model"]).resolve()
        if model in seen:
            message = f'duplicate entry for model "{values["model"]}" (first at line {seen[model]})'
            reader.problem((*path, "model"), message, "one [[building]] entry per model")
            continue
        seen[model] = line
        if not model.is_file():
            reader.problem((*path, "model"), f'model "{values["model"]}" not found beside the park file')
            continue
        config = values.get("config")
        if config is not None and not (folder / config).is_file():
            reader.problem((*path, "config"), f'project file "{config}" not found beside the park file')
            continue
        entries.append(BuildingEntry(model, (folder / config).resolve() if config else None, line))
    return tuple(entries)


def find_park_config(directory: Path | None, explicit: Path | None) -> ParkConfig:
    """`explicit` (it must exist), else park.toml inside the DIR argument, else the defaults."""
    if explicit is not None:
        return load_park_config(explicit)
    if directory is not None and (directory / PARK_FILE).is_file():
        return load_park_config(directory / PARK_FILE)
    return ParkConfig()
