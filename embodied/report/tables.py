"""The tables of the `takeoff`, `match` and `calculate` commands, each as one ``Document``
(``report.files`` writes it as CSV, XLSX or JSON).

The take-off and match tables are the records of those stages, row by row (those commands stop
before a report); the calculation table is read from the report model, like every other format.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from embodied import __version__
from embodied.factors import data_version
from embodied.records import MatchMethod, MatchResult, TakeoffResult, TakeoffRow
from embodied.report.files import Document, plain, record_dict
from embodied.report.records import ReportModel
from embodied.report.render_json import document

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


def calculation_document(report: ReportModel) -> Document:
    """The calculation: one row per impact line (module, quantity × factor), from the report model;
    its JSON is the report's JSON document (schemas/report.schema.json)."""
    data = document(report)
    rows = [{k: line[k] for k in LINE_COLUMNS} for line in data["lines"]]
    materials = [
        {k: v for k, v in row.items() if k not in ("modules", "default")}
        | row["modules"]
        | {"default_grade": (row["default"] or {}).get("grade")}
        for row in data["materials"]
    ]
    amounts = ("key", "label", "kgco2e", "per_m2", "share", "note")
    about = [(f"fingerprint.{k}", str(v)) for k, v in data["fingerprint"].items()]
    about += [(f"project.{k}", str(v)) for k, v in data["project"].items()]
    about += [(f"coverage.{k}", str(v)) for k, v in data["coverage"].items() if not isinstance(v, list)]
    about += [(f"totals.{k}", str(data["totals"][k])) for k in ("total_kgco2e", "embodied_kgco2e")]
    about.append(("intensity_kgco2e_per_m2", str(data["intensity_kgco2e_per_m2"])))
    return Document(
        table_name="lines",
        columns=LINE_COLUMNS,
        rows=rows,
        data=data,
        sheets={
            "stages": [{k: a[k] for k in amounts} for a in data["stages"]],
            "modules": [{k: a[k] for k in (*amounts, "stage")} for a in data["modules"]],
            "switches": data["scope"]["switches"],
            "tiers": data["zero_carbon_tiers"],
            "materials": materials,
            "problems": data["issues"],
        },
        about=about,
    )
