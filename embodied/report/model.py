"""The report model: built once from a calculation, rendered by every format.

Everything a renderer shows is here, already rounded, sorted and labelled: templates only lay it out.
The dataclasses are the documented template context (``report.project.name``, ``report.stages`` …).
Numbers are kgCO2e over the whole study period unless a name says otherwise; "not declared" is None.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from embodied import __version__
from embodied.factors import FactorDB
from embodied.lifecycle import LifecycleResult
from embodied.plausibility import Plausibility
from embodied.project import ProjectSettings
from embodied.records import (
    MODULE_STAGE,
    MatchResult,
    MaterialMatch,
    Module,
    Problem,
    ProblemKind,
    Stage,
    VolumeOrigin,
)
from embodied.resources import TEMPLATES

SCHEMA_VERSION = "1.0"
LABELS_FILE = TEMPLATES / "labels.yaml"
TOP = 10


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a reviewer needs to reproduce the numbers: same inputs and versions, same run_id."""

    tool_version: str
    data_version: str
    model_file: str
    model_sha256: str
    config_file: str | None
    config_sha256: str | None
    mapping_sha256: str | None
    packs: tuple[str, ...]
    settings_sha256: str  # of the settings as canonical JSON
    run_id: str  # sha256 over all of the above: equal inputs give an equal run_id
    created: str  # ISO 8601 UTC; not part of run_id


@dataclass(frozen=True, slots=True)
class Amount:
    key: str  # stage or module key
    label: str
    kgco2e: float | None
    per_m2: float | None
    share: float | None  # of the total in scope
    note: str | None = None  # why the value is None: not declared (what is missing), not covered, excluded


@dataclass(frozen=True, slots=True)
class MaterialRow:
    material: str
    ifc_classes: str
    factor_id: str | None
    factor_name: str | None
    source: str | None
    verification: str | None
    data_type: str | None
    method: str
    confidence: float | None
    quantity: float | None
    unit: str | None
    factor_value: float | None
    volume_m3: float | None
    mass_kg: float | None
    modules: dict[str, float | None]  # A1-A3, A4, B4, D
    total_kgco2e: float | None  # A1-A3 + A4 (the GB/T 51366 C_sc + C_ys of this material)
    share: float | None  # of the production + transport stages
    mass_basis: str | None = None  # "model", "database", "estimate", "mixed: …"; None: no mass
    mass_flagged: bool = True  # the mass (its density or weight) was not taken from the model
    default: dict[str, Any] | None = None  # method "default": the grade assumed, one grade up / down


@dataclass(frozen=True, slots=True)
class Hotspot:
    name: str
    kgco2e: float
    share: float


@dataclass(frozen=True, slots=True)
class ElementRow:
    global_id: str
    ifc_class: str
    name: str | None
    storey: str | None
    material: str | None
    volume_m3: float | None
    quantity_source: str
    note: str


@dataclass(frozen=True, slots=True)
class Issue:
    kind: str
    message: str
    global_id: str | None = None


@dataclass(frozen=True, slots=True)
class SourceRow:
    id: str
    title: str
    publisher: str
    edition: str | None
    licence: str
    verification: str
    factors_used: int


@dataclass(frozen=True)
class ReportModel:
    schema_version: str
    lang: str
    labels: Mapping[str, Any]
    title: str
    project: dict[str, Any]
    standards: tuple[dict[str, str], ...]
    switches: tuple[dict[str, Any], ...]
    stages: tuple[Amount, ...]
    modules: tuple[Amount, ...]
    total_kgco2e: float | None
    embodied_kgco2e: float | None
    intensity_kgco2e_per_m2: float | None
    intensity_kgco2e_per_m2a: float | None
    operational_kgco2_per_m2a: float | None
    beside_gbt: dict[str, float | None]
    separate: dict[str, float | None]
    materials: tuple[MaterialRow, ...]
    lines: tuple[dict[str, Any], ...]
    hotspot_materials: tuple[Hotspot, ...]
    hotspot_classes: tuple[Hotspot, ...]
    elements: tuple[dict[str, Any], ...]  # ElementRow's fields, as plain JSON-ready dicts
    coverage: dict[str, Any]
    unmatched: tuple[dict[str, Any], ...]
    defects: tuple[Issue, ...]
    excluded: tuple[dict[str, Any], ...]  # IfcElement classes left out of the take-off, with why
    assumptions: tuple[Issue, ...]
    issues: tuple[Issue, ...]
    sources: tuple[SourceRow, ...]
    tiers: tuple[dict[str, Any], ...]
    gb55015: dict[str, Any] | None
    fingerprint: Fingerprint
    plausibility: tuple[dict[str, Any], ...] = ()  # findings: check, severity, message, material, ...
    plausibility_summary: dict[str, Any] | None = None  # counts, the checks run, their file
    defaults_used: tuple[dict[str, Any], ...] = ()  # settings left out of the project file: default taken
    grid: dict[str, Any] | None = None  # the electricity factor used and how it was chosen

    def label(self, *path: str) -> str:
        """The label at `path` in labels.yaml, in the report's language(s)."""
        node: Any = self.labels
        for key in path:
            node = node.get(key, {}) if isinstance(node, Mapping) else {}
        return pick(node, self.lang) or path[-1]


def load_labels(path: Path = LABELS_FILE) -> Mapping[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data if isinstance(data, dict) else {}


def pick(node: Any, lang: str) -> str:
    if not isinstance(node, Mapping):
        return str(node) if node else ""
    if lang == "zh+en":
        return " / ".join(str(node[k]) for k in ("zh", "en") if node.get(k))
    return str(node.get(lang) or node.get("en") or "")


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _share(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 6)


def _sha(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(
    match: MatchResult, settings: ProjectSettings, db: FactorDB, mapping_sha256: str | None
) -> Fingerprint:
    info = match.takeoff.model
    settings_data = {
        "project": dataclasses.asdict(settings) | {"source": None},
        "takeoff": dict(match.takeoff.settings),
        "match": dict(match.settings) | {"mapping_file": None},
    }
    settings_sha = _sha(settings_data)
    base = {
        "tool_version": __version__,
        "data_version": db.version,
        "model_sha256": info.sha256,
        "config_sha256": settings.sha256,
        "mapping_sha256": mapping_sha256,
        "packs": list(db.packs),
        "settings_sha256": settings_sha,
    }
    return Fingerprint(
        tool_version=__version__,
        data_version=db.version,
        model_file=Path(info.path).name,
        model_sha256=info.sha256,
        config_file=Path(settings.source).name if settings.source else None,
        config_sha256=settings.sha256,
        mapping_sha256=mapping_sha256,
        packs=tuple(Path(p).name for p in db.packs),
        settings_sha256=settings_sha,
        run_id=_sha(base),
        created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    )


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
) -> ReportModel:
    """The report model of one calculation (pure: reads only the labels file)."""
    labels = labels if labels is not None else load_labels()
    total = life.total_kgco2e
    area = life.floor_area_m2

    def amount(key: str, label: str, value: float | None, note: str | None = None) -> Amount:
        return Amount(
            key,
            label,
            _r(value),
            _r(value / area, 4) if value is not None and area else None,
            _share(value, total),
            note if value is None else None,
        )

    stages = tuple(
        amount(
            s.value,
            pick(labels.get("stages", {}).get(s.value), lang),
            life.stages.get(s.value),
            _stage_note(s, life.module_notes),
        )
        for s in Stage
    )
    modules = tuple(
        amount(
            m.value,
            pick(labels.get("modules", {}).get(m.value), lang),
            life.modules.get(m.value),
            life.module_notes.get(m.value),
        )
        for m in Module
    )
    per_row: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in life.lines:
        if line.material_index is not None and line.kgco2e is not None and not line.separate:
            per_row[line.material_index][line.module.value] += line.kgco2e
    product_transport = (
        sum(v for k, v in life.stages.items() if k in ("production", "transport") and v) or None
    )
    materials = []
    for index, m in enumerate(match.materials):
        mods = per_row.get(index, {})
        own = {k: _r(mods.get(k)) for k in ("A1-A3", "A4", "B4", "D")}
        subtotal = (mods.get("A1-A3") or 0.0) + (mods.get("A4") or 0.0) if mods else None
        materials.append(
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
                quantity=_r(m.quantity, 6),
                unit=m.declared_unit,
                factor_value=m.gwp_kgco2e_per_unit,
                volume_m3=_r(m.volume_m3, 6),
                mass_kg=_r(m.mass_kg),
                modules=own,
                total_kgco2e=_r(subtotal),
                share=_share(subtotal, product_transport),
                mass_basis=m.mass_basis,
                mass_flagged=m.mass_flagged and m.mass_kg is not None,
                default=_default(m),
            )
        )
    materials.sort(key=lambda r: (-(r.total_kgco2e or 0.0), r.material))
    hot_materials = tuple(
        Hotspot(r.material, r.total_kgco2e or 0.0, _share(r.total_kgco2e, product_transport) or 0.0)
        for r in materials[:TOP]
        if r.total_kgco2e
    )
    hot_classes = _class_hotspots(match, per_row, product_transport)
    coverage = match.coverage
    problems = (*match.takeoff.problems, *match.problems, *life.problems)
    return ReportModel(
        schema_version=SCHEMA_VERSION,
        lang=lang,
        labels=labels,
        title=pick(labels.get("title"), lang),
        project=_project(settings, life, match),
        standards=_standards(db),
        switches=tuple(dataclasses.asdict(s) for s in life.switches),
        stages=stages,
        modules=modules,
        total_kgco2e=_r(total),
        embodied_kgco2e=_r(life.embodied_kgco2e),
        intensity_kgco2e_per_m2=_r(life.intensity_kgco2e_per_m2, 4),
        intensity_kgco2e_per_m2a=_r(life.intensity_kgco2e_per_m2a, 4),
        operational_kgco2_per_m2a=_r(life.operational_kgco2_per_m2a, 4),
        beside_gbt={k: _r(v) for k, v in life.beside_gbt.items()},
        separate={k: _r(v) for k, v in life.separate.items()},
        materials=tuple(materials),
        lines=tuple(
            dataclasses.asdict(line)
            | {"module": line.module.value, "stage": _stage_of(line.module, line.separate)}
            for line in life.lines
        ),
        hotspot_materials=hot_materials,
        hotspot_classes=hot_classes,
        elements=_elements(match),
        coverage={
            "mass_fraction_matched": _r(coverage.share, 6),  # None when it cannot be established
            "mass_fraction_matched_of_known": _r(coverage.known_share, 6),
            "share_is_lower_bound": coverage.share_is_lower_bound,
            "unknown_mass_volume_m3": _r(coverage.unknown_volume_m3, 6),
            "unknown_mass_volume": [
                {"material": name, "volume_m3": _r(volume, 6)}
                for name, volume in coverage.unknown_volume_materials
            ],
            "share_text": coverage.share_text,
            "matched_mass_kg": _r(coverage.matched_mass_kg),
            "total_mass_kg": _r(coverage.total_mass_kg),
            "required_share": coverage.required_share,
            "cutoff_share": coverage.cutoff_share,
            "rule_met": coverage.rule_met,
            "unknown_mass": list(coverage.unknown_mass),
        },
        unmatched=tuple(
            {
                "material": m.material,
                "ifc_classes": ", ".join(m.ifc_classes),
                "elements": m.elements,
                "volume_m3": _r(m.volume_m3, 6),
                "mass_kg": _r(m.mass_kg),
                "suggestions": list(m.suggestions),
                "kind": m.kind,
                "note": m.note,
            }
            for m in sorted(match.materials, key=lambda m: -(m.mass_kg or 0.0))
            if not m.factor_id
        ),
        defects=_defects(match),
        excluded=tuple(dataclasses.asdict(e) for e in match.takeoff.excluded),
        assumptions=tuple(
            _issue(p) for p in problems if p.kind in (ProblemKind.ASSUMPTION, ProblemKind.UNITS)
        ),
        issues=tuple(_issue(p) for p in problems),
        sources=_sources(match, db),
        tiers=tuple(dataclasses.asdict(t) for t in life.tiers),
        gb55015=dataclasses.asdict(life.gb55015) if life.gb55015 is not None else None,
        fingerprint=fingerprint(match, settings, db, mapping_sha256),
        plausibility=_findings(plausibility, lang),
        plausibility_summary=_plausibility_summary(plausibility, lang),
        defaults_used=tuple(dataclasses.asdict(d) for d in life.defaults_used),
        grid=dataclasses.asdict(life.grid),
    )


def _findings(result: Plausibility | None, lang: str) -> tuple[dict[str, Any], ...]:
    """Each finding as JSON-ready data, with its check's title in the report's language."""
    if result is None:
        return ()
    titles = {a.check: pick({"en": a.title_en, "zh": a.title_zh}, lang) for a in result.about}
    return tuple(
        {
            "check": f.check,
            "title": titles.get(f.check, f.check),
            "severity": f.severity.value,
            "message": f.message,
            "material": f.material,
            "global_ids": list(f.global_ids),
            "kgco2e_affected": _r(f.kgco2e_affected),
            "hint": f.hint,
            "confirmed": f.confirmed,
            "confirmation": f.confirmation,
        }
        for f in result.findings
    )


def _plausibility_summary(result: Plausibility | None, lang: str) -> dict[str, Any] | None:
    if result is None:
        return None
    return result.counts() | {
        "open_implausible": len(result.open_implausible),
        "checks_file": result.checks_file,
        "checks": [
            {
                "check": a.check,
                "title": pick({"en": a.title_en, "zh": a.title_zh}, lang),
                "source": f"{a.source}: {a.source_ref}",
                "verification": a.verification,
                "reasoning": a.reasoning,
            }
            for a in result.about
        ],
    }


def _default(m: MaterialMatch) -> dict[str, Any] | None:
    """What a material matched by a declared default assumed, and what one grade up or down changes."""
    if m.default_grade is None:
        return None
    return {
        "grade": m.default_grade,
        "source": m.default_source,
        "step_up_grade": m.step_up_grade,
        "step_up_kgco2e": _r(m.step_up_kgco2e),
        "step_down_grade": m.step_down_grade,
        "step_down_kgco2e": _r(m.step_down_kgco2e),
    }


def _stage_note(stage: Stage, notes: Mapping[str, str]) -> str | None:
    """Why a stage has no total: the notes of its modules ("A5: not declared: …; C1: …")."""
    own = [f"{m.value}: {notes[m.value]}" for m, s in MODULE_STAGE.items() if s is stage and m.value in notes]
    return "; ".join(own) or None


def _stage_of(module: Module, separate: bool) -> str:
    if separate:
        return "separate"
    stage = MODULE_STAGE.get(module)
    return stage.value if stage else "beside_gbt51366"


def _project(settings: ProjectSettings, life: LifecycleResult, match: MatchResult) -> dict[str, Any]:
    b = settings.building
    info = match.takeoff.model
    return {
        "name": b.name or Path(info.path).stem,
        "building_type": b.building_type,
        "climate_zone": b.climate_zone,
        "province": b.province,
        "floor_area_m2": _r(life.floor_area_m2, 2),
        "floor_area_source": life.floor_area_source,
        "design_life_years": life.design_life_years,
        "model": Path(info.path).name,
        "schema": info.schema_identifier,
        "authoring_app": info.authoring_app,
        "length_unit": info.units.length_name,
        "elements": match.takeoff.summary()["elements_read"],
    }


def _standards(db: FactorDB) -> tuple[dict[str, str], ...]:
    return (
        {"name": "GB/T 51366-2019 建筑碳排放计算标准", "status": "in force (推荐性国家标准)"},
        {
            "name": "EN 15978 module view (A1-A3 … D)",
            "status": "kept internally, rolled up to GB/T 51366 stages",
        },
        {
            "name": "零碳建筑技术标准（征求意见稿）2023-07-24",
            "status": "draft: thresholds not public, verified: false",
        },
        {"name": "GB 55015-2021 建筑节能与可再生能源利用通用规范", "status": "operational reduction check"},
        {"name": f"material_db {db.version}", "status": "emission factors, densities, methods (see Sources)"},
    )


def _class_hotspots(
    match: MatchResult, per_row: Mapping[int, Mapping[str, float]], whole: float | None
) -> tuple[Hotspot, ...]:
    """A1-A3 + A4 of each material row shared among its IFC classes by the row's class shares (by its
    quantity in each class: the rebar estimate by the rebar mass of each class); the classes past the
    first TOP are summed in one "(other classes)" row, so that the rows add up to the whole."""
    by_class: dict[str, float] = defaultdict(float)
    for index, mods in per_row.items():
        material = match.materials[index]
        amount = (mods.get("A1-A3") or 0.0) + (mods.get("A4") or 0.0)
        classes = material.ifc_classes or ("(no class)",)  # never dropped: the breakdown sums to the whole
        shares = material.class_shares or tuple((c, 1.0 / len(classes)) for c in classes)
        for ifc_class, share in shares:
            by_class[ifc_class] += amount * share
    ranked = sorted(((n, kg) for n, kg in by_class.items() if kg), key=lambda item: -item[1])
    if len(ranked) > TOP:
        rest = sum(kg for _, kg in ranked[TOP - 1 :])
        ranked = [*ranked[: TOP - 1], (f"(other {len(ranked) - TOP + 1} classes)", rest)]
    return tuple(Hotspot(name, round(kg, 3), _share(kg, whole) or 0.0) for name, kg in ranked)


ELEMENT_KEYS = tuple(f.name for f in dataclasses.fields(ElementRow))


def _elements(match: MatchResult) -> tuple[dict[str, Any], ...]:
    """A row per element and material part (ElementRow's fields), as plain dicts: the one list of a
    report as long as the take-off (175 000 rows for 100 000 elements), so made once, JSON-ready."""
    return tuple(
        {
            "global_id": r.global_id,
            "ifc_class": r.ifc_class,
            "name": r.name,
            "storey": r.storey,
            "material": r.material,
            "volume_m3": None if r.volume_m3 is None else round(r.volume_m3, 6),
            "quantity_source": r.quantity_source,
            "note": r.note,
        }
        for r in match.takeoff.rows
    )


def _issue(problem: Problem) -> Issue:
    return Issue(kind=str(problem.kind), message=problem.message, global_id=problem.global_id)


def _defects(match: MatchResult) -> tuple[Issue, ...]:
    takeoff = match.takeoff
    found = [
        Issue(
            "quantity_disagreement",
            f"{c.ifc_class} {c.name or ''}: {c.base_quantity} {c.base_volume_m3:.4f} m³ against geometry "
            f"{c.geometry_volume_m3:.4f} m³ ({c.difference:+.1%})",
            c.global_id,
        )
        for c in takeoff.disagreements
    ]
    found += [
        _issue(p)
        for p in takeoff.problems
        if p.kind
        in (ProblemKind.NO_MATERIAL, ProblemKind.NO_QUANTITY, ProblemKind.GEOMETRY, ProblemKind.DAMAGE)
    ]
    containers = sum(1 for r in takeoff.rows if r.volume_origin is VolumeOrigin.PARTS)
    if containers:
        found.append(Issue("decomposed", f"{containers} elements are counted through their parts"))
    return tuple(found)


def _sources(match: MatchResult, db: FactorDB) -> tuple[SourceRow, ...]:
    used: dict[str, int] = defaultdict(int)
    for m in match.materials:
        if m.factor_id and m.factor_id in db.factors:
            used[db.factors[m.factor_id].source_id] += 1
    rows = []
    for source_id, count in sorted(used.items()):
        source = db.sources.get(source_id)
        if source is None:
            continue
        rows.append(
            SourceRow(
                id=source.id,
                title=source.title,
                publisher=source.publisher,
                edition=source.edition,
                licence=source.licence,
                verification=source.verification,
                factors_used=count,
            )
        )
    return tuple(rows)


def as_data(model: ReportModel) -> dict[str, Any]:
    """The model as plain JSON-ready data (labels left out): dicts, lists, str, numbers, None."""
    data = {
        f.name: plain(getattr(model, f.name))
        for f in dataclasses.fields(model)
        if f.name not in ("labels", "elements")
    }
    # the one long list (a row per element and material part) is plain already: no walk through it
    data["elements"] = list(model.elements)
    return data


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
