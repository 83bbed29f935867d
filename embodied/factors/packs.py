"""User factor packs: a project's own factors (EPD values), read beside the default database.

    read_pack(path) -> UserPack        raises DatabaseError naming file and line (or JSON path)

By extension:

- ``.csv`` / ``.xlsx`` (first sheet): the factor columns of datapackage.yaml's ``user_pack`` schema;
  ids ``user:<slug>``; source_id defaults to ``user`` with source_ref the EPD number; an optional
  ``aliases`` column ('; '-separated names) makes the factors matchable.
- ``.json``: an LCAx EPD or GenericData object, or an openEPD EPD (told apart by their keys:
  ``declaredUnit`` is LCAx, ``doctype`` / ``declared_unit`` is openEPD), or a list of them. GWP A1-A3
  becomes one factor (data_type ``epd``, category ``other``, the name as its alias); verification is
  ``unverified`` unless the file names a third-party verifier. openEPD documents are validated by the
  ``openepd`` package; LCAx documents are read by their documented keys (``impacts.gwp.a1a3``), since
  the ``lcax`` binding has no loader for GenericData.

Pack aliases have lang ``user`` and priority 0, the strongest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embodied.errors import DatabaseError
from embodied.factors.schema import (
    DEFAULT_ROOT,
    Alias,
    DataProblem,
    Factor,
    Package,
    check_rows,
    read_csv,
    read_package,
)

LCAX_UNITS = {
    "m": "m",
    "m2": "m2",
    "m3": "m3",
    "kg": "kg",
    "tones": "t",
    "pcs": "piece",
    "kwh": "kWh",
    "tones_km": "t*km",
}
OPENEPD_UNITS = {
    "m": "m",
    "m2": "m2",
    "m3": "m3",
    "kg": "kg",
    "t": "t",
    "item": "piece",
    "pcs": "piece",
    "kwh": "kWh",
}
GWP_UNITS = {"kgco2e": 1.0, "tco2e": 1000.0}
LCIA_PREFERENCE = ("EF 3.1", "EF 3.0", "IPCC AR6", "IPCC AR5", "TRACI 2.2", "TRACI 2.1")
Where = dict[str, tuple[int | None, str]]  # factor id -> (line, JSON-path prefix for messages)


@dataclass(frozen=True, slots=True)
class UserPack:
    path: str
    factors: tuple[Factor, ...]
    aliases: tuple[Alias, ...]


def read_pack(path: Path, package: Package | None = None) -> UserPack:
    """The factors and aliases of one pack; DatabaseError listing every problem in it."""
    if package is None:
        package, problems = read_package(DEFAULT_ROOT)
        if package is None:
            raise DatabaseError(problems)
    pack, _, problems = collect_pack(path, package)
    if problems:
        raise DatabaseError(problems, hint="each line names the pack file and the line or JSON path")
    return pack


def collect_pack(path: Path, package: Package) -> tuple[UserPack, Where, list[DataProblem]]:
    """The pack's good factors, where each came from, and every problem (nothing raised)."""
    name = str(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        return UserPack(name, (), ()), {}, [DataProblem(name, None, "user pack not found")]
    if suffix in (".csv", ".xlsx"):
        factors, where, problems = _table_pack(path, package)
    elif suffix == ".json":
        factors, where, problems = _json_pack(path)
    else:
        return UserPack(name, (), ()), {}, [DataProblem(name, None, "a user pack is .csv, .xlsx or .json")]
    aliases = tuple(
        Alias(text, f.factor_id, "user", 0, (), f"user pack {path.name}")
        for f, names in factors
        for text in names
    )
    return UserPack(name, tuple(f for f, _ in factors), aliases), where, problems


def _table_pack(
    path: Path, package: Package
) -> tuple[list[tuple[Factor, list[str]]], Where, list[DataProblem]]:
    name = str(path)
    if path.suffix.lower() == ".csv":
        header, cells, problems = read_csv(path, name)
    else:
        header, cells, problems = _read_xlsx(path)
    if problems:
        return [], {}, problems
    rows, problems = check_rows(name, package.schemas["user_pack"], header, cells, all_columns=False)
    factors: list[tuple[Factor, list[str]]] = []
    where: Where = {}
    for row in rows:
        v = row.values
        if not (v["name_zh"] or v["name_en"]):
            problems.append(DataProblem(name, row.line, "name_zh and name_en are both empty"))
            continue
        factor = Factor(
            factor_id=v["factor_id"],
            source_id=v["source_id"] or "user",
            source_ref=v["source_ref"] or "",
            name_zh=v["name_zh"],
            name_en=v["name_en"],
            category=v["category"],
            declared_unit=v["declared_unit"],
            gwp_kgco2e_per_unit=float(v["gwp_kgco2e_per_unit"]),
            module=v["module"] or "A1-A3",
            data_type=v["data_type"] or "user",
            verification=v["verification"] or "unverified",
            density_kg_m3=v["density_kg_m3"],
            notes=v["notes"],
            pack=name,
        )
        factors.append((factor, [a.strip() for a in v["aliases"].split(";") if a.strip()]))
        where[factor.factor_id] = (row.line, "")
    return factors, where, problems


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[DataProblem]]:
    import openpyxl  # only packs need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, xml, key errors) for a bad file
        return [], [], [DataProblem(str(path), None, f"cannot be read as XLSX: {exc}")]
    try:
        rows = [[_cell(c) for c in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    header = [h.strip() for h in rows[0]] if rows else []
    return header, [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)], []


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_pack(path: Path) -> tuple[list[tuple[Factor, list[str]]], Where, list[DataProblem]]:
    name = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return [], {}, [DataProblem(name, exc.lineno, f"not valid JSON: {exc.msg}")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], {}, [DataProblem(name, None, f"cannot be read: {exc}")]
    items = [("$", data)] if not isinstance(data, list) else [(f"$[{i}]", d) for i, d in enumerate(data)]
    factors: list[tuple[Factor, list[str]]] = []
    where: Where = {}
    problems: list[DataProblem] = []
    for base, item in items:
        if not isinstance(item, dict):
            messages, factor = ["not a JSON object"], None
        elif "declaredUnit" in item:
            factor, messages = _lcax(item, base, name)
        elif "doctype" in item or "declared_unit" in item:
            factor, messages = _openepd(item, base, name)
        else:
            factor, messages = None, ["neither LCAx (declaredUnit) nor openEPD (doctype, declared_unit)"]
        problems += [DataProblem(name, None, m if m.startswith("$") else f"{base}: {m}") for m in messages]
        if factor is not None and not messages:
            if factor.factor_id in where:
                problems.append(DataProblem(name, None, f"{base}: duplicate id {factor.factor_id!r}"))
                continue
            factors.append((factor, [n for n in (factor.name_en, factor.name_zh) if n]))
            where[factor.factor_id] = (None, f"{base}: ")
    return factors, where, problems


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _epd_factor(kind: str, ident: str, name: str, unit: str, gwp: float, pack: str, **extra: Any) -> Factor:
    return Factor(
        factor_id=f"user:{kind}_{_slug(ident) or _slug(name) or 'epd'}",
        source_id="user",
        source_ref=extra.get("source_ref") or ident,
        name_zh="",
        name_en=name,
        category="other",
        declared_unit=unit,
        gwp_kgco2e_per_unit=gwp,
        module="A1-A3",
        data_type="epd",
        verification=extra.get("verification", "unverified"),
        density_kg_m3=extra.get("density"),
        notes=extra.get("notes", ""),
        pack=pack,
    )


def _lcax(item: Mapping[str, Any], base: str, pack: str) -> tuple[Factor | None, list[str]]:
    messages = []
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        messages.append(f"{base}.name: a name is required")
    unit = LCAX_UNITS.get(str(item.get("declaredUnit")).lower())
    if unit is None:
        messages.append(
            f"{base}.declaredUnit: {item.get('declaredUnit')!r} is not one of {', '.join(LCAX_UNITS)}"
        )
    gwp = ((item.get("impacts") or {}).get("gwp") or {}).get("a1a3")
    if isinstance(gwp, bool) or not isinstance(gwp, int | float) or gwp < 0:
        messages.append(f"{base}.impacts.gwp.a1a3: {gwp!r} is not a GWP A1-A3 value >= 0")
    if messages or not isinstance(name, str) or unit is None or not isinstance(gwp, int | float):
        return None, messages
    source = item.get("source") or {}
    density = next(
        (
            c.get("value")
            for c in item.get("conversions") or ()
            if str(c.get("to")).lower() == "kgm3" or (unit == "m3" and str(c.get("to")).lower() == "kg")
        ),
        None,
    )
    kind = item.get("type") or ("EPD" if "subtype" in item else "GenericData")
    notes = f"LCAx {kind}" + "".join(
        f"; {k} {item[k]}"
        for k in ("subtype", "standard", "location", "publishedDate", "validUntil")
        if item.get(k)
    )
    return _epd_factor(
        "lcax",
        str(item.get("id") or name),
        name.strip(),
        unit,
        float(gwp),
        pack,
        source_ref=" ".join(str(source[k]) for k in ("name", "url") if source.get(k))
        or str(item.get("id") or ""),
        density=float(density) if isinstance(density, int | float) and density > 0 else None,
        notes=notes + "; LCAx has no verifier field: unverified",
    ), []


def _openepd(item: Mapping[str, Any], base: str, pack: str) -> tuple[Factor | None, list[str]]:
    import pydantic
    from openepd.model.epd import Epd  # imported on use: it is slow to import

    try:
        epd = Epd.model_validate(item)
    except pydantic.ValidationError as exc:
        return None, [f"{base}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    unit = OPENEPD_UNITS.get((epd.declared_unit.unit or "").lower()) if epd.declared_unit else None
    if epd.declared_unit is None or unit is None:
        shown = epd.declared_unit.unit if epd.declared_unit else None
        return None, [f"{base}.declared_unit: {shown!r} is not one of {', '.join(OPENEPD_UNITS)}"]
    found = [
        (str(method), scope.gwp.A1A2A3)
        for method, scope in sorted(
            (epd.impacts.root if epd.impacts else {}).items(),
            key=lambda kv: LCIA_PREFERENCE.index(str(kv[0])) if str(kv[0]) in LCIA_PREFERENCE else 99,
        )
        if scope.gwp is not None and scope.gwp.A1A2A3 is not None
    ]
    if not found:
        return None, [f"{base}.impacts: no <method>.gwp.A1A2A3 (GWP A1-A3)"]
    method, measurement = found[0]
    scale = GWP_UNITS.get((measurement.unit or "kgCO2e").lower())
    if scale is None or measurement.mean < 0:
        return None, [
            f"{base}.impacts.{method}.gwp.A1A2A3: {measurement.mean} {measurement.unit} is not kgCO2e >= 0"
        ]
    qty = epd.declared_unit.qty or 1.0
    kg = epd.kg_per_declared_unit
    verifier = epd.third_party_verifier.name if epd.third_party_verifier else epd.third_party_verifier_name
    ident = epd.id or epd.product_name or ""
    return _epd_factor(
        "openepd",
        ident,
        epd.product_name or epd.name or ident,
        unit,
        measurement.mean * scale / qty,
        pack,
        source_ref=" ".join(
            s for s in (f"openEPD {epd.id}" if epd.id else "", epd.program_operator_doc_id) if s
        ),
        density=kg.qty / qty if unit == "m3" and kg is not None and kg.qty and kg.unit == "kg" else None,
        verification="verified" if verifier else "unverified",
        notes=f"openEPD, LCIA method {method}, declared unit {qty:g} {epd.declared_unit.unit}"
        + (f"; third-party verifier: {verifier}" if verifier else "; no third-party verifier named"),
    ), []
