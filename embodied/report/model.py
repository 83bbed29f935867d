"""The report model: built once from a calculation, rendered by every format.

``build`` turns the stages' records into the typed records of ``report.records`` (re-exported here):
rounded, sorted and labelled, so that templates only lay them out. The dataclasses are the documented
template context (``report.project.name``, ``report.stages`` …); ``as_data`` is the model as JSON data.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from embodied.check import Readiness
from embodied.factors import FactorDB
from embodied.lifecycle import ImpactLine, LifecycleResult
from embodied.lifecycle.uncertainty import Uncertainty
from embodied.plausibility import Plausibility
from embodied.project import ProjectSettings
from embodied.records import MODULE_STAGE, MatchResult, Module, ProblemKind, Stage
from embodied.report import sections
from embodied.report.records import (
    Amount,
    ElementRow,
    Hotspot,
    Line,
    MaterialRow,
    ModelReadiness,
    OperationInputs,
    Place,
    Project,
    ReportModel,
    Standard,
    Unmatched,
    pick,
)
from embodied.report.sections import TOP, rounded, share
from embodied.resources import TEMPLATES

SCHEMA_VERSION = "1.4"  # of the JSON document: schemas/report.schema.json
LABELS_FILE = TEMPLATES / "labels.yaml"
ELEMENT_KEYS = tuple(f.name for f in dataclasses.fields(ElementRow))


def load_labels(path: Path = LABELS_FILE) -> Mapping[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data if isinstance(data, dict) else {}


def build(
    match: MatchResult,
    life: LifecycleResult,
    settings: ProjectSettings,
    db: FactorDB,
    *,
    lang: str = "zh+en",
    mapping_sha256: str | None = None,
    labels: Mapping[str, Any] | None = None,
    plausibility: Plausibility | None = None,
    uncertainty: Uncertainty | None = None,
    readiness: Readiness | None = None,
) -> ReportModel:
    """The report model of one calculation (pure: reads only the labels file)."""
    labels = labels if labels is not None else load_labels()
    total = life.total_kgco2e
    area = life.floor_area_m2

    def amount(key: str, value: float | None, note: str | None, stage: Place | None = None) -> Amount:
        per_m2 = rounded(value / area, 4) if value is not None and area else None
        label = pick(labels.get("modules" if stage else "stages", {}).get(key), lang)
        why = note if value is None else None
        return Amount(key, label, rounded(value), per_m2, share(value, total), why, stage)

    per_row: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in life.lines:
        if line.material_index is not None and line.kgco2e is not None and not line.separate:
            per_row[line.material_index][line.module.value] += line.kgco2e
    product_transport = (
        sum(v for k, v in life.stages.items() if k in ("production", "transport") and v) or None
    )
    materials = _materials(match, per_row, product_transport)
    problems = (*match.takeoff.problems, *match.problems, *life.problems)
    operation = settings.operation
    return ReportModel(
        schema_version=SCHEMA_VERSION,
        lang=lang,
        labels=labels,
        title=pick(labels.get("title"), lang),
        project=_project(settings, life, match),
        operation=OperationInputs(
            operation.electricity_kwh, operation.onsite_renewable_kwh, operation.green_power_kwh
        ),
        standards=_standards(db),
        switches=life.switches,
        stages=tuple(
            amount(s.value, life.stages.get(s.value), _stage_note(s, life.module_notes)) for s in Stage
        ),
        modules=tuple(
            amount(m.value, life.modules.get(m.value), life.module_notes.get(m.value), _stage_of(m, False))
            for m in Module
        ),
        total_kgco2e=rounded(total),
        embodied_kgco2e=rounded(life.embodied_kgco2e),
        intensity_kgco2e_per_m2=rounded(life.intensity_kgco2e_per_m2, 4),
        intensity_kgco2e_per_m2a=rounded(life.intensity_kgco2e_per_m2a, 4),
        operational_kgco2_per_m2a=rounded(life.operational_kgco2_per_m2a, 4),
        beside_gbt={k: rounded(v) for k, v in life.beside_gbt.items()},
        separate={k: rounded(v) for k, v in life.separate.items()},
        materials=materials,
        lines=tuple(_line(line) for line in life.lines),
        hotspot_materials=tuple(
            Hotspot(r.material, r.total_kgco2e or 0.0, share(r.total_kgco2e, product_transport) or 0.0)
            for r in materials[:TOP]
            if r.total_kgco2e
        ),
        hotspot_classes=sections.class_hotspots(match, per_row, product_transport),
        elements=tuple(
            ElementRow(
                r.global_id,
                r.ifc_class,
                r.name,
                r.storey,
                r.material,
                None if r.volume_m3 is None else round(r.volume_m3, 6),
                r.quantity_source,
                r.note,
            )
            for r in match.takeoff.rows
        ),
        coverage=sections.coverage(match),
        unmatched=tuple(
            Unmatched(
                material=m.material,
                ifc_classes=", ".join(m.ifc_classes),
                elements=m.elements,
                volume_m3=rounded(m.volume_m3, 6),
                mass_kg=rounded(m.mass_kg),
                suggestions=tuple(m.suggestions),
                kind=m.kind,
                note=m.note,
            )
            for m in sorted(match.materials, key=lambda m: -(m.mass_kg or 0.0))
            if not m.factor_id
        ),
        defects=sections.defects(match),
        excluded=match.takeoff.excluded,
        assumptions=tuple(
            sections.issue(p) for p in problems if p.kind in (ProblemKind.ASSUMPTION, ProblemKind.UNITS)
        ),
        issues=tuple(sections.issue(p) for p in problems),
        sources=sections.sources(match, life, db),
        tiers=life.tiers,
        gb55015=life.gb55015,
        fingerprint=sections.fingerprint(match, settings, db, mapping_sha256),
        plausibility=sections.findings(plausibility, lang),
        plausibility_summary=sections.plausibility_summary(plausibility, lang),
        defaults_used=life.defaults_used,
        grid=life.grid,
        signoff=settings.project,
        embodied_kgco2e_per_m2=(
            rounded(life.embodied_kgco2e / area, 4) if life.embodied_kgco2e is not None and area else None
        ),
        assumption_effects=sections.assumption_effects(life, total),
        uncertainty=sections.spread(uncertainty),
        readiness=(
            ModelReadiness(round(readiness.score, 4), Path(readiness.ids).name, readiness.requirements)
            if readiness is not None
            else None
        ),
    )


def _materials(
    match: MatchResult, per_row: Mapping[int, Mapping[str, float]], product_transport: float | None
) -> tuple[MaterialRow, ...]:
    """A row per matched material, largest A1-A3 + A4 first."""
    rows = []
    for index, m in enumerate(match.materials):
        mods = per_row.get(index, {})
        subtotal = (mods.get("A1-A3") or 0.0) + (mods.get("A4") or 0.0) if mods else None
        rows.append(
            MaterialRow(
                material=m.material,
                ifc_classes=", ".join(m.ifc_classes),
                factor_id=m.factor_id,
                factor_name=m.factor_name,
                source=m.factor_source,
                verification=m.factor_verification,
                data_type=m.factor_data_type,
                method=str(m.method),
                confidence=m.confidence,
                quantity=rounded(m.quantity, 6),
                unit=m.declared_unit,
                factor_value=m.gwp_kgco2e_per_unit,
                volume_m3=rounded(m.volume_m3, 6),
                mass_kg=rounded(m.mass_kg),
                modules={k: rounded(mods.get(k)) for k in ("A1-A3", "A4", "B4", "D")},
                total_kgco2e=rounded(subtotal),
                share=share(subtotal, product_transport),
                mass_basis=m.mass_basis,
                mass_flagged=m.mass_flagged and m.mass_kg is not None,
                default=sections.default_grade(m),
            )
        )
    rows.sort(key=lambda r: (-(r.total_kgco2e or 0.0), r.material))
    return tuple(rows)


def _line(line: ImpactLine) -> Line:
    return Line(
        module=line.module.value,
        stage=_stage_of(line.module, line.separate),
        label=line.label,
        kgco2e=line.kgco2e,
        formula=line.formula,
        factor_id=line.factor_id,
        quantity=line.quantity,
        unit=line.unit,
        factor_value=line.factor_value,
        material=line.material,
        flagged=line.flagged,
        note=line.note,
        separate=line.separate,
        material_index=line.material_index,
    )


def _stage_note(stage: Stage, notes: Mapping[str, str]) -> str | None:
    """Why a stage has no total: the notes of its modules ("A5: not declared: …; C1: …")."""
    own = [f"{m.value}: {notes[m.value]}" for m, s in MODULE_STAGE.items() if s is stage and m.value in notes]
    return "; ".join(own) or None


def _stage_of(module: Module, separate: bool) -> Place:
    if separate:
        return "separate"
    stage = MODULE_STAGE.get(module)
    return stage.value if stage else "beside_gbt51366"


def _project(settings: ProjectSettings, life: LifecycleResult, match: MatchResult) -> Project:
    b = settings.building
    info = match.takeoff.model
    return Project(
        name=b.name or Path(info.path).stem,
        building_type=b.building_type,
        climate_zone=b.climate_zone,
        province=b.province,
        floor_area_m2=rounded(life.floor_area_m2, 2),
        floor_area_source=life.floor_area_source,
        design_life_years=life.design_life_years,
        model=Path(info.path).name,
        schema=info.schema_identifier,
        authoring_app=info.authoring_app,
        length_unit=info.units.length_name,
        elements=int(match.takeoff.summary()["elements_read"]),
    )


def _standards(db: FactorDB) -> tuple[Standard, ...]:
    return (
        Standard("GB/T 51366-2019 建筑碳排放计算标准", "in force (推荐性国家标准)"),
        Standard("EN 15978 module view (A1-A3 … D)", "kept internally, rolled up to GB/T 51366 stages"),
        Standard("零碳建筑技术标准（征求意见稿）2023-07-24", "draft: thresholds not public, verified: false"),
        Standard("GB 55015-2021 建筑节能与可再生能源利用通用规范", "operational reduction check"),
        Standard(f"material_db {db.version}", "emission factors, densities, methods (see Sources)"),
    )


def as_data(model: ReportModel) -> dict[str, Any]:
    """The model as plain JSON-ready data (labels left out): dicts, lists, str, numbers, None."""
    data = {
        f.name: plain(getattr(model, f.name))
        for f in dataclasses.fields(model)
        if f.name not in ("labels", "elements")
    }
    # the one list as long as the take-off (a row per element and material part): by its fields
    data["elements"] = [dict(zip(ELEMENT_KEYS, _element_values(e), strict=True)) for e in model.elements]
    return data


def _element_values(e: ElementRow) -> tuple[Any, ...]:
    return (e.global_id, e.ifc_class, e.name, e.storey, e.material, e.volume_m3, e.quantity_source, e.note)


def plain(value: Any) -> Any:
    """`value` as JSON data: dataclasses and mappings become dicts, tuples and sets lists (sets
    sorted), enums their value, anything else unknown its text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return str(value)  # a StrEnum member becomes its plain value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _field_names(type(value))}
    return str(value)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


__all__ = ["ELEMENT_KEYS", "SCHEMA_VERSION", "as_data", "build", "load_labels", "plain"]
