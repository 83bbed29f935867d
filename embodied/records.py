"""Typed records passed between the stages. Immutable (frozen, slotted dataclasses; the take-off row a
named tuple), SI units in the field names.

A record never holds an ifcopenshell object: GlobalIds, strings and floats only, so every stage
after reading can be tested without a model. "Not known" is ``None``, never ``0``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from embodied.units import UnitScales


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What was read, for the report's provenance block."""

    path: str
    sha256: str
    size_bytes: int
    schema: str  # IFC2X3, IFC4, IFC4X3 (family)
    schema_identifier: str  # as written in the file, e.g. IFC4X3_ADD2
    authoring_app: str | None
    units: UnitScales


class VolumeOrigin(StrEnum):
    """Where an element's volume came from, in order of preference."""

    BASE = "base"  # a base quantity written by the authoring tool (net preferred)
    PROFILE = "profile"  # profile area x member length
    GEOMETRY = "geometry"  # the body solid, openings subtracted
    PARTS = "parts"  # the element is decomposed: its parts carry the quantities
    NONE = "none"  # no volume could be found


class SplitMethod(StrEnum):
    """How an element's quantity was shared among its material parts."""

    WHOLE = "whole"  # a single material takes everything
    LAYER_THICKNESS = "layer_thickness"
    PROFILE_AREA = "profile_area"
    FRACTION = "fraction"  # IfcMaterialConstituent.Fraction
    CONSTITUENT_QUANTITY = "constituent_quantity"  # per-constituent width/volume in the quantity set
    EQUAL = "equal"  # an assumption, flagged


class ProblemKind(StrEnum):
    NO_MATERIAL = "no_material"
    UNMATCHED = "unmatched_material"
    COVERAGE = "coverage"
    NO_QUANTITY = "no_quantity"
    ASSUMPTION = "assumption"
    GEOMETRY = "geometry"
    DENSITY = "density"
    UNITS = "units"
    DAMAGE = "damaged_file"  # the parser read around damage: the model taken off is not quite the file


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the user must see: an assumption made, or a quantity or material that is missing."""

    kind: ProblemKind
    message: str
    global_id: str | None = None
    ifc_class: str | None = None


class TakeoffRow(NamedTuple):
    """One element x one material part. Volume and mass are this part's share; area, length and
    count describe the whole element and repeat on each of its parts (do not sum them over parts).

    A named tuple, not a frozen dataclass like the other records: as immutable, and a model makes
    hundreds of thousands of rows, which a named tuple builds, pickles for the cache and reads back
    faster. Its fields are ``TakeoffRow._fields``."""

    global_id: str
    ifc_class: str
    name: str | None
    type_name: str | None
    storey: str | None
    material: str | None
    material_set: str | None
    material_kind: str | None  # IfcMaterial, IfcMaterialLayerSet, ... or None
    material_source: str | None  # "occurrence" or "type"
    layer_index: int | None  # 1-based position of the layer/profile/constituent in its set
    layer_thickness_m: float | None
    share: float | None  # fraction of the element's volume given to this part
    split_method: SplitMethod | None
    quantity_source: str  # e.g. "base:Qto_WallBaseQuantities.NetVolume; layer 2/3 by thickness"
    volume_origin: VolumeOrigin
    volume_m3: float | None
    area_m2: float | None
    length_m: float | None
    count: float | None  # type: ignore[assignment]  # (the field shadows tuple.count, never used)
    mass_kg: float | None
    density_kg_m3: float | None
    mass_source: str | None
    note: str = ""
    area_source: str | None = None
    length_source: str | None = None
    geometry_volume_m3: float | None = None  # the whole element's, for the cross-check; None if not closed
    classification: str | None = None  # "<system>:<code>" of each classification reference, "; "-joined
    material_category: str | None = None  # IfcMaterial.Category, context for matching
    predefined_type: str | None = None  # of the occurrence, else of its type (e.g. FLOOR, ROOF)


@dataclass(frozen=True, slots=True)
class VolumeCheck:
    """Base-quantity volume against geometry volume for one element."""

    global_id: str
    ifc_class: str
    name: str | None
    base_quantity: str  # which base quantity, e.g. "Qto_SlabBaseQuantities.NetVolume"
    base_volume_m3: float
    geometry_volume_m3: float

    @property
    def difference(self) -> float:
        """(base - geometry) / geometry; infinite when the geometry volume is zero."""
        if self.geometry_volume_m3 == 0:
            return float("inf") if self.base_volume_m3 else 0.0
        return (self.base_volume_m3 - self.geometry_volume_m3) / self.geometry_volume_m3


@dataclass(frozen=True, slots=True)
class Excluded:
    """Elements of one class left out of the take-off on purpose, and why."""

    ifc_class: str
    count: int
    reason: str


@dataclass(frozen=True, slots=True)
class SpaceArea:
    """The floor area of one IfcSpace, for the building's floor area (takeoff.area). ``source`` names
    the set and quantity or property it was read from ("Qto_SpaceBaseQuantities.GrossFloorArea",
    "GSA Space Areas.GSA BIM Area", "geometry footprint (top view)"); ``gross`` says whether that is a
    gross floor area (None: not known). A space that must not be added to the others (external,
    inside another space, on the site, another area scheme's) says why in ``left_out``."""

    global_id: str
    name: str | None
    storey: str | None
    area_m2: float | None  # None: no set, property or geometry gives it
    source: str | None
    gross: bool | None
    left_out: str | None = None


@dataclass(frozen=True, slots=True)
class TakeoffResult:
    model: ModelInfo
    rows: tuple[TakeoffRow, ...]
    problems: tuple[Problem, ...]
    checks: tuple[VolumeCheck, ...]
    excluded: tuple[Excluded, ...]
    tolerance: float  # relative difference above which a check is a disagreement
    geometry_used: bool
    settings: dict[str, object] = field(default_factory=dict)
    spaces: tuple[SpaceArea, ...] = ()  # every IfcSpace of the model, with its floor area

    @property
    def disagreements(self) -> tuple[VolumeCheck, ...]:
        return tuple(c for c in self.checks if abs(c.difference) > self.tolerance)

    @property
    def element_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.global_id for r in self.rows))

    def elements_with(self, kind: ProblemKind) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.global_id for p in self.problems if p.kind is kind and p.global_id))

    def summary(self) -> dict[str, int]:
        return {
            "elements_read": len(self.element_ids),
            "rows_written": len(self.rows),
            "elements_without_material": len(self.elements_with(ProblemKind.NO_MATERIAL)),
            "elements_without_quantity": len(self.elements_with(ProblemKind.NO_QUANTITY)),
            "quantity_disagreements": len(self.disagreements),
            "materials_without_density": sum(1 for p in self.problems if p.kind is ProblemKind.DENSITY),
            "elements_excluded_by_class": sum(e.count for e in self.excluded),
        }


# -- matching ---------------------------------------------------------------------------------------
class MatchMethod(StrEnum):
    """How a model material got its factor, strongest first."""

    MAPPING = "mapping"  # the user's mapping file
    CLASSIFICATION = "classification"  # a classification reference of its elements
    GRADE = "grade"  # a grade token (C30, HRB400, Q355B, M10 ...) with its family
    ALIAS = "alias"  # an alias in material_db/aliases.csv or a user pack
    CATEGORY = "category"  # IfcMaterial.Category fallback
    DEFAULT = "default"  # a family named without grade: its declared default (grades.yaml defaults), flagged
    SUGGESTION = "suggestion"  # a fuzzy suggestion, applied only with --accept-suggestions
    ESTIMATE = "estimate"  # a line the tool adds (rebar not modelled), flagged
    UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class MaterialMatch:
    """One distinct model material (for the IFC classes listed) and the factor it was matched to.

    ``quantity`` is in the factor's declared unit (m³ from volume, t or kg from mass, m² from the area:
    a layer's is its volume / its thickness, else its element's whole face; a whole element's is its
    area); None when the quantity that unit needs is unknown. ``note`` says how area and mass were
    found.

    ``mass_basis`` says where the mass came from: "model" (a density or weight in the model),
    "database" (the matched factor's density, its category's in densities.csv, or the rebar ratios),
    "estimate" (not matched: the category its name suggests, category_keywords.csv, and that
    category's density), "mixed: model (2 parts), database (1 part)", or None (no mass).
    ``mass_flagged`` is False only when every part's mass came from the model.

    ``class_shares`` splits the row among its IFC classes ((class, share), sorted by class, the last
    share 1 − the others so that they sum to exactly 1.0): by the quantity in the factor's declared
    unit where known, else by volume, else by element count; the rebar estimate by rebar mass. A
    class whose quantity is zero or unknown is left out (it carries none of the row's kgCO2e).

    ``kind`` is the factor category the name suggests (set on unmatched and defaulted rows; suggestions
    never leave its top-level category). Method ``default``: the name named a grade family but no grade,
    and the family's declared default was taken (grades.yaml ``defaults``): ``default_grade`` says what
    was assumed, ``step_up_kgco2e`` / ``step_down_kgco2e`` what one grade up / down would change
    (e.g. 100 m³ 混凝土 at C30 = 29 500 kgCO2e; C35 +2 250, C25 −2 250)."""

    material: str
    ifc_classes: tuple[str, ...]
    elements: int
    volume_m3: float | None
    mass_kg: float | None
    mass_source: str | None
    area_m2: float | None
    factor_id: str | None
    factor_name: str | None
    declared_unit: str | None
    quantity: float | None
    method: MatchMethod
    rule: str | None
    confidence: float | None
    suggestions: tuple[str, ...]  # "factor_id (score)"
    note: str = ""
    element_ids: tuple[str, ...] = ()
    gwp_kgco2e_per_unit: float | None = None
    factor_module: str | None = None  # e.g. A1-A3
    factor_data_type: str | None = None  # standard, derived, supplementary, official, user, epd
    factor_verification: str | None = None
    factor_source: str | None = None  # "<source_id>: <source_ref>"
    fill_fraction: float | None = None  # the mapping file's share of the volume that is this material
    confirmed_checks: tuple[str, ...] = ()  # plausibility checks the user confirmed (mapping `confirm`)
    confirmed_where: str | None = None  # "<mapping file>:<line>"
    confirmed_note: str = ""  # the mapping row's note: why
    mass_basis: str | None = None  # "model", "database", "estimate", "mixed: …"; None: no mass
    mass_flagged: bool = True  # False only when every part's mass came from the model
    class_shares: tuple[tuple[str, float], ...] = ()  # (IFC class, share), sorted, summing to 1.0
    kind: str | None = None  # the factor category the name suggests ("concrete/reinforced"); None: unknown
    kind_rule: str = ""  # how the kind was found: "keyword 'Stahlbeton' (category_keywords.csv)"
    default_grade: str | None = None  # method "default": the grade assumed ("C30"), else None
    default_source: str | None = None  # the sources.yaml id the default cites (embodied_assumption)
    step_up_grade: str | None = None  # a defaulted material's grade one step up ("C35") …
    step_up_factor_id: str | None = None  # … its factor …
    step_up_kgco2e: float | None = None  # … and quantity × (its factor − factor); None: quantity unknown
    step_down_grade: str | None = None  # likewise one step down ("C25")
    step_down_factor_id: str | None = None
    step_down_kgco2e: float | None = None  # quantity × (factor down − factor), negative when lower


@dataclass(frozen=True, slots=True)
class Coverage:
    """The GB/T 51366 §6.1 inclusion rule: matched materials hold at least `required_share` of the
    total mass; only then may items each under `cutoff_share` be left out.

    The total holds the matched mass and the unmatched mass, known (from the model) or estimated
    (``estimated_mass_kg``: volume × the density of the category the name suggests, flagged). The
    share is never computed over the known mass alone while unmatched materials of unknown mass (even
    after the estimate) have a volume: then it cannot be established (``share`` None) and
    ``unknown_volume_m3`` says how much is unknown. Matched materials of unknown mass (a per-m² window
    without a density) could only make the true share larger: the share is then a lower bound
    (``share_is_lower_bound``)."""

    total_mass_kg: float  # matched + unmatched, estimated mass included
    matched_mass_kg: float
    required_share: float
    cutoff_share: float
    unknown_mass: tuple[str, ...]  # materials with a volume but no mass (no density), matched or not
    unmatched_by_mass: tuple[tuple[str, float], ...]  # (material, kg), heaviest first; estimates included
    omissible: tuple[str, ...]  # unmatched materials each under the cut-off share
    unknown_volume_materials: tuple[tuple[str, float], ...] = ()  # unmatched, mass unknown: (name, m³)
    share_is_lower_bound: bool = False  # matched materials of unknown mass are left out of both sides
    estimated_mass_kg: float = 0.0  # unmatched mass estimated from the names' categories (in the total)

    @property
    def unknown_volume_m3(self) -> float:
        """Volume of unmatched materials whose mass is unknown even after the estimate."""
        return sum(volume for _, volume in self.unknown_volume_materials)

    @property
    def known_share(self) -> float | None:
        """Matched over known (and estimated) mass: what the share would be if the unknown volume
        weighed nothing, so an upper bound when ``unknown_volume_m3`` > 0."""
        return self.matched_mass_kg / self.total_mass_kg if self.total_mass_kg > 0 else None

    @property
    def share(self) -> float | None:
        """The matched share of the mass; None when it cannot be established (see the class)."""
        return None if self.unknown_volume_m3 > 0 else self.known_share

    @property
    def share_text(self) -> str:
        """The share as text ("83.2 %", "at least 83.2 % (…)"), or why it cannot be established."""
        if self.unknown_volume_m3 > 0:
            names = ", ".join(f"{n} {v:,.1f} m³" for n, v in self.unknown_volume_materials[:5])
            more = " …" if len(self.unknown_volume_materials) > 5 else ""
            return (
                f"cannot be established: {self.unknown_volume_m3:,.1f} m³ of unmatched materials of unknown "
                f"mass ({names}{more})"
            )
        share = self.share
        if share is None:
            return "no mass is known"
        notes: list[str] = []
        if self.share_is_lower_bound:
            notes.append("a lower bound: matched materials of unknown mass are left out")
        if self.estimated_mass_kg > 0:
            notes.append(
                f"{self.estimated_mass_kg:,.0f} kg of the {self.total_mass_kg:,.0f} kg total estimated from "
                "the names of unmatched materials"
            )
        text = f"{share * 100:.1f} %"
        if self.share_is_lower_bound:
            text = "at least " + text
        return text + (f" ({'; '.join(notes)})" if notes else "")

    @property
    def rule_met(self) -> bool:
        share = self.share
        return share is not None and share >= self.required_share


@dataclass(frozen=True, slots=True)
class MatchResult:
    takeoff: TakeoffResult
    database_version: str
    packs: tuple[str, ...]
    mapping_file: str | None
    materials: tuple[MaterialMatch, ...]
    coverage: Coverage
    problems: tuple[Problem, ...]
    settings: dict[str, object] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        matched = [m for m in self.materials if m.factor_id]
        coverage = self.coverage
        share = coverage.share
        return {
            "materials": len(self.materials),
            "matched": len(matched),
            "unmatched": len(self.materials) - len(matched),
            "matched_mass_share": round(share, 6) if share is not None else None,  # None: not established
            "matched_mass_share_text": coverage.share_text,
            "share_is_lower_bound": coverage.share_is_lower_bound,
            "estimated_mass_kg": round(coverage.estimated_mass_kg, 3),
            "unknown_mass_volume_m3": round(coverage.unknown_volume_m3, 6),
            "coverage_rule_met": coverage.rule_met,
        }


# -- life cycle -------------------------------------------------------------------------------------
class Module(StrEnum):
    """The EN 15978 modules, all of them listed in every result. "Not declared" is None, never 0; the
    modules GB/T 51366 does not cover (B2, B3, B5, B7, C2-C4) are never computed and say so."""

    A1_A3 = "A1-A3"  # product stage (GB/T 51366 material production, C_sc)
    A4 = "A4"  # transport to site (C_ys)
    A5 = "A5"  # construction (C_JZ)
    B1 = "B1"  # in-use emissions, e.g. refrigerant leakage (part of C_M)
    B2 = "B2"  # maintenance (not covered by GB/T 51366)
    B3 = "B3"  # repair (not covered by GB/T 51366)
    B4 = "B4"  # replacements (not covered by GB/T 51366: reported beside it)
    B5 = "B5"  # refurbishment (not covered by GB/T 51366)
    B6 = "B6"  # operational energy (C_M)
    B7 = "B7"  # operational water use (not covered by GB/T 51366)
    C1 = "C1"  # demolition (C_CC)
    C2 = "C2"  # transport to waste processing (not covered: C_CC ends when the debris leaves the floors)
    C3 = "C3"  # waste processing (not covered by GB/T 51366)
    C4 = "C4"  # disposal (not covered by GB/T 51366)
    D = "D"  # benefits beyond the system boundary: reported separately, never netted silently

    @classmethod
    def parse(cls, text: str) -> Module:
        """Lenient: 'a1a3', 'A1–A3', 'A1-3', 'a1-a3 ' all give A1-A3; 'b6' gives B6."""
        key = "".join(ch for ch in text.upper() if ch.isalnum())
        if key in ("A1A3", "A13", "A123", "A1A2A3"):
            return cls.A1_A3
        for member in cls:
            if member.value.replace("-", "") == key:
                return member
        raise ValueError(f"unknown EN 15978 module {text!r}")


class Stage(StrEnum):
    """GB/T 51366-2019 stages."""

    PRODUCTION = "production"  # 建材生产
    TRANSPORT = "transport"  # 建材运输
    CONSTRUCTION = "construction"  # 建造
    OPERATION = "operation"  # 运行
    DEMOLITION = "demolition"  # 拆除


# How modules roll up into GB/T 51366 stages; B4 and D have no GB/T 51366 stage and are shown beside.
# B2, B3, B5, B7, C2, C3, C4: not covered by GB/T 51366-2019 (no stage; never computed).
MODULE_STAGE: dict[Module, Stage | None] = {
    Module.A1_A3: Stage.PRODUCTION,
    Module.A4: Stage.TRANSPORT,
    Module.A5: Stage.CONSTRUCTION,
    Module.B1: Stage.OPERATION,
    Module.B2: None,
    Module.B3: None,
    Module.B4: None,
    Module.B5: None,
    Module.B6: Stage.OPERATION,
    Module.B7: None,
    Module.C1: Stage.DEMOLITION,
    Module.C2: None,
    Module.C3: None,
    Module.C4: None,
    Module.D: None,
}
EMBODIED_STAGES = (Stage.PRODUCTION, Stage.TRANSPORT, Stage.CONSTRUCTION, Stage.DEMOLITION)
