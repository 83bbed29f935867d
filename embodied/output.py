"""Result output: CSV, XLSX and JSON, chosen by the file's extension, all from one ``Document``.

Each command builds one ``Document`` from its result (the main table, further sheets, the whole
JSON); the writers only render it. Files are written to a temporary file beside the target and moved
into place only when complete, so a failure never leaves a half-written file or destroys an earlier
one.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from embodied import __version__
from embodied.errors import OutputError
from embodied.factors import data_version
from embodied.lifecycle import LifecycleResult
from embodied.project import ProjectSettings
from embodied.records import MODULE_STAGE, MatchMethod, MatchResult, TakeoffResult, TakeoffRow

# the control characters openpyxl refuses in a cell (its ILLEGAL_CHARACTERS_RE), here so that a run
# without a workbook does not import openpyxl (0.2 s)
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

FORMATS = (".csv", ".xlsx", ".json")


@dataclass(frozen=True, slots=True)
class Document:
    """A result ready for every format: the main table (the CSV, the first sheet), further sheets,
    an `about` list of (item, value) provenance pairs, and the whole result as JSON data."""

    table_name: str
    columns: tuple[str, ...]
    rows: Sequence[Mapping[str, Any]]
    data: Mapping[str, Any]
    sheets: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    about: Sequence[tuple[str, str]] = ()


def plain(value: Any) -> Any:
    """Enums as their strings, tuples as lists, non-finite floats as None, floats to 12 significant
    digits (binary noise such as 94740.48000000001 removed, far below any quantity's precision)."""
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def record_dict(record: Any, columns: Sequence[str] | None = None) -> dict[str, Any]:
    names = columns or [f.name for f in dataclasses.fields(record)]
    return {name: plain(getattr(record, name)) for name in names}


# -- the take-off -----------------------------------------------------------------------------------
# The output contract: these columns, in this order, come first; other tools read them by name.
CONTRACT_COLUMNS = (
    "global_id",
    "ifc_class",
    "name",
    "type_name",
    "storey",
    "material",
    "material_set",
    "layer_index",
    "quantity_source",
    "volume_m3",
    "area_m2",
    "length_m",
    "count",
    "mass_kg",
    "note",
)
_ALL_FIELDS = TakeoffRow._fields
COLUMNS = CONTRACT_COLUMNS + tuple(f for f in _ALL_FIELDS if f not in CONTRACT_COLUMNS)


def row_dict(row: TakeoffRow) -> dict[str, Any]:
    """A take-off row as plain values (enums as their strings), in column order."""
    return record_dict(row, COLUMNS)


def provenance(result: TakeoffResult) -> dict[str, Any]:
    """Tool, model and settings: the block every output of a run starts with."""
    return {
        "tool": {"name": "embodied", "version": __version__},
        "database": {"version": data_version()},
        "model": dataclasses.asdict(result.model),
        "takeoff_settings": dict(result.settings),
    }


def about_pairs(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten the provenance and summary blocks of a JSON document into (item, value) pairs."""
    pairs: list[tuple[str, str]] = []
    keys = (
        "tool",
        "model",
        "database",
        "project",
        "takeoff_settings",
        "settings",
        "summary",
        "coverage",
        "totals",
    )
    for key in keys:
        block = data.get(key)
        if not isinstance(block, Mapping):
            continue
        for name, value in block.items():
            if isinstance(value, Mapping):
                pairs += [(f"{key}.{name}.{k}", str(v)) for k, v in value.items()]
            elif not isinstance(value, list):
                pairs.append((f"{key}.{name}", str(value)))
    return pairs


def takeoff_document(result: TakeoffResult) -> Document:
    checks = [
        dict(
            record_dict(c),
            difference=plain(c.difference),
            disagreement=abs(c.difference) > result.tolerance,
        )
        for c in result.checks
    ]
    problems = [record_dict(p) for p in result.problems]
    excluded = [record_dict(e) for e in result.excluded]
    rows = [row_dict(r) for r in result.rows]
    data = {
        **provenance(result),
        "summary": result.summary(),
        "columns": list(COLUMNS),
        "rows": rows,
        "volume_checks": checks,
        "problems": problems,
        "excluded": excluded,
    }
    return Document(
        table_name="takeoff",
        columns=COLUMNS,
        rows=rows,
        data=data,
        sheets={"volume_checks": checks, "problems": problems, "excluded": excluded},
        about=about_pairs(data),
    )


# -- writing ----------------------------------------------------------------------------------------
def output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(
            f"{path}: unsupported output format {suffix or '(none)'!r}", hint="use .csv, .xlsx or .json"
        )
    return suffix


def check_target(path: Path, formats: Sequence[str] = FORMATS) -> None:
    """Fail before any work when the output cannot be written where asked."""
    if output_format(path) not in formats:
        raise OutputError(f"{path}: this output must be one of {', '.join(formats)}")
    if path.is_dir():
        raise OutputError(f"{path}: is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"{path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{path}: directory {parent} is not writable")


def write_csv(doc: Document, stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=list(doc.columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in doc.rows:
        writer.writerow({k: _cell(row.get(k)) for k in doc.columns})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def _write_json(doc: Document, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        json.dump(doc.data, fh, ensure_ascii=False, indent=1, allow_nan=False)
        fh.write("\n")


def _sheet_text(value: Any) -> Any:
    """Model names are untrusted: control characters (which openpyxl refuses) are dropped, and text
    that a spreadsheet would take for a formula stays text (see `_keep_text`)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _keep_text(sheet: Any) -> None:
    """openpyxl stores any string starting with '=' as a formula: store those as plain strings."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _write_xlsx(doc: Document, path: Path) -> None:
    import pandas as pd  # heavy; only needed here

    def frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> Any:
        return pd.DataFrame([{k: _sheet_text(_cell(v)) for k, v in r.items()} for r in rows], columns=columns)

    sheets = {doc.table_name: frame(doc.rows, list(doc.columns))}
    sheets.update({name: frame(rows) for name, rows in doc.sheets.items()})
    sheets["about"] = pd.DataFrame(list(doc.about), columns=["item", "value"])
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            _keep_text(sheet)
            sheet.freeze_panes = "A2"
            if table.shape[1]:
                sheet.auto_filter.ref = sheet.dimensions


def _write_csv_file(doc: Document, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel then reads Chinese right
        write_csv(doc, fh)


WRITERS: dict[str, Callable[[Document, Path], None]] = {
    ".csv": _write_csv_file,
    ".json": _write_json,
    ".xlsx": _write_xlsx,
}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, moved onto it only when the block completes."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path("."))
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a report is an ordinary file
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_many(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """Temporary paths beside each of `paths`, all moved into place only when the block completes;
    on any failure none is moved and every temporary file is removed."""
    temporaries: list[Path] = []
    try:
        for path in paths:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path("."))
            os.close(fd)
            temporaries.append(Path(name))
        yield temporaries
        mode = 0o666 & ~_umask()
        for tmp, path in zip(temporaries, paths, strict=True):
            os.chmod(tmp, mode)
            os.replace(tmp, path)
    finally:
        for tmp in temporaries:
            if tmp.exists():
                tmp.unlink()


def write(doc: Document, path: Path | None) -> None:
    """Write to `path` by its extension, or CSV to stdout when `path` is None."""
    if path is None:
        buffer = io.StringIO()
        write_csv(doc, buffer)
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        return
    check_target(path)
    try:
        with atomic(path) as tmp:
            WRITERS[output_format(path)](doc, tmp)
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror or exc})") from exc


# -- matching ---------------------------------------------------------------------------------------
MATCH_CONTRACT = (
    "material",
    "ifc_classes",
    "elements",
    "volume_m3",
    "mass_kg",
    "factor_id",
    "factor_name",
    "method",
    "rule",
    "confidence",
    "suggestions",
)
MATCH_COLUMNS = (
    *MATCH_CONTRACT,
    "declared_unit",
    "quantity",
    "gwp_kgco2e_per_unit",
    "factor_module",
    "factor_data_type",
    "factor_verification",
    "factor_source",
    "mass_source",
    "area_m2",
    "note",
    "mass_basis",  # model | database | estimate | mixed: …: where the mass came from
    "mass_flagged",  # true unless every part's mass came from the model
    "fill_fraction",  # from the mapping file: the share of the volume that is this material
    "confirmed_checks",  # plausibility checks the mapping file confirms for this material
)
MAPPING_COLUMNS = (
    "material",
    "classification",
    "factor_id",
    "factor_name",
    "method",
    "confidence",
    "ifc_classes",
    "elements",
    "volume_m3",
    "mass_kg",
    "suggestion_1",
    "suggestion_2",
    "suggestion_3",
    "note",
    "fill_fraction",  # optional, 0 < f ≤ 1: share of the layer's/element's volume that is the material
    "confirm",  # optional: ';'-separated plausibility check ids (or all) the user confirms; note says why
)


def match_document(result: MatchResult) -> Document:
    rows = [record_dict(m, MATCH_COLUMNS) for m in result.materials]
    materials = [
        dict(row, class_shares=[{"ifc_class": c, "share": plain(x)} for c, x in m.class_shares])
        for row, m in zip(rows, result.materials, strict=True)
    ]  # the JSON's rows also say how each splits among its IFC classes
    coverage = result.coverage
    coverage_block = {
        "total_mass_kg": coverage.total_mass_kg,
        "matched_mass_kg": coverage.matched_mass_kg,
        "matched_mass_share": plain(coverage.share) if coverage.share is not None else None,
        "required_share": coverage.required_share,
        "cutoff_share": coverage.cutoff_share,
        "rule_met": coverage.rule_met,
        "unknown_mass": list(coverage.unknown_mass),
        "matched_mass_share_of_known": plain(coverage.known_share),
        "unknown_mass_volume_m3": plain(coverage.unknown_volume_m3),
        "share_text": coverage.share_text,
        "share_is_lower_bound": coverage.share_is_lower_bound,
        "estimated_mass_kg": plain(coverage.estimated_mass_kg),
        "unknown_mass_volume": [
            {"material": m, "volume_m3": plain(v)} for m, v in coverage.unknown_volume_materials
        ],
        "unmatched_by_mass": [{"material": m, "mass_kg": kg} for m, kg in coverage.unmatched_by_mass],
        "omissible_under_cutoff": list(coverage.omissible),
    }
    problems = [record_dict(p) for p in (*result.takeoff.problems, *result.problems)]
    elements = [
        {"material": m.material, "factor_id": m.factor_id, "global_id": gid}
        for m in result.materials
        for gid in m.element_ids
    ]
    data = {
        **provenance(result.takeoff),
        "database": {"version": result.database_version, "packs": list(result.packs)},
        "settings": {**result.settings, "mapping_file": result.mapping_file},
        "summary": result.summary(),
        "coverage": coverage_block,
        "columns": list(MATCH_COLUMNS),
        "materials": materials,
        "elements": elements,
        "problems": problems,
    }
    unmatched = [{"material": m, "mass_kg": kg} for m, kg in coverage.unmatched_by_mass]
    return Document(
        table_name="materials",
        columns=MATCH_COLUMNS,
        rows=rows,
        data=data,
        sheets={"unmatched_by_mass": unmatched, "problems": problems, "elements": elements},
        about=about_pairs(data),
    )


def mapping_document(result: MatchResult) -> Document:
    """The editable mapping: current factor per material, top suggestions for the unmatched."""
    rows = []
    for m in result.materials:
        if m.method is MatchMethod.ESTIMATE:
            continue
        suggestions = [*list(m.suggestions), "", "", ""]
        defaulted = m.method is MatchMethod.DEFAULT
        if defaulted:  # left empty: passed back unchanged, the default stays a default (and flagged)
            suggestions = [m.factor_id or "", m.step_up_factor_id or "", m.step_down_factor_id or "", ""]
        rows.append(
            {
                "material": m.material if m.material != "(no material)" else "",
                "classification": "",
                "factor_id": "" if defaulted else m.factor_id or "",
                "factor_name": m.factor_name or "",
                "method": str(m.method),
                "confidence": m.confidence,
                "ifc_classes": "; ".join(m.ifc_classes),
                "elements": m.elements,
                "volume_m3": m.volume_m3,
                "mass_kg": m.mass_kg,
                "suggestion_1": suggestions[0].split(" ")[0],
                "suggestion_2": suggestions[1].split(" ")[0],
                "suggestion_3": suggestions[2].split(" ")[0],
                "note": m.confirmed_note
                or (
                    f"no grade named: {m.default_grade} assumed by default (suggestion_1; one grade up and "
                    "down follow): fill factor_id with the real grade's factor"
                    if defaulted
                    else "fill factor_id, then pass this file with --mapping"
                    if not m.factor_id
                    else ""
                ),
                "fill_fraction": m.fill_fraction,  # as the mapping passed in gave them, else empty
                "confirm": ";".join(m.confirmed_checks),
            }
        )
    return Document(table_name="mapping", columns=MAPPING_COLUMNS, rows=rows, data={"mapping": rows})


# -- life cycle -------------------------------------------------------------------------------------
LINE_COLUMNS = (
    "module",
    "stage",
    "label",
    "material",
    "factor_id",
    "quantity",
    "unit",
    "factor_value",
    "kgco2e",
    "formula",
    "flagged",
    "note",
)


def lifecycle_document(match: MatchResult, life: LifecycleResult, settings: ProjectSettings) -> Document:
    """The calculation: one row per impact line (module, quantity × factor), totals in the JSON."""
    rows = []
    for line in life.lines:
        stage = MODULE_STAGE.get(line.module)
        where = str(stage) if stage else "beside GB/T 51366"
        rows.append(dict(record_dict(line), stage="separate (not summed)" if line.separate else where))
    totals = {
        "total_kgco2e": plain(life.total_kgco2e),
        "embodied_kgco2e": plain(life.embodied_kgco2e),
        "stages": plain(dict(life.stages)),
        "modules": plain(dict(life.modules)),
        "module_notes": dict(life.module_notes),
        "beside_gbt51366": plain(dict(life.beside_gbt)),
        "separate": plain(dict(life.separate)),
        "floor_area_m2": plain(life.floor_area_m2),
        "floor_area_source": life.floor_area_source,
        "design_life_years": plain(life.design_life_years),
        "intensity_kgco2e_per_m2": plain(life.intensity_kgco2e_per_m2),
        "intensity_kgco2e_per_m2a": plain(life.intensity_kgco2e_per_m2a),
        "operational_kgco2_per_m2a": plain(life.operational_kgco2_per_m2a),
    }
    switches = [record_dict(s) for s in life.switches]
    tiers = [record_dict(t) for t in life.tiers]
    problems = [record_dict(p) for p in (*match.takeoff.problems, *match.problems, *life.problems)]
    data = {
        **provenance(match.takeoff),
        "database": {"version": match.database_version, "packs": list(match.packs)},
        "project": {
            "source": settings.source,
            "sha256": settings.sha256,
            **plain(dataclasses.asdict(settings)),
        },
        "summary": {k: v for k, v in totals.items() if not isinstance(v, dict)},
        "totals": totals,
        "switches": switches,
        "grid": record_dict(life.grid),
        "defaults_used": [record_dict(d) for d in life.defaults_used],
        "zero_carbon_tiers": tiers,
        "gb55015": record_dict(life.gb55015) if life.gb55015 is not None else None,
        "columns": list(LINE_COLUMNS),
        "lines": rows,
        "materials": [record_dict(m, MATCH_COLUMNS) for m in match.materials],
        "problems": problems,
    }
    stage_rows = [{"stage": k, "kgco2e": v} for k, v in totals["stages"].items()]
    module_rows = [{"module": k, "kgco2e": v} for k, v in totals["modules"].items()]
    return Document(
        table_name="lines",
        columns=LINE_COLUMNS,
        rows=rows,
        data=data,
        sheets={
            "stages": stage_rows,
            "modules": module_rows,
            "switches": switches,
            "tiers": tiers,
            "materials": data["materials"],
            "problems": problems,
        },
        about=about_pairs(data),
    )
