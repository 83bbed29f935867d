"""The report model's records: what every format renders, typed and frozen.

A renderer (JSON, XLSX, HTML, PDF, LCAx, the calculation table, the park) reads these and nothing of
the stages before. Everything is already rounded, sorted and labelled; numbers are kgCO2e over the
whole study period unless a name says otherwise; "not declared" is None, never 0. The JSON document
(``render_json.document``) is these records as data, published as ``schemas/report.schema.json``.

The few records of the life-cycle stage that are already final (a scope switch's effect, a tier
check, the electricity factor, a default taken, a class left out of the take-off) are used as they
are; they are re-exported here so that a renderer imports them from the report model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from embodied.check import Requirement
from embodied.lifecycle import DefaultUsed, GridFactor, SwitchEffect, TierCheck
from embodied.lifecycle.uncertainty import Driver, Uncertainty
from embodied.project import SignOff
from embodied.records import Excluded, Module, Stage

# An EN 15978 module, and where a line is counted: a GB/T 51366 stage, beside GB/T 51366 (B4, D), or
# apart from every total (green power). Spelled out so that the schema lists them; a test holds them
# equal to records.Module and records.Stage.
ModuleKey = Literal[
    "A1-A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5", "B6", "B7", "C1", "C2", "C3", "C4", "D"
]
StageKey = Literal["production", "transport", "construction", "operation", "demolition"]
Place = Literal[
    "production", "transport", "construction", "operation", "demolition", "beside_gbt51366", "separate"
]

STAGES: tuple[StageKey, ...] = tuple(s.value for s in Stage)  # in order
MODULES: tuple[ModuleKey, ...] = tuple(m.value for m in Module)  # in order
PLACES: tuple[Place, ...] = get_args(Place)


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
class Project:
    """The building and its model, as the report heads them."""

    name: str
    building_type: str | None
    climate_zone: str | None
    province: str | None
    floor_area_m2: float | None
    floor_area_source: str
    design_life_years: float  # as used: the project file's, else the method file's default
    model: str  # the model's file name
    schema: str  # as written in the file, e.g. IFC4X3_ADD2
    authoring_app: str | None
    length_unit: str
    elements: int  # elements read


@dataclass(frozen=True, slots=True)
class OperationInputs:
    """The annual operation the project file declares (None: not declared)."""

    electricity_kwh: float | None
    onsite_renewable_kwh: float | None
    green_power_kwh: float | None


@dataclass(frozen=True, slots=True)
class Standard:
    name: str
    status: str


@dataclass(frozen=True, slots=True)
class Amount:
    """A stage or module total."""

    key: str  # stage or module key
    label: str
    kgco2e: float | None
    per_m2: float | None
    share: float | None  # of the total in scope
    note: str | None = None  # why the value is None: not declared (what is missing), not covered, excluded
    stage: Place | None = None  # of a module: its GB/T 51366 stage, or "beside_gbt51366" (B4, D)


@dataclass(frozen=True, slots=True)
class DefaultGrade:
    """What a material matched by a declared default assumed, and what one grade up or down changes."""

    grade: str
    source: str | None
    step_up_grade: str | None
    step_up_kgco2e: float | None
    step_down_grade: str | None
    step_down_kgco2e: float | None


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
    modules: Mapping[str, float | None]  # "A1-A3", "A4", "B4", "D" -> kgCO2e of this material
    total_kgco2e: float | None  # A1-A3 + A4 (the GB/T 51366 C_sc + C_ys of this material)
    share: float | None  # of the production + transport stages
    mass_basis: str | None = None  # "model", "database", "estimate", "mixed: …"; None: no mass
    mass_flagged: bool = True  # the mass (its density or weight) was not taken from the model
    default: DefaultGrade | None = None  # method "default": the grade assumed, one grade up / down


@dataclass(frozen=True, slots=True)
class Line:
    """One computed (or not computable) contribution to one EN 15978 module, with its arithmetic."""

    module: ModuleKey
    stage: Place  # its GB/T 51366 stage, "beside_gbt51366" (B4, D) or "separate" (never summed)
    label: str
    kgco2e: float | None
    formula: str
    factor_id: str | None
    quantity: float | None
    unit: str | None
    factor_value: float | None
    material: str | None
    flagged: bool
    note: str
    separate: bool
    material_index: int | None  # the position of its material in the match (not of `materials`)


@dataclass(frozen=True, slots=True)
class AssumptionEffect:
    """An assumption the result rests on, and the kgCO2e that rests on it: the lines of one module
    flagged for the same reason (a default distance, an estimate, an unverified service life …)."""

    module: ModuleKey
    reason: str  # the flag's reason as the lines state it ("default distance", "estimate" …)
    kgco2e: float  # the kgCO2e of those lines (what the assumption moves, up to all of it)
    share: float | None  # of the total in scope
    lines: int
    example: str  # one line's full note, for the reader to see what is meant


@dataclass(frozen=True, slots=True)
class ModelReadiness:
    """What a good take-off needs and whether the model has it (`embodied check`): the readiness
    score (applicable element checks passed / applicable) and each requirement with its failures."""

    score: float
    ids_file: str  # the IDS file the requirements come from (the shipped one, or the user's)
    requirements: tuple[Requirement, ...]


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
class MaterialVolume:
    material: str
    volume_m3: float | None


@dataclass(frozen=True, slots=True)
class Coverage:
    """The GB/T 51366 §6.1 rule: the share of the mass that found a factor, and what is unknown."""

    mass_fraction_matched: float | None  # None when it cannot be established
    mass_fraction_matched_of_known: float | None
    share_is_lower_bound: bool
    unknown_mass_volume_m3: float | None
    unknown_mass_volume: tuple[MaterialVolume, ...]
    share_text: str
    matched_mass_kg: float | None
    total_mass_kg: float | None
    required_share: float
    cutoff_share: float
    rule_met: bool
    unknown_mass: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A material that found no factor: not in the totals."""

    material: str
    ifc_classes: str
    elements: int
    volume_m3: float | None
    mass_kg: float | None
    suggestions: tuple[str, ...]
    kind: str | None
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


@dataclass(frozen=True, slots=True)
class Finding:
    """A plausibility finding, with its check's title in the report's language."""

    check: str
    title: str
    severity: Literal["implausible", "warning"]
    message: str
    material: str | None
    global_ids: tuple[str, ...]
    kgco2e_affected: float | None
    hint: str
    confirmed: bool
    confirmation: str | None


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """One plausibility check that was run: what it tests and on what source."""

    check: str
    title: str
    source: str
    verification: str
    reasoning: str


@dataclass(frozen=True, slots=True)
class PlausibilitySummary:
    implausible: int
    warning: int
    confirmed: int
    open_implausible: int
    checks_file: str
    checks: tuple[CheckInfo, ...]


@dataclass(frozen=True)
class ReportModel:
    """One calculation as the report shows it. ``labels`` is the labels file (templates/labels.yaml),
    read by ``label``; everything else is data."""

    schema_version: str
    lang: str
    labels: Mapping[str, Any]
    title: str
    project: Project
    operation: OperationInputs
    standards: tuple[Standard, ...]
    switches: tuple[SwitchEffect, ...]
    stages: tuple[Amount, ...]
    modules: tuple[Amount, ...]
    total_kgco2e: float | None
    embodied_kgco2e: float | None
    intensity_kgco2e_per_m2: float | None
    intensity_kgco2e_per_m2a: float | None
    operational_kgco2_per_m2a: float | None
    beside_gbt: Mapping[str, float | None]  # "B4", "D"
    separate: Mapping[str, float | None]  # "green_power_kwh", "green_power_kgco2", "carbon_credits_kgco2e"
    materials: tuple[MaterialRow, ...]
    lines: tuple[Line, ...]
    hotspot_materials: tuple[Hotspot, ...]
    hotspot_classes: tuple[Hotspot, ...]
    elements: tuple[ElementRow, ...]
    coverage: Coverage
    unmatched: tuple[Unmatched, ...]
    defects: tuple[Issue, ...]
    excluded: tuple[Excluded, ...]  # IfcElement classes left out of the take-off, with why
    assumptions: tuple[Issue, ...]
    issues: tuple[Issue, ...]
    sources: tuple[SourceRow, ...]
    tiers: tuple[TierCheck, ...]
    gb55015: TierCheck | None
    fingerprint: Fingerprint
    plausibility: tuple[Finding, ...] = ()
    plausibility_summary: PlausibilitySummary | None = None
    defaults_used: tuple[DefaultUsed, ...] = ()  # settings left out of the project file: default taken
    grid: GridFactor | None = None  # the electricity factor used and how it was chosen
    signoff: SignOff = field(
        default_factory=SignOff
    )  # the project file's [project]: client, designer, who signs, the date
    embodied_kgco2e_per_m2: float | None = None  # production + transport + construction + demolition
    assumption_effects: tuple[AssumptionEffect, ...] = ()  # largest first
    uncertainty: Uncertainty | None = None  # P10-P50-P90 of the total and its five drivers
    readiness: ModelReadiness | None = None  # the model checked before the calculation

    def label(self, *path: str) -> str:
        """The label at `path` in labels.yaml, in the report's language(s)."""
        node: Any = self.labels
        for key in path:
            node = node.get(key, {}) if isinstance(node, Mapping) else {}
        return pick(node, self.lang) or path[-1]

    def stage(self, key: str) -> float | None:
        """The total of a GB/T 51366 stage ("production" … "demolition")."""
        return next((a.kgco2e for a in self.stages if a.key == key), None)

    def module(self, key: str) -> float | None:
        """The total of an EN 15978 module ("A1-A3" … "D")."""
        return next((a.kgco2e for a in self.modules if a.key == key), None)


def pick(node: Any, lang: str) -> str:
    """A label node ({"zh": …, "en": …} or a plain text) in `lang`; "zh+en" joins both."""
    if not isinstance(node, Mapping):
        return str(node) if node else ""
    if lang == "zh+en":
        return " / ".join(str(node[k]) for k in ("zh", "en") if node.get(k))
    return str(node.get(lang) or node.get("en") or "")


__all__ = [
    "MODULES",
    "PLACES",
    "STAGES",
    "Amount",
    "AssumptionEffect",
    "CheckInfo",
    "Coverage",
    "DefaultGrade",
    "DefaultUsed",
    "Driver",
    "ElementRow",
    "Excluded",
    "Finding",
    "Fingerprint",
    "GridFactor",
    "Hotspot",
    "Issue",
    "Line",
    "MaterialRow",
    "MaterialVolume",
    "ModelReadiness",
    "ModuleKey",
    "OperationInputs",
    "Place",
    "PlausibilitySummary",
    "ReportModel",
    "Requirement",
    "SignOff",
    "SourceRow",
    "StageKey",
    "Standard",
    "SwitchEffect",
    "TierCheck",
    "Uncertainty",
    "Unmatched",
    "pick",
]
