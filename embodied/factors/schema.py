"""Records of the factor database, and the descriptor (datapackage.yaml) that checks its files.

Validation is lazy, in the manner of frictionless: a file is read to its end and every problem is
collected as a ``DataProblem(file, line, message)``; nothing stops at the first one. CSV line numbers
count the header as line 1; YAML line numbers are those of the key or list item concerned.

The vocabulary (units, modules, data types, verification levels, categories) is data, read from
datapackage.yaml; this module holds no domain number.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml

from embodied.resources import MATERIAL_DB

V = TypeVar("V")
DESCRIPTOR = "datapackage.yaml"
DEFAULT_ROOT = MATERIAL_DB  # inside the installed package, or the checkout's (embodied.resources)

# libyaml (C) when PyYAML was built with it: the same nodes and marks, much faster
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class DataProblem:
    """One problem in one data file; ``line`` is None when it concerns the whole file."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    publisher: str
    edition: str | None
    year: int | None
    url: str | None
    licence: str
    redistributable: bool
    citation: str
    verification: str
    notes: str


@dataclass(frozen=True, slots=True)
class Factor:
    """One emission factor for one declared unit (kgCO2e per unit; energy rows are CO2 only)."""

    factor_id: str
    source_id: str
    source_ref: str
    name_zh: str
    name_en: str
    category: str
    declared_unit: str
    gwp_kgco2e_per_unit: float
    module: str
    data_type: str
    verification: str
    density_kg_m3: float | None
    notes: str
    pack: str  # "default", or the path of the user pack it came from


@dataclass(frozen=True, slots=True)
class Density:
    category: str
    density_kg_m3: float
    source_id: str
    source_ref: str
    verification: str
    notes: str


@dataclass(frozen=True, slots=True)
class Alias:
    """A name that maps to a factor; priority 0 is the strongest; empty ifc_classes = any class."""

    alias: str
    factor_id: str
    lang: str
    priority: int
    ifc_classes: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True)
class CategoryKeyword:
    """A word of a material name that tells its kind (category_keywords.csv): for estimates only."""

    keyword: str
    category: str
    lang: str
    notes: str
    line: int | None = None  # in category_keywords.csv, for messages


@dataclass(frozen=True, slots=True)
class Field:
    """One column of a table schema (a subset of frictionless Table Schema)."""

    name: str
    type: str  # string | number | integer | boolean
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    exclusive_minimum: float | None = None

    def parse(self, raw: str) -> tuple[Any, str | None]:
        """The typed value of one cell and the problem with it, if any. Empty is '' or None."""
        text = raw.strip()
        if not text:
            return ("" if self.type == "string" else None), (
                f"{self.name} is empty" if self.required else None
            )
        if self.type == "string":
            return text, self._check_string(text)
        if self.type == "boolean":
            if text.lower() not in ("true", "false"):
                return None, f"{self.name} {text!r} is not true or false"
            return text.lower() == "true", None
        try:
            number = int(text) if self.type == "integer" else float(text)
        except ValueError:
            return (
                None,
                f"{self.name} {text!r} is not a{'n integer' if self.type == 'integer' else ' number'}",
            )
        if not math.isfinite(number):
            return None, f"{self.name} {text!r} is not a finite number"
        return number, self._check_number(number)

    def _check_string(self, text: str) -> str | None:
        if self.enum is not None and text not in self.enum:
            shown = ", ".join(self.enum) if len(self.enum) <= 12 else "the list in datapackage.yaml"
            return f"{self.name} {text!r} is not one of {shown}"
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            return f"{self.name} {text!r} does not match {self.pattern}"
        return None

    def _check_number(self, number: float) -> str | None:
        if self.minimum is not None and number < self.minimum:
            return f"{self.name} {number:g} is below {self.minimum:g}"
        if self.exclusive_minimum is not None and number <= self.exclusive_minimum:
            return f"{self.name} {number:g} must be above {self.exclusive_minimum:g}"
        return None


@dataclass(frozen=True, slots=True)
class TableSchema:
    name: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def header_problems(self, header: list[str], *, all_columns: bool) -> list[str]:
        """Columns missing (all, or only the required ones) and columns the schema does not know."""
        names = [f.name for f in self.fields]
        wanted = names if all_columns else [f.name for f in self.fields if f.required]
        found = [h.strip() for h in header]
        problems = [f"column {n!r} is missing" for n in wanted if n not in found]
        problems += [f"column {h!r} is not in schema {self.name!r}" for h in found if h and h not in names]
        problems += [f"column {h!r} appears twice" for h in sorted(set(found)) if h and found.count(h) > 1]
        return problems

    def row(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
        """Typed values of one row (every schema field present) and the problems found in it."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for f in self.fields:
            value, problem = f.parse(cells.get(f.name, ""))
            values[f.name] = value
            if problem:
                problems.append(problem)
        return values, problems


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    path: str
    format: str  # csv | yaml
    schema: str | None
    required: bool


@dataclass(frozen=True)
class Package:
    """datapackage.yaml, read: resources, table schemas (enum_ref resolved) and the category list."""

    root: Path
    name: str
    version: str
    resources: tuple[Resource, ...]
    schemas: Mapping[str, TableSchema]
    categories: Mapping[str, bool]  # category -> needs a density
    default_method: str

    def resource(self, name: str) -> Resource | None:
        return next((r for r in self.resources if r.name == name), None)

    def display(self, relative: str) -> str:
        """How a file of the database is named in problems: '<root folder>/<relative path>'."""
        return f"{self.root.name}/{relative}"

    def enum(self, schema: str, field: str) -> tuple[str, ...]:
        return self.schemas[schema].field(field).enum or ()


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    values: Mapping[str, Any]


@dataclass(frozen=True)
class YamlDoc:
    """A YAML document and the line of every key / item, addressed by its path of keys and indices."""

    data: Any
    lines: Mapping[tuple[str | int, ...], int]

    def line(self, *path: str | int) -> int | None:
        return self.lines.get(path)


def by_category(table: Mapping[str, V], category: str) -> tuple[str, V] | None:
    """The entry of the longest prefix of `category` ("a/b/c", then "a/b", then "a"), with its key;
    None when no prefix is in `table` (how every per-category table of the data is read)."""
    parts = category.split("/")
    for n in range(len(parts), 0, -1):
        key = "/".join(parts[:n])
        if key in table:
            return key, table[key]
    return None


def read_yaml(path: Path, display: str) -> tuple[YamlDoc | None, list[DataProblem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [DataProblem(display, None, f"cannot be read: {exc.strerror or exc}")]
    loader = LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [DataProblem(display, mark.line + 1 if mark else None, f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _walk(node, (), lines)
    return YamlDoc(data, MappingProxyType(lines)), []


def _walk(node: yaml.Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, str(key.value))] = key.start_mark.line + 1
            _walk(value, (*path, str(key.value)), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines)


def read_csv(path: Path, display: str) -> tuple[list[str], list[tuple[int, list[str]]], list[DataProblem]]:
    """Header, and (line, cells) for every non-blank row; a BOM (as Excel writes) is accepted."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            rows = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [], [], [DataProblem(display, None, f"cannot be read as UTF-8 CSV: {exc}")]
    return [h.strip() for h in header], rows, []


def check_rows(
    display: str,
    schema: TableSchema,
    header: list[str],
    rows: Iterable[tuple[int, Sequence[str]]],
    *,
    all_columns: bool = True,
) -> tuple[list[Row], list[DataProblem]]:
    """Validate a table against its schema; rows with a problem are reported and left out."""
    problems = [DataProblem(display, 1, m) for m in schema.header_problems(header, all_columns=all_columns)]
    if not header:
        return [], [DataProblem(display, 1, "the header line is missing")]
    good: list[Row] = []
    seen: dict[tuple[Any, ...], int] = {}
    for line, cells in rows:
        values, messages = schema.row(dict(zip(header, cells, strict=False)))
        if any(c.strip() for c in cells[len(header) :]):
            messages.append(f"{len(cells)} cells but {len(header)} header columns")
        key = tuple(values[k] for k in schema.primary_key)
        if not messages and key in seen:
            messages.append(
                f"duplicate {'/'.join(schema.primary_key)} {_show(key)} (first on line {seen[key]})"
            )
        problems += [DataProblem(display, line, m) for m in messages]
        if not messages:
            seen[key] = line
            good.append(Row(line, MappingProxyType(values)))
    return good, problems


def _show(key: tuple[Any, ...]) -> str:
    return repr(key[0]) if len(key) == 1 else repr(key)


def read_package(root: Path) -> tuple[Package | None, list[DataProblem]]:
    """Read datapackage.yaml; None (with the problems) when it cannot describe the other files."""
    display = f"{root.name}/{DESCRIPTOR}"
    doc, problems = read_yaml(root / DESCRIPTOR, display)
    if doc is None:
        return None, problems
    data = doc.data
    if not isinstance(data, dict):
        return None, [DataProblem(display, None, "is not a mapping")]
    missing = [k for k in ("name", "version", "resources", "schemas", "categories") if k not in data]
    if missing:
        return None, [DataProblem(display, None, f"lacks {', '.join(missing)}")]
    try:
        categories = {str(c["id"]): bool(c.get("needs_density", False)) for c in data["categories"]}
        schemas = {
            name: _schema(name, spec, {"categories": tuple(categories)})
            for name, spec in data["schemas"].items()
        }
        resources = tuple(
            Resource(
                str(r["name"]),
                str(r["path"]),
                str(r["format"]),
                r.get("schema"),
                bool(r.get("required", True)),
            )
            for r in data["resources"]
        )
    except (KeyError, TypeError, AttributeError) as exc:
        return None, [DataProblem(display, None, f"malformed descriptor ({type(exc).__name__}: {exc})")]
    for index, r in enumerate(resources):
        if r.schema is not None and r.schema not in schemas:
            problems.append(
                DataProblem(display, doc.line("resources", index), f"unknown schema {r.schema!r}")
            )
    package = Package(
        root=root,
        name=str(data["name"]),
        version=str(data["version"]),
        resources=resources,
        schemas=MappingProxyType(schemas),
        categories=MappingProxyType(categories),
        default_method=str(data.get("default_method", "method")),
    )
    return package, problems


def _schema(name: str, spec: Mapping[str, Any], enums: Mapping[str, tuple[str, ...]]) -> TableSchema:
    fields = []
    for f in spec["fields"]:
        enum = f.get("enum")
        if "enum_ref" in f:
            enum = enums[f["enum_ref"]]
        fields.append(
            Field(
                name=str(f["name"]),
                type=str(f.get("type", "string")),
                required=bool(f.get("required", False)),
                enum=tuple(str(e) for e in enum) if enum is not None else None,
                pattern=f.get("pattern"),
                minimum=f.get("minimum"),
                exclusive_minimum=f.get("exclusiveMinimum"),
            )
        )
    return TableSchema(name, tuple(fields), tuple(spec.get("primaryKey", ())))
