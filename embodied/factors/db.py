"""The factor database: material_db/ (and user packs) read into one read-only ``FactorDB``.

    load(root=None, packs=())   -> FactorDB            raises DatabaseError listing every problem
    check(root=None, packs=())  -> list[DataProblem]   the same checks, every problem, never raised

What is checked, all at once: every file against its schema in datapackage.yaml (enums, patterns,
numbers, gwp not negative), factor ids unique across all files and packs, every source_id in
sources.yaml and redistributable (user packs excepted), no derived or supplementary value labelled
with a standard's source, every alias pointing to a factor, every derived factor recomputed from its
recipe and every recipe naming a derived factor, densities for the categories that need one,
grades naming existing factors, method parameters with a source and a verification, category keywords
naming categories of the closed list, no data file left undescribed. aliases.csv, grades.yaml and
category_keywords.csv may be missing (read as empty).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from embodied.errors import DatabaseError
from embodied.factors.packs import collect_pack
from embodied.factors.recipes import check_recipes
from embodied.factors.schema import (
    DEFAULT_ROOT,
    DESCRIPTOR,
    Alias,
    CategoryKeyword,
    DataProblem,
    Density,
    Factor,
    Row,
    Source,
    YamlDoc,
    check_rows,
    read_csv,
    read_package,
    read_yaml,
)

NOT_DATA = frozenset({DESCRIPTOR, "README.md", "CHANGELOG.md"})
SOURCE_KEYS = ("id", "title", "publisher", "licence", "redistributable", "citation", "verification")


@dataclass(frozen=True)
class FactorDB:
    """Everything material_db/ holds, checked, plus the user packs loaded beside it (in order)."""

    version: str
    root: Path
    sources: Mapping[str, Source]
    factors: Mapping[str, Factor]
    densities: Mapping[str, Density]
    aliases: tuple[Alias, ...]
    grades: Mapping[str, Any]
    method: Mapping[str, Any]
    recipes: Mapping[str, Any]
    packs: tuple[str, ...]
    category_keywords: tuple[CategoryKeyword, ...] = ()  # name words -> category, for mass estimates

    def parameter(self, key: str) -> float:
        """A numeric parameter of the default method file (methods/gbt51366_2019.yaml), e.g.
        coverage_min_mass_share 0.95; DatabaseError when it is missing or not a number (never a
        default written in code: material_db is the only home of domain numbers)."""
        entry = self.method.get(key)
        value = entry.get("value") if isinstance(entry, Mapping) else None
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise DatabaseError([f"{self.root.name}/methods: parameter {key} has no numeric value"])
        return float(value)

    def density_for(self, factor: Factor) -> tuple[float, str] | None:
        """The factor's own density, else that of the longest category prefix in densities.csv,
        with where it came from; None when neither has one."""
        if factor.density_kg_m3 is not None:
            return factor.density_kg_m3, f"{factor.factor_id} ({factor.source_id})"
        return self.category_density(factor.category)

    def category_density(self, category: str) -> tuple[float, str] | None:
        """The density of the longest prefix of `category` in densities.csv, with where it came from
        ("densities.csv:concrete (gb50009_2012)"); None when no prefix has one."""
        parts = category.split("/")
        for n in range(len(parts), 0, -1):
            density = self.densities.get("/".join(parts[:n]))
            if density is not None:
                return density.density_kg_m3, f"densities.csv:{density.category} ({density.source_id})"
        return None

    def search(self, text: str) -> list[Factor]:
        """Factors whose id or names contain `text` (full/half width, case and spacing ignored)."""
        needle = _fold(text)
        return [
            f
            for f in self.factors.values()
            if any(needle in _fold(s) for s in (f.factor_id, f.name_zh, f.name_en))
        ]


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def load(root: Path | None = None, packs: Sequence[Path] = ()) -> FactorDB:
    """The database at `root` (default: material_db/) and `packs`; DatabaseError if any problem."""
    db, problems = _Build(root or DEFAULT_ROOT, packs).run()
    if problems or db is None:
        raise DatabaseError(
            problems, hint="each line names file:line; fix them, or run the check to list them"
        )
    return db


def check(root: Path | None = None, packs: Sequence[Path] = ()) -> list[DataProblem]:
    """Every problem of the database at `root` with `packs`; empty when it loads cleanly."""
    return _Build(root or DEFAULT_ROOT, packs).run()[1]


class _Build:
    """One pass over the files; each step reads a file, keeps its good rows and records its problems."""

    def __init__(self, root: Path, packs: Sequence[Path]) -> None:
        self.root = root
        self.pack_paths = tuple(packs)
        self.problems: list[DataProblem] = []
        self.rows: dict[str, tuple[str, int | None]] = {}  # factor id -> (file, line)
        self.standard_sources: set[str] = set()  # sources cited by data_type standard rows

    def edition(self, text: str) -> str:
        """A source's edition; "{version}" in it (the project's own data) is this database's version."""
        return text.replace("{version}", self.pkg.version)

    def run(self) -> tuple[FactorDB | None, list[DataProblem]]:
        package, self.problems = read_package(self.root)
        if package is None:
            return None, self.problems
        self.pkg = package
        self.unlisted_files()
        sources = self.sources()
        factors = self.factor_tables(sources)
        pack_aliases = self.packs(factors, sources)
        recipes = self.yaml("recipes")
        self.problems += check_recipes(recipes, self.display("recipes"), factors, self.rows, sources)
        db = FactorDB(
            version=package.version,
            root=self.root,
            sources=MappingProxyType(sources),
            factors=MappingProxyType(factors),
            densities=MappingProxyType(self.densities(sources)),
            aliases=self.aliases(factors) + pack_aliases,
            grades=MappingProxyType(self.grades(factors)),
            method=MappingProxyType(self.method(sources)),
            recipes=MappingProxyType(recipes.data if isinstance(recipes.data, dict) else {}),
            packs=tuple(str(p) for p in self.pack_paths),
            category_keywords=self.category_keywords(),
        )
        return db, self.problems

    # -- files ---------------------------------------------------------------------------------------
    def display(self, resource: str) -> str:
        r = self.pkg.resource(resource)
        return self.pkg.display(r.path if r else resource)

    def problem(self, file: str, line: int | None, message: str) -> None:
        self.problems.append(DataProblem(file, line, message))

    def present(self, resource: str) -> Path | None:
        """The resource's file, or None (a problem when the file is required, or the resource unknown)."""
        r = self.pkg.resource(resource)
        if r is None:
            self.problem(self.pkg.display(DESCRIPTOR), None, f"no resource named {resource!r}")
            return None
        path = self.root / r.path
        if not path.is_file():
            if r.required:
                self.problem(self.pkg.display(r.path), None, "file is missing")
            return None
        return path

    def table(self, resource: str) -> list[Row]:
        path = self.present(resource)
        r = self.pkg.resource(resource)
        if path is None or r is None or r.schema is None or r.schema not in self.pkg.schemas:
            return []
        display = self.pkg.display(r.path)
        header, cells, problems = read_csv(path, display)
        rows, row_problems = (
            ([], []) if problems else check_rows(display, self.pkg.schemas[r.schema], header, cells)
        )
        self.problems += problems + row_problems
        return rows

    def yaml(self, resource: str) -> YamlDoc:
        path = self.present(resource)
        if path is None:
            return YamlDoc(None, {})
        doc, problems = read_yaml(path, self.display(resource))
        self.problems += problems
        return doc or YamlDoc(None, {})

    def unlisted_files(self) -> None:
        listed = {r.path for r in self.pkg.resources}
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root).as_posix()
            hidden = any(part.startswith((".", "__")) for part in path.relative_to(self.root).parts)
            if path.is_file() and not hidden and relative not in listed and path.name not in NOT_DATA:
                self.problem(self.pkg.display(relative), None, "data file not described in datapackage.yaml")

    # -- steps ---------------------------------------------------------------------------------------
    def sources(self) -> dict[str, Source]:
        doc, display = self.yaml("sources"), self.display("sources")
        if not isinstance(doc.data, list):
            if doc.data is not None:
                self.problem(display, None, "must be a list of sources")
            return {}
        sources: dict[str, Source] = {}
        for index, entry in enumerate(doc.data):
            line = doc.line(index)
            missing = [k for k in SOURCE_KEYS if not isinstance(entry, dict) or entry.get(k) in (None, "")]
            if missing:
                self.problem(display, line, f"source lacks {', '.join(missing)}")
                continue
            if not isinstance(entry["redistributable"], bool):
                self.problem(
                    display, doc.line(index, "redistributable"), "redistributable must be true or false"
                )
                continue
            if entry["id"] in sources:
                self.problem(display, line, f"duplicate source id {entry['id']!r}")
                continue
            sources[str(entry["id"])] = Source(
                id=str(entry["id"]),
                title=str(entry["title"]),
                publisher=str(entry["publisher"]),
                edition=None if entry.get("edition") is None else self.edition(str(entry["edition"])),
                year=entry.get("year") if isinstance(entry.get("year"), int) else None,
                url=entry.get("url"),
                licence=str(entry["licence"]),
                redistributable=entry["redistributable"],
                citation=str(entry["citation"]),
                verification=str(entry["verification"]),
                notes=str(entry.get("notes") or ""),
            )
        return sources

    def factor_tables(self, sources: Mapping[str, Source]) -> dict[str, Factor]:
        factors: dict[str, Factor] = {}
        tables = [r for r in self.pkg.resources if r.schema == "factor"]
        loaded = [(self.pkg.display(r.path), row) for r in tables for row in self.table(r.name)]
        standard_sources = {
            row.values["source_id"] for _, row in loaded if row.values["data_type"] == "standard"
        }
        self.standard_sources = standard_sources
        for display, row in loaded:
            factor = _factor(row.values, "default")
            messages = self.factor_problems(factor, factors, sources)
            source = sources.get(factor.source_id)
            if source is not None and not source.redistributable:
                messages.append(f"source {factor.source_id!r} is not redistributable: it cannot ship here")
            if factor.data_type != "standard" and factor.source_id in standard_sources:
                messages.append(
                    f"a {factor.data_type} value must not cite the standard's source {factor.source_id!r}"
                )
            if factor.factor_id.startswith("user:"):
                messages.append("user:* ids belong in user packs, not in material_db/")
            self.problems += [DataProblem(display, row.line, m) for m in messages]
            if not messages:
                factors[factor.factor_id] = factor
                self.rows[factor.factor_id] = (display, row.line)
        return factors

    def factor_problems(
        self, factor: Factor, factors: Mapping[str, Factor], sources: Mapping[str, Any]
    ) -> list[str]:
        messages = []
        if factor.factor_id in factors:
            file, line = self.rows[factor.factor_id]
            messages.append(f"duplicate factor_id {factor.factor_id!r} (first at {file}:{line})")
        if factor.source_id not in sources:
            messages.append(f"source_id {factor.source_id!r} is not in sources.yaml")
        if (factor.data_type == "derived") != factor.factor_id.startswith("derived:"):
            messages.append("derived:* ids and data_type derived go together")
        if not (factor.name_zh or factor.name_en):
            messages.append("name_zh and name_en are both empty")
        return messages

    def packs(self, factors: dict[str, Factor], sources: Mapping[str, Source]) -> tuple[Alias, ...]:
        aliases: list[Alias] = []
        for path in self.pack_paths:
            pack, where, problems = collect_pack(path, self.pkg)
            self.problems += problems
            for factor in pack.factors:
                line, prefix = where[factor.factor_id]
                messages = [prefix + m for m in self.factor_problems(factor, factors, sources)]
                self.problems += [DataProblem(str(path), line, m) for m in messages]
                if not messages:
                    factors[factor.factor_id] = factor
                    self.rows[factor.factor_id] = (str(path), line)
            aliases += [a for a in pack.aliases if a.factor_id in factors]
        return tuple(aliases)

    def densities(self, sources: Mapping[str, Source]) -> dict[str, Density]:
        display = self.display("densities")
        densities: dict[str, Density] = {}
        rows = self.table("densities")
        for row in rows:
            d = Density(**{f.name: row.values[f.name] for f in fields(Density)})
            source = sources.get(d.source_id)
            if source is None:
                self.problem(display, row.line, f"source_id {d.source_id!r} is not in sources.yaml")
            elif not source.redistributable or d.source_id in self.standard_sources:
                self.problem(display, row.line, f"a density cannot cite {d.source_id!r}")
            else:
                densities[d.category] = d
        if rows:
            for category, needs in self.pkg.categories.items():
                parts = category.split("/")
                if needs and not any("/".join(parts[:n]) in densities for n in range(1, len(parts) + 1)):
                    self.problem(display, None, f"category {category!r} needs a density and has none")
        return densities

    def aliases(self, factors: Mapping[str, Factor]) -> tuple[Alias, ...]:
        display, aliases = self.display("aliases"), []
        for row in self.table("aliases"):
            v = row.values
            if v["factor_id"] not in factors:
                self.problem(
                    display, row.line, f"alias {v['alias']!r} points to unknown factor {v['factor_id']!r}"
                )
                continue
            classes = tuple(c.strip() for c in v["ifc_classes"].split(";") if c.strip())
            aliases.append(Alias(v["alias"], v["factor_id"], v["lang"], v["priority"], classes, v["note"]))
        return tuple(aliases)

    def category_keywords(self) -> tuple[CategoryKeyword, ...]:
        """category_keywords.csv (checked against its schema: categories of the closed list)."""
        keywords = []
        for row in self.table("category_keywords"):
            v = row.values
            keywords.append(CategoryKeyword(v["keyword"], v["category"], v["lang"], v["notes"], row.line))
        return tuple(keywords)

    def grades(self, factors: Mapping[str, Factor]) -> dict[str, Any]:
        doc, display = self.yaml("grades"), self.display("grades")
        data = doc.data if doc.data is not None else {}
        if not isinstance(data, dict):
            self.problem(display, None, "must be a mapping (family -> settings, free-form)")
            return {}
        namespaces = {f.factor_id.split(":", 1)[0] for f in factors.values()}
        for path, text in _strings(data, ()):
            fixed = ":" in text and "{" not in text and text.split(":", 1)[0] in namespaces
            if fixed and text not in factors:
                self.problem(display, doc.line(*path), f"names unknown factor {text!r}")
        return data

    def method(self, sources: Mapping[str, Source]) -> dict[str, Any]:
        doc, display = self.yaml(self.pkg.default_method), self.display(self.pkg.default_method)
        if not isinstance(doc.data, dict):
            self.problem(
                display, None, "must be a mapping of parameter -> {value, source, verification, ...}"
            )
            return {}
        levels = self.pkg.enum("factor", "verification")
        shown = ", ".join(levels)
        for key, entry in doc.data.items():
            if not isinstance(entry, dict):
                continue  # id, title: plain keys
            line = doc.line(str(key))
            if "value" not in entry:
                self.problem(display, line, f"parameter {key} has no value")
            if entry.get("source") not in sources:
                self.problem(
                    display, line, f"parameter {key}: source {entry.get('source')!r} is not in sources.yaml"
                )
            if entry.get("verification") not in levels:
                self.problem(
                    display,
                    line,
                    f"parameter {key}: verification {entry.get('verification')!r} is not one of {shown}",
                )
        return doc.data


def _factor(values: Mapping[str, Any], pack: str) -> Factor:
    return Factor(**{f.name: values[f.name] for f in fields(Factor) if f.name != "pack"}, pack=pack)


def _strings(node: Any, path: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    """Every string value (and list item) in a YAML tree, with its path."""
    if isinstance(node, str):
        return [(path, node)]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _strings(v, (*path, str(k)))]
    if isinstance(node, list):
        return [s for i, v in enumerate(node) for s in _strings(v, (*path, i))]
    return []


def data_version(root: Path | None = None) -> str | None:
    """The version in datapackage.yaml, read alone (for outputs that use no factor); None if unreadable."""
    package, _ = read_package(root or DEFAULT_ROOT)
    return package.version if package is not None else None


@cache
def category_keywords(root: Path = DEFAULT_ROOT) -> tuple[CategoryKeyword, ...]:
    """The keywords of category_keywords.csv at `root`, read alone (for ``matching.rules.category_of``
    without a database at hand); DatabaseError when the file has a problem."""
    build = _Build(root, ())
    package, build.problems = read_package(root)
    if package is None:
        raise DatabaseError(build.problems, hint="material_db/datapackage.yaml cannot be read")
    build.pkg = package
    keywords = build.category_keywords()
    if build.problems:
        raise DatabaseError(build.problems, hint="each line names file:line; fix category_keywords.csv")
    return keywords
