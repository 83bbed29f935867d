"""Results written back into the IFC model: a copy of the model with each element's kgCO2e in a
property set, so that a viewer can colour the model by carbon (``embodied report MODEL --write-ifc
OUT.ifc``).

What is written (all numbers IfcReal in kgCO2e; the unit is in each property's Description):

``Embodied_Carbon`` on each element of the take-off (not ``Pset_``: buildingSMART reserves it)
    ``A1_A3``, ``A4``, ``TotalKgCO2e`` (A1-A3 + A4, the GB/T 51366 production and transport) — the
    element's allocated share of its materials' lines (``lifecycle.by_element``); ``FactorIds``
    (IfcText, "; "-joined), ``MatchMethod`` (IfcLabel, "; "-joined), ``RunId`` (the report's), and
    ``Note`` (IfcText) when there is one. An element of the take-off without any carbon (its material
    unmatched, or no quantity in its factor's unit) gets the set *without* the numbers and with a
    Note saying why ("material unmatched, not in the totals: …"), so that a reviewer sees it apart
    from an element that is truly near zero.
``Embodied_Carbon_Report`` on the IfcProject
    ``RunId``, ``ToolVersion``, ``DataVersion``, ``ModelSha256``, ``Created``, ``TotalKgCO2e`` (the
    building's A1-A3 + A4, what the elements add up to; absent when unknown), ``LifeCycleKgCO2e``
    (the report's whole-life total, operation included), ``ElementsWithCarbon``,
    ``ElementsWithoutCarbon``.

Nothing else in the model changes: the property sets are created directly (``file.create_entity``),
not through ``ifcopenshell.api``, whose ``root.create_entity`` may create or edit an IfcOwnerHistory.
Their OwnerHistory is left unset ($) in IFC4/IFC4X3, where it is optional, and in IFC2X3, where it is
mandatory, is the project's (an existing entity, shared, not edited). Only IfcPropertySet,
IfcPropertySingleValue and IfcRelDefinesByProperties are added; the counts of every other type and
every existing GlobalId are checked to be unchanged before the file is written. The header is kept as
read. ifcopenshell re-serialises the whole file, so existing entities keep their #ids and values but
not necessarily their byte-for-byte spelling (e.g. of real numbers).

The input is never overwritten (OUT resolving to it is refused), and OUT is written to a temporary
file beside it and moved into place only when complete. OUT's suffix decides the container: ``.ifc``
(STEP text) or ``.ifczip`` (a zip holding ``<OUT stem>.ifc``, as ifcopenshell and the readers of
.ifczip expect); the schema is the input's. A model that already carries these property sets (a
written-back copy) is refused: write back into the model as exported.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ifcopenshell
import ifcopenshell.guid

from embodied import reading
from embodied.errors import InputError, OutputError
from embodied.lifecycle.by_element import ElementCarbon, by_element
from embodied.records import MatchResult
from embodied.report.files import atomic, check_writable
from embodied.report.records import Fingerprint

if TYPE_CHECKING:
    from embodied.pipeline import Calculation
    from embodied.report.records import ReportModel

PSET = "Embodied_Carbon"
PROJECT_PSET = "Embodied_Carbon_Report"
SUFFIXES = (".ifc", ".ifczip")
# the only entity types a write-back adds to (property values are typed values inside the
# IfcPropertySingleValue, not entities of their own)
ADDED_TYPES = frozenset({"IfcPropertySet", "IfcPropertySingleValue", "IfcRelDefinesByProperties"})
UNIT = "kgCO2e"
NO_CARBON = "matched, but no kgCO2e computed (no quantity in its factor's unit?): not in the totals"


@dataclass(frozen=True, slots=True)
class WriteSummary:
    """What a write-back wrote: the file, how many elements got numbers or a note only, the GlobalIds
    given that the model does not hold, and the entity counts by type before and after."""

    out_path: Path
    schema: str
    elements_written: int  # elements with A1_A3 / A4 / TotalKgCO2e
    elements_noted: int  # elements with a set holding a Note but no numbers
    missing: tuple[str, ...]  # GlobalIds given that are not in the model (nothing written for them)
    counts_before: Mapping[str, int]
    counts_after: Mapping[str, int]

    @property
    def added(self) -> dict[str, int]:
        """Entities added, by type (only ADDED_TYPES)."""
        return {
            t: self.counts_after.get(t, 0) - self.counts_before.get(t, 0)
            for t in sorted(self.counts_after)
            if self.counts_after.get(t, 0) != self.counts_before.get(t, 0)
        }


def write_ifc(
    model_path: Path,
    out_path: Path,
    elements: Mapping[str, ElementCarbon],
    fingerprint: Fingerprint,
    total_kgco2e: float | None,
    notes: Mapping[str, str] | None = None,
    *,
    life_cycle_kgco2e: float | None = None,
) -> WriteSummary:
    """Write a copy of `model_path` to `out_path` with the property sets described in the module doc:
    numbers for each of `elements` (GlobalId -> its carbon), a Note for each of `notes` (GlobalId ->
    text; an element in `notes` only gets a set without numbers), the report's fingerprint and
    `total_kgco2e` on the project: the building's A1-A3 + A4, what the elements' TotalKgCO2e add up
    to (not the report's whole-life total, which is `life_cycle_kgco2e`, written as
    LifeCycleKgCO2e when given).

    Raises InputError when OUT resolves to the input, when the model's bytes are not those the
    fingerprint names, or when the model already carries these sets; ModelReadError when it cannot be
    read; OutputError when OUT cannot be written (nothing is left behind then)."""
    model_path, out_path = Path(model_path), Path(out_path)
    notes = notes or {}
    zipped = _check_target(model_path, out_path)
    model = reading.open_model(model_path)
    if fingerprint.model_sha256 and model.info.sha256 != fingerprint.model_sha256:
        raise InputError(
            f"{model_path}: not the model the results were calculated for (its sha256 differs)",
            hint="calculate and write back in one run",
        )
    file = model.file
    _refuse_written(file, model_path)
    before = _counts(file)
    ids_before = {e.GlobalId for e in file.by_type("IfcRoot")}

    writer = _Writer(file)
    written = noted = 0
    missing: list[str] = []
    for gid in sorted(set(elements) | set(notes)):
        try:
            product = file.by_guid(gid)
        except RuntimeError:
            missing.append(gid)
            continue
        carbon = elements.get(gid)
        props: list[Any] = []
        if carbon is not None:
            written += 1
            props += [
                writer.real(
                    "A1_A3", carbon.a1_a3, f"{UNIT}, EN 15978 A1-A3 (production), this element's share"
                ),
                writer.real("A4", carbon.a4, f"{UNIT}, EN 15978 A4 (transport), this element's share"),
                writer.real(
                    "TotalKgCO2e", carbon.total_kgco2e, f"{UNIT}, A1-A3 + A4 (GB/T 51366 C_sc + C_ys)"
                ),
                writer.text(
                    "FactorIds", "; ".join(carbon.factor_ids), "IfcText", "emission factors of its materials"
                ),
                writer.text(
                    "MatchMethod", "; ".join(carbon.methods), "IfcLabel", "how its materials were matched"
                ),
            ]
        else:
            noted += 1
        if gid in notes:
            props.append(writer.text("Note", notes[gid], "IfcText", None))
        props.append(writer.text("RunId", fingerprint.run_id, "IfcIdentifier", "the report's run_id"))
        writer.pset(product, PSET, props)

    project = file.by_type("IfcProject")[0]
    writer.pset(
        project,
        PROJECT_PSET,
        [
            writer.text("RunId", fingerprint.run_id, "IfcIdentifier", "sha256 of the inputs and versions"),
            writer.text("ToolVersion", fingerprint.tool_version, "IfcLabel", "embodied"),
            writer.text("DataVersion", fingerprint.data_version, "IfcLabel", "factor database"),
            writer.text("ModelSha256", fingerprint.model_sha256, "IfcLabel", "of the model calculated"),
            writer.text("Created", fingerprint.created, "IfcLabel", "ISO 8601 UTC"),
            writer.real(
                "TotalKgCO2e", total_kgco2e, f"{UNIT}, A1-A3 + A4 of the building: its elements' sum"
            ),
            writer.real("LifeCycleKgCO2e", life_cycle_kgco2e, f"{UNIT}, the report's whole-life total"),
            writer.integer("ElementsWithCarbon", written),
            writer.integer("ElementsWithoutCarbon", noted),
        ],
    )

    after = _counts(file)
    _check_unchanged(before, after, ids_before, {e.GlobalId for e in file.by_type("IfcRoot")})
    try:
        with atomic(out_path) as tmp:
            _serialize(file, tmp, out_path.stem + ".ifc" if zipped else None)
    except OSError as exc:
        raise OutputError(f"{out_path}: cannot be written ({exc.strerror or exc})") from exc
    return WriteSummary(out_path, model.info.schema_identifier, written, noted, tuple(missing), before, after)


def notes_for(match: MatchResult, elements: Mapping[str, ElementCarbon]) -> dict[str, str]:
    """A Note for each element of the take-off that the totals miss in whole or in part: "material
    unmatched, not in the totals: <materials>" (no carbon at all), "partly unmatched, not in the
    totals: <materials>" (some carbon), or, matched but without carbon, why it has none."""
    unmatched: dict[str, set[str]] = defaultdict(set)
    for material in match.materials:
        if not material.factor_id:
            for gid in material.element_ids:
                unmatched[gid].add(material.material)
    notes: dict[str, str] = {}
    for gid in match.takeoff.element_ids:
        names = "; ".join(sorted(unmatched.get(gid, ())))
        if gid in elements:
            if names:
                notes[gid] = f"partly unmatched, not in the totals: {names}"
        elif names:
            notes[gid] = f"material unmatched, not in the totals: {names}"
        else:
            notes[gid] = NO_CARBON
    return notes


def write_back(calc: Calculation, report: ReportModel, out_path: Path) -> WriteSummary:
    """`write_ifc` for one run: the model calculated, its elements' carbon and notes, the report's
    fingerprint and total."""
    elements = by_element(calc.match, calc.lifecycle)
    return write_ifc(
        Path(calc.match.takeoff.model.path),
        out_path,
        elements,
        report.fingerprint,
        production_and_transport(report),
        notes_for(calc.match, elements),
        life_cycle_kgco2e=report.total_kgco2e,
    )


def production_and_transport(report: ReportModel) -> float | None:
    """The building's A1-A3 + A4 as the report states them (None when neither is declared)."""
    amounts = [m.kgco2e for m in report.modules if m.key in ("A1-A3", "A4") and m.kgco2e is not None]
    return sum(amounts) if amounts else None


def check_out_path(model_path: Path, out_path: Path) -> None:
    """Fail before any work when OUT cannot be written or is the input (for the CLI to call early)."""
    _check_target(Path(model_path), Path(out_path))


# -- the parts ----------------------------------------------------------------------------------------
def _check_target(model_path: Path, out_path: Path) -> bool:
    """Whether OUT is an .ifczip; an InputError when OUT is the input, an OutputError when it cannot
    be written."""
    suffix = out_path.suffix.lower()
    if suffix not in SUFFIXES:
        raise OutputError(
            f"{out_path}: a written-back model must end in .ifc or .ifczip, not {suffix or '(none)'!r}"
        )
    if _same_file(model_path, out_path):
        raise InputError(
            f"{out_path}: is the input model; the original is never overwritten", hint="name another file"
        )
    check_writable(out_path)
    return suffix == ".ifczip"


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return b.exists() and a.exists() and os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def _refuse_written(file: Any, model_path: Path) -> None:
    names = {PSET, PROJECT_PSET}
    if any(p.Name in names for p in file.by_type("IfcPropertySet")):
        raise InputError(
            f"{model_path}: already holds {PSET} property sets (a written-back copy?)",
            hint="write back into the model as exported",
        )


def _counts(file: Any) -> dict[str, int]:
    return dict(Counter(entity.is_a() for entity in file))


def _check_unchanged(
    before: Mapping[str, int], after: Mapping[str, int], ids_before: set[str], ids_after: set[str]
) -> None:
    """The write-back contract; a failure is a bug, not a user error."""
    changed = {
        t: (before.get(t, 0), after.get(t, 0))
        for t in set(before) | set(after)
        if before.get(t, 0) != after.get(t, 0)
        and not (t in ADDED_TYPES and after.get(t, 0) > before.get(t, 0))
    }
    if changed or not ids_before <= ids_after:
        raise RuntimeError(f"write-back would change the model beyond its property sets: {changed}")


def _serialize(file: Any, tmp: Path, member: str | None) -> None:
    """Write the STEP text to `tmp`, or with `member`, a zip holding it under that name."""
    if member is None:
        file.write(str(tmp), format=".ifc")
        return
    raw = tmp.with_name(tmp.name + ".ifc")
    try:
        file.write(str(raw), format=".ifc")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(raw, member)
    finally:
        raw.unlink(missing_ok=True)


class _Writer:
    """Creates the property entities, and nothing else."""

    def __init__(self, file: Any) -> None:
        self.file = file
        projects = file.by_type("IfcProject")
        # IFC2X3 requires an OwnerHistory: share the project's (not edited); IFC4 leaves it unset
        self.owner = projects[0].OwnerHistory if file.schema == "IFC2X3" and projects else None

    def real(self, name: str, value: float | None, description: str) -> Any:
        if value is None or not math.isfinite(value):
            return None
        nominal = self.file.create_entity("IfcReal", float(f"{value:.12g}"))
        return self.file.create_entity("IfcPropertySingleValue", name, description, nominal, None)

    def integer(self, name: str, value: int) -> Any:
        nominal = self.file.create_entity("IfcInteger", int(value))
        return self.file.create_entity("IfcPropertySingleValue", name, None, nominal, None)

    def text(self, name: str, value: str | None, kind: str, description: str | None) -> Any:
        if not value:
            return None
        if kind != "IfcText":
            value = value[:255]  # IfcLabel and IfcIdentifier are at most 255 characters
        nominal = self.file.create_entity(kind, value)
        return self.file.create_entity("IfcPropertySingleValue", name, description, nominal, None)

    def pset(self, product: Any, name: str, props: list[Any]) -> None:
        properties = [p for p in props if p is not None]
        if not properties:
            return
        pset = self.file.create_entity(
            "IfcPropertySet", ifcopenshell.guid.new(), self.owner, name, None, properties
        )
        self.file.create_entity(
            "IfcRelDefinesByProperties", ifcopenshell.guid.new(), self.owner, None, None, [product], pset
        )
