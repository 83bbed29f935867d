"""The take-off composer: one row per element x material part, every number with its source.

An element's volume, in order of preference:

1. a base quantity (net volume, else gross volume), from a set named as base quantities, else from any
   other set by its quantity names (see ``quantities``): such a volume gives way to the geometry's when
   they disagree by more than the tolerance;
2. for a profile-set member: profile area x member length (base ``Length`` or extrusion depth);
3. the body geometry's volume (closed solids only, openings subtracted);
4. none: the element is still written, with a note and a ``no_quantity`` problem.

Whenever geometry is computed it cross-checks (1) and (2): every pair is kept as a ``VolumeCheck``,
and those differing by more than the tolerance are disagreements (likely model defects).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ifcopenshell.util.classification
import ifcopenshell.util.element
import ifcopenshell.util.representation
import ifcopenshell.util.shape

from embodied.errors import InputError
from embodied.reading import Model, parse_log
from embodied.records import (
    Problem,
    ProblemKind,
    SplitMethod,
    TakeoffResult,
    TakeoffRow,
    VolumeCheck,
    VolumeOrigin,
)
from embodied.takeoff import apart
from embodied.takeoff import geometry as geom
from embodied.takeoff import materials as mats
from embodied.takeoff import quantities as qtys
from embodied.takeoff.index import DAMAGE, ModelIndex
from embodied.takeoff.select import Selection, select
from embodied.takeoff.spaces import SpaceReader
from embodied.units import UnitScales

DEFAULT_TOLERANCE = 0.05
DEFAULT_LOW_MEMORY_BYTES = 100_000_000  # 100 MB: a model of about 60 000 elements
# elements per row worker at least: below this a fork costs more than it saves (`_rows_in_parallel`)
PARALLEL_MIN_ELEMENTS = 10_000
LINEAR_CLASSES = ("IfcBeam", "IfcColumn", "IfcMember", "IfcPile")
GEOMETRY_SOURCE = "geometry:body solid, openings subtracted"
BY_CONTENT = "a volume read by its name from a set not named as base quantities"
Progress = Callable[[str, int, int], None]  # (phase, done, total)


def _env_seconds(name: str) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else geom.DEFAULT_STALL_S
    except ValueError:
        raise InputError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise InputError(f"{name} must be more than 0 seconds, not {raw}")
    return value


def _env_bytes(name: str) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return DEFAULT_LOW_MEMORY_BYTES
    if not raw.isdigit():
        raise InputError(f"{name}={raw!r} is not a number of bytes")
    return int(raw)


@dataclass(frozen=True, slots=True)
class TakeoffOptions:
    """How to take off. `prefer_geometry` uses the geometry volume, where there is one, even when a
    base quantity exists (the check against the base quantity is still recorded)."""

    use_geometry: bool = True
    prefer_geometry: bool = False
    tolerance: float = DEFAULT_TOLERANCE  # relative base/geometry difference listed as a disagreement
    threads: int | None = None  # cores (--jobs): geometry threads, row workers; None: all cores
    # seconds without a new shape before the geometry kernel is stopped (EMBODIED_GEOMETRY_TIMEOUT)
    geometry_timeout_s: float = field(default_factory=lambda: _env_seconds("EMBODIED_GEOMETRY_TIMEOUT"))
    # a plain .ifc of this size or more is read lazily (the low-memory path, see reading.open_model),
    # its geometry measured apart (takeoff.apart); EMBODIED_LOW_MEMORY_BYTES, 0 for every file
    low_memory_bytes: int = field(default_factory=lambda: _env_bytes("EMBODIED_LOW_MEMORY_BYTES"))

    def reads_lazily(self, size_bytes: int) -> bool:
        """Whether a model of `size_bytes` is read on the low-memory path (a plain .ifc only: see
        reading.open_model). With geometry, the geometry is then measured in a process of its own
        (`measure_apart`)."""
        return size_bytes >= self.low_memory_bytes

    def __post_init__(self) -> None:
        if self.tolerance < 0:
            raise InputError(f"the tolerance must be 0 or more, not {self.tolerance:g}")
        if self.prefer_geometry and not self.use_geometry:
            raise InputError(
                "preferring geometry needs geometry: --prefer-geometry and --no-geometry exclude each other"
            )


def run(
    model: Model,
    options: TakeoffOptions | None = None,
    *,
    on_progress: Progress | None = None,
    measured: apart.Measured | None = None,
) -> TakeoffResult:
    """Take off `model`: one row per element x material part (see the module docstring).

    `measured` is the geometry of a lazily read model, measured before it was opened
    (`measure_apart`); without it, such a model's geometry is measured apart here."""
    options = options or TakeoffOptions()
    if options.use_geometry and model.lazy and measured is None:
        measured = measure_apart(model.info.path, options, on_progress)
    with collector_paused():
        return _run(model, options, on_progress, measured)


def measure_apart(path: str | Path, options: TakeoffOptions, on_progress: Progress | None) -> apart.Measured:
    """The geometry of a model to be read lazily, measured in a process of its own (takeoff.apart):
    called before the model is opened, so that the two never hold it at once."""
    return apart.measure(
        path,
        threads=options.threads,
        stall_s=options.geometry_timeout_s,
        on_progress=(lambda done, total: on_progress("geometry", done, total)) if on_progress else None,
    )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the take-off, back on after it if it was on.

    The take-off makes hundreds of thousands of objects that hold no reference cycles (rows, entity
    wrappers, step ids in dictionaries): reference counting frees each of them, and the collector's
    passes, started by the count of objects made, only walk them again. On the 100 000-element grid
    its full passes walk every live row and cost 0.5-0.8 s of the take-off (measured with
    ``gc.callbacks``)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(
    model: Model, options: TakeoffOptions, on_progress: Progress | None, measured: apart.Measured | None
) -> TakeoffResult:
    file, units = model.file, model.info.units
    index = ModelIndex(file)
    selection = select(file, index)
    problems: list[Problem] = [Problem(ProblemKind.UNITS, text) for text in units.assumed]
    # what the parser read around: the model taken off is not quite the file
    problems += [Problem(ProblemKind.DAMAGE, text) for text in model.damage]
    problems += [
        Problem(ProblemKind.DAMAGE, f"{text}: the elements it relates are taken off without it")
        for text in index.damage
    ]
    if not selection.counted and not selection.containers:
        message = "no element to take off: the model holds no physical element (IfcElement)"
        problems.append(Problem(ProblemKind.NO_QUANTITY, message))
    spaces = SpaceReader(file, index, units)
    volumes: Mapping[int, geom.GeometryVolume] = {}
    if options.use_geometry and measured is not None:
        volumes = _measured_volumes(measured, selection, file)
    elif options.use_geometry:
        wanted = [file.by_id(i) for i in selection.counted] + [c for c, _ in selection.containers]
        wanted += spaces.wanted  # (for their footprint only: spaces are not taken off)
        total = len(wanted)
        volumes = geom.volumes(
            file,
            wanted,
            threads=options.threads,
            on_progress=(lambda done: on_progress("geometry", done, total)) if on_progress else None,
            stall_s=options.geometry_timeout_s,
        )
    taker = _Taker(units, index, volumes, options, problems)
    # a lazily read model is never shared with forked workers: they would read its file through one
    # shared file offset (and each would parse what it reads again)
    jobs = (
        1
        if model.lazy
        else min(options.threads or os.cpu_count() or 1, len(selection.counted) // PARALLEL_MIN_ELEMENTS)
    )
    late: list[str] = []  # the parser's complaints while the rows were made (a lazily read model)
    if jobs > 1:
        rows = _rows_in_parallel(taker, selection.counted, jobs, late, on_progress)
    else:
        rows = _rows(taker, selection.counted, 0, on_progress)
    for container, parts in selection.containers:
        try:
            rows.append(taker.container_row(container, parts))
        except DAMAGE as error:
            rows.append(taker.unreadable_row(container, error))
    if model.lazy:  # parsed as it was used: the parser's complaints since the model was opened
        late += parse_log(parser_only=True)
        if measured is not None:  # and those of the geometry process's parse, once each
            late += [text for text in measured.damage if text not in late and text not in model.damage]
        problems += [Problem(ProblemKind.DAMAGE, text) for text in late]
        problems.append(Problem(ProblemKind.ASSUMPTION, _low_memory_note(model, measured is not None)))
    return TakeoffResult(
        model=model.info,
        rows=tuple(rows),
        problems=tuple(problems),
        checks=tuple(taker.checks),
        excluded=selection.excluded,
        tolerance=options.tolerance,
        geometry_used=options.use_geometry,
        settings=asdict(options),
        spaces=spaces.finish(volumes),
    )


def _measured_volumes(
    measured: apart.Measured, selection: Selection, file: Any
) -> Mapping[int, geom.GeometryVolume]:
    """The volumes the geometry process sent; an element it did not measure (none, when it failed)
    gets a note saying why, as `geometry.volumes` notes an element the kernel did not reach."""
    volumes = measured.volumes
    why = measured.failure or "the geometry process did not measure it"
    missing = {
        eid: geom.GeometryVolume(None, f"no geometry: {why}")
        for eid in [*selection.counted, *(c.id() for c, _ in selection.containers)]
        if eid not in volumes and getattr(file.by_id(eid), "Representation", None) is not None
    }
    return {**volumes, **missing} if missing else volumes  # (missing: only when the process failed)


def _low_memory_note(model: Model, geometry: bool) -> str:
    megabytes = model.info.size_bytes / 1e6
    if not geometry:
        return (
            f"low-memory reading ({megabytes:,.0f} MB model, no geometry): each entity was parsed when "
            "the take-off used it, so damage in entities it did not use (geometry) was not looked "
            "for; EMBODIED_LOW_MEMORY_BYTES sets the size from which models are read so"
        )
    return (
        f"low-memory reading ({megabytes:,.0f} MB model): the geometry was measured in a process of its "
        "own that parsed all but the property and quantity sets, then each entity was parsed when the "
        "take-off used it, so damage in property sets it did not use was not looked for; "
        "EMBODIED_LOW_MEMORY_BYTES sets the size from which models are read so"
    )


def _rows(
    taker: _Taker, elements: Sequence[int], done: int, on_progress: Progress | None, total: int = 0
) -> list[TakeoffRow]:
    """The rows of the elements of these step ids."""
    rows: list[TakeoffRow] = []
    total = total or len(elements)
    by_id = taker.index.file.by_id
    for eid in elements:
        element = by_id(eid)
        try:
            rows.extend(taker.element_rows(element))
        except DAMAGE as error:  # a damaged entity (wrong types, dangling references) of one element
            rows.append(taker.unreadable_row(element, error))
        done += 1
        if on_progress is not None:
            on_progress("elements", done, total)
    return rows


# The state a forked row worker reads (set just before the workers are forked, never pickled).
_WORK: tuple[_Taker, Sequence[int]] | None = None


def _rows_of(span: tuple[int, int]) -> tuple[list[TakeoffRow], list[Problem], list[VolumeCheck], list[str]]:
    """In a forked worker: the rows of elements[start:stop], and what the taker noted on the way."""
    assert _WORK is not None
    taker, elements = _WORK
    problems_before, checks_before = len(taker.problems), len(taker.checks)
    rows = _rows(taker, elements[span[0] : span[1]], 0, None)
    late = list(parse_log(parser_only=True))
    return rows, taker.problems[problems_before:], taker.checks[checks_before:], late


def _rows_in_parallel(
    taker: _Taker, elements: Sequence[int], jobs: int, late: list[str], on_progress: Progress | None
) -> list[TakeoffRow]:
    """The rows of `elements` made by `jobs` forked processes, chunk by chunk, merged in element
    order: the same rows, problems and checks as one process makes (a material without density is
    reported once, at its first element). The per-element Python work is most of the take-off of a
    large model without geometry; the model (read, indexed) is shared with the workers by the fork."""
    global _WORK
    chunks = jobs * 4
    size = -(-len(elements) // chunks)
    spans = [(start, min(start + size, len(elements))) for start in range(0, len(elements), size)]
    _WORK = (taker, elements)
    rows: list[TakeoffRow] = []
    seen_density = {p.message for p in taker.problems if p.kind is ProblemKind.DENSITY}
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            for (_, stop), (part, problems, checks, parsed) in zip(
                spans, pool.map(_rows_of, spans), strict=True
            ):
                rows.extend(part)
                for problem in problems:
                    if problem.kind is ProblemKind.DENSITY:
                        if problem.message in seen_density:
                            continue
                        seen_density.add(problem.message)
                    taker.problems.append(problem)
                taker.checks.extend(checks)
                late.extend(parsed)
                if on_progress is not None:
                    on_progress("elements", stop, len(elements))
    except BrokenProcessPool:  # a worker died (a crash in the parser): one process, as before
        del rows[:]
        return _rows(taker, elements, 0, on_progress)
    finally:
        _WORK = None
    return rows


def _quantityless_row(
    ident: dict[str, Any], origin: VolumeOrigin, note: str, *, count: float | None
) -> TakeoffRow:
    """A row with no material part and no quantity: a container of parts, or an unreadable element."""
    return TakeoffRow(
        **ident,
        material=None,
        material_set=None,
        material_kind=None,
        material_source=None,
        layer_index=None,
        layer_thickness_m=None,
        share=None,
        split_method=None,
        quantity_source=origin.value,
        volume_origin=origin,
        volume_m3=None,
        area_m2=None,
        length_m=None,
        count=count,
        mass_kg=None,
        density_kg_m3=None,
        mass_source=None,
        note=note,
    )


def _text(value: Any) -> str | None:
    """A label attribute as text; anything else (a damaged file can put an entity there) is None."""
    return value if isinstance(value, str) else None


def classification_text(references: list[Any]) -> str | None:
    """'<system>:<code>' for each classification reference, '; '-joined."""
    found = []
    for ref in references:
        code = getattr(ref, "Identification", None) or getattr(ref, "ItemReference", None) or ref.Name
        system = ifcopenshell.util.classification.get_classification(ref)
        if code:
            found.append(f"{system.Name}:{code}" if system is not None and system.Name else str(code))
    return "; ".join(dict.fromkeys(found)) or None


def _type_predefined(element_type: Any, read: Callable[[Any, str], Any]) -> tuple[bool, str | None]:
    """(whether the type decides the element's predefined type, its value): the type's is used first
    (as ifcopenshell.util.element.get_predefined_type), unless it has none or NOTDEFINED. `read(entity,
    attribute)` reads an attribute, None when the entity has none."""
    value = read(element_type, "PredefinedType")
    if value == "USERDEFINED" or not value:
        value = read(element_type, "ElementType") or read(element_type, "ProcessType")
    if value and value != "NOTDEFINED":
        return True, _text(value)
    return False, None


def _own_predefined(element: Any, read: Callable[[Any, str], Any]) -> str | None:
    """The occurrence's own predefined type (its ObjectType when USERDEFINED or none)."""
    value = read(element, "PredefinedType")
    if value == "USERDEFINED" or not value:
        value = read(element, "ObjectType")
    return _text(value)


def _axis_length(element: Any) -> float | None:
    """Length of a wall's 'Axis' polyline (project units): the wall's run without base quantities."""
    if not element.is_a("IfcWall"):
        return None
    axis = ifcopenshell.util.representation.get_representation(element, "Plan", "Axis") or (
        ifcopenshell.util.representation.get_representation(element, "Model", "Axis")
    )
    if axis is None or len(axis.Items) != 1:
        return None
    curve = axis.Items[0]
    if curve.is_a("IfcPolyline"):
        points = [p.Coordinates for p in curve.Points]
    elif curve.is_a("IfcIndexedPolyCurve") and not curve.Segments:
        points = list(curve.Points.CoordList)
    else:
        return None
    total = sum(math.dist(a[:2], b[:2]) for a, b in itertools.pairwise(points))
    return total or None


def _fmt_pct(x: float) -> str:
    return f"{x * 100:+.1f} %"


class _Taker:
    """Per-element work; holds the run's shared state (geometry volumes, checks, problems)."""

    def __init__(
        self,
        units: UnitScales,
        index: ModelIndex,
        volumes: Mapping[int, geom.GeometryVolume],
        options: TakeoffOptions,
        problems: list[Problem],
    ) -> None:
        self.units = units
        self.scales = qtys.project_scales(units)
        self.index = index
        self.volumes = volumes
        self.use_geometry = options.use_geometry
        self.prefer_geometry = options.prefer_geometry
        self.tolerance = options.tolerance
        self.problems = problems
        self.checks: list[VolumeCheck] = []
        self._profile_areas: dict[int, float | None] = {}
        self._resolutions: dict[tuple[int, str | None], mats.MaterialResolution] = {}
        self._splits: dict[tuple[int, tuple[float | None, ...]], mats.Split] = {}
        self._linear: dict[str, bool] = {}
        self._attribute_at: dict[tuple[str, str], int] = {}
        self._texts: dict[str | None, str | None] = {}
        self._types: dict[int, tuple[str | None, bool, str | None]] = {}
        self._density_reported: set[str] = set()

    def _shared(self, text: Any) -> Any:
        """One object for equal texts: most rows repeat their class, storey, type, sources and notes,
        and 175 000 rows of separate copies cost a hundred megabytes."""
        return self._texts.setdefault(text, text) if isinstance(text, str) else text

    # -- identity ---------------------------------------------------------------------------
    def unreadable_row(self, element: Any, error: Exception) -> TakeoffRow:
        """A row for an element whose entities are too damaged to read: listed, never dropped."""
        global_id = getattr(element, "GlobalId", None)
        ident = {
            "global_id": global_id if isinstance(global_id, str) else f"#{element.id()}",
            "ifc_class": element.is_a(),
            "name": _text(getattr(element, "Name", None)),
            "type_name": None,
            "storey": None,
        }
        reason = f"could not be read, the model is damaged here ({type(error).__name__}: {error})"
        self._problem(ProblemKind.NO_QUANTITY, reason, ident)
        return _quantityless_row(ident, VolumeOrigin.NONE, reason, count=None)

    def _identity(self, element: Any, eid: int) -> dict[str, Any]:
        index = self.index
        type_id = index.type_of.get(eid)
        type_name, decided, predefined = self._type(type_id) if type_id is not None else (None, False, None)
        if not decided:
            predefined = _own_predefined(element, self._read)
        global_id = element.get_argument(0)  # IfcRoot: GlobalId, OwnerHistory, Name
        references = index.classifications(eid)
        return {
            "global_id": global_id if isinstance(global_id, str) else f"#{eid}",
            "ifc_class": element.is_a(),
            "name": _text(element.get_argument(2)),
            "type_name": type_name,
            "storey": index.storey_name(eid),
            "classification": classification_text(references) if references else None,
            "predefined_type": predefined,
        }

    def _type(self, type_id: int) -> tuple[str | None, bool, str | None]:
        """(name, whether it decides the predefined type, predefined type) of an element type, read
        once per type: thousands of occurrences share one."""
        known = self._types.get(type_id)
        if known is None:
            element_type = self.index.file.by_id(type_id)
            decided, predefined = _type_predefined(element_type, self._read)
            known = self._types[type_id] = (_text(element_type.get_argument(2)), decided, predefined)
        return known

    def _read(self, entity: Any, name: str) -> Any:
        """entity.<name> by attribute index (found once per class), None when its class has none."""
        key = (entity.is_a(), name)
        at = self._attribute_at.get(key)
        if at is None:
            try:
                at = entity.get_argument_index(name)  # no such attribute: raises, or gives 2**32 - 1
            except (RuntimeError, ValueError, TypeError):
                at = -1
            at = self._attribute_at[key] = at if 0 <= at < len(entity) else -1
        return entity.get_argument(at) if at >= 0 else None

    def _is_linear(self, element: Any) -> bool:
        cls = element.is_a()
        if cls not in self._linear:
            self._linear[cls] = any(element.is_a(c) for c in LINEAR_CLASSES)
        return self._linear[cls]

    def _split(
        self,
        resolution: mats.MaterialResolution,
        complex_quantities: dict[str, dict[str, float]],
        profile_areas: tuple[float | None, ...],
    ) -> mats.Split:
        """mats.split, remembered per material association and profile areas (it depends on nothing
        else unless the element has per-constituent quantities)."""
        if complex_quantities or not resolution.parts:
            return mats.split(resolution, complex_quantities, profile_areas)
        key = (id(resolution), profile_areas)
        if key not in self._splits:
            self._splits[key] = mats.split(resolution, complex_quantities, profile_areas)
        return self._splits[key]

    def _resolution(self, eid: int) -> mats.MaterialResolution:
        associated, source = self.index.material_id(eid)
        key = (associated or 0, source)
        if key not in self._resolutions:
            entity = self.index.file.by_id(associated) if associated is not None else None
            self._resolutions[key] = mats.resolve(entity, source, self.units)
        return self._resolutions[key]

    def _problem(self, kind: ProblemKind, message: str, ident: dict[str, Any]) -> None:
        self.problems.append(Problem(kind, message, ident["global_id"], ident["ifc_class"]))

    # -- quantities -------------------------------------------------------------------------
    def _profile_area(self, profile: Any) -> float | None:
        if profile.id() not in self._profile_areas:
            self._profile_areas[profile.id()] = geom.profile_area_m2(profile)
        return self._profile_areas[profile.id()]

    def _length(
        self, element: Any, base: qtys.BaseQuantities, linear: bool
    ) -> tuple[float | None, str | None]:
        """Base ``Length``; for a linear member (beam, column, member, pile or any profile-set
        element) else the depth of its single body extrusion. A wall's or slab's extrusion depth is
        its height or thickness, not a length, so it is never used for them."""
        if base.length is not None:
            return base.length.value, f"base:{base.length.label}"
        if not linear:
            axis = _axis_length(element)
            return (axis * self.units.length_m, "axis polyline length") if axis else (None, None)
        extrusions = ifcopenshell.util.shape.get_extrusions(element) or []
        if len(extrusions) == 1 and extrusions[0].Depth:
            return float(extrusions[0].Depth) * self.units.length_m, "body extrusion depth"
        return None, None

    def _area(
        self, element: Any, base: qtys.BaseQuantities, geometry: geom.GeometryVolume | None
    ) -> tuple[float | None, str | None]:
        if base.area is not None:
            return base.area.value, f"base:{base.area.label}"
        if geometry is not None and geometry.footprint_m2:
            return geometry.footprint_m2, "geometry footprint (top view)"
        width = self._read(element, "OverallWidth")  # by index: most classes have none (no exception)
        height = self._read(element, "OverallHeight") if width else None
        if width and height:
            return float(width) * float(height) * self.units.length_m**2, "OverallWidth × OverallHeight"
        return None, None

    # -- rows -------------------------------------------------------------------------------
    def _volume(
        self,
        eid: int,
        ident: dict[str, Any],
        base: qtys.BaseQuantities,
        profile_areas: tuple[float | None, ...],
        length: tuple[float | None, str | None],
        geometry_volume: float | None,
        notes: list[str],
    ) -> tuple[float | None, VolumeOrigin, str]:
        """The element's volume, where it came from, and its cross-check (see the module docstring)."""
        volume: float | None = None
        origin, source = VolumeOrigin.NONE, "none"
        # profile area x length is gross: an element with openings takes its geometry when it has one
        has_openings = self.index.has_openings(eid)
        member_length, length_source = length
        if base.volume is not None:
            volume, origin = base.volume.value, VolumeOrigin.BASE
            source = f"base:{base.volume.label}"
            if base.volume.label.endswith("GrossVolume"):
                notes.append("gross volume: openings and cut-outs not subtracted")
        elif (
            profile_areas and all(profile_areas) and member_length and not (has_openings and geometry_volume)
        ):
            area_total = sum(a or 0.0 for a in profile_areas)
            volume, origin = area_total * member_length, VolumeOrigin.PROFILE
            source = f"profile:area {area_total:.6f} m² × length {member_length:.4f} m ({length_source})"
            if has_openings:
                notes.append("profile area × length: openings not subtracted (no closed body geometry)")
        elif geometry_volume is not None:
            volume, origin, source = geometry_volume, VolumeOrigin.GEOMETRY, GEOMETRY_SOURCE
        guessed = base.by_content(base.volume) and origin is VolumeOrigin.BASE
        if guessed and geometry_volume is None:
            notes.append(f"{BY_CONTENT}; no geometry volume to check it against")
        if volume is None or geometry_volume is None or origin is VolumeOrigin.GEOMETRY:
            return volume, origin, source
        check = VolumeCheck(
            global_id=ident["global_id"],
            ifc_class=ident["ifc_class"],
            name=ident["name"],
            base_quantity=source.split(":", 1)[1] if origin is VolumeOrigin.BASE else "profile area × length",
            base_volume_m3=volume,
            geometry_volume_m3=geometry_volume,
        )
        self.checks.append(check)
        if abs(check.difference) > self.tolerance:
            notes.append(
                f"{origin.value} volume {volume:.4f} m³ differs from geometry {geometry_volume:.4f} m³ "
                f"by {_fmt_pct(check.difference)}: listed as a disagreement"
            )
        if self.prefer_geometry or (guessed and abs(check.difference) > self.tolerance):
            why = f" ({BY_CONTENT}, and it disagrees)" if guessed and not self.prefer_geometry else ""
            notes.append(f"geometry preferred to {source} ({volume:.4f} m³){why}")
            return geometry_volume, VolumeOrigin.GEOMETRY, GEOMETRY_SOURCE
        return volume, origin, source

    def element_rows(self, element: Any) -> list[TakeoffRow]:
        eid = element.id()
        ident = self._identity(element, eid)
        base = qtys.read(self.index.quantity_sets(eid), self.scales)
        resolution = self._resolution(eid)
        notes: list[str] = [*base.ignored, *base.flagged]
        for text in base.flagged:
            self._problem(ProblemKind.ASSUMPTION, text, ident)
        is_profiled = bool(resolution.parts) and resolution.parts[0].profile is not None
        linear = is_profiled or self._is_linear(element)
        length, length_source = self._length(element, base, linear)
        geometry = self.volumes.get(eid)
        area, area_source = self._area(element, base, geometry)
        geometry_volume = geometry.volume_m3 if geometry is not None else None
        profile_areas: tuple[float | None, ...] = ()
        if is_profiled:
            profile_areas = tuple(self._profile_area(p.profile) for p in resolution.parts)

        volume, origin, source = self._volume(
            eid, ident, base, profile_areas, (length, length_source), geometry_volume, notes
        )
        if volume is None:
            reason = self._no_volume_reason(element, geometry)
            notes.append(reason)
            self._problem(ProblemKind.NO_QUANTITY, reason, ident)
        elif geometry is not None and geometry.note:  # (with a volume: measured after a repair)
            notes.append(geometry.note)

        shared = self._texts.setdefault  # one object for equal texts (see _shared); all str or None here
        common = {
            "global_id": ident["global_id"],
            "ifc_class": shared(ident["ifc_class"], ident["ifc_class"]),
            "name": ident["name"],
            "type_name": ident["type_name"],  # (one per element type already)
            "storey": ident["storey"],  # (one per storey already)
            "classification": shared(ident["classification"], ident["classification"]),
            "predefined_type": shared(ident["predefined_type"], ident["predefined_type"]),
            "area_m2": area,
            "length_m": length,
            "count": base.count.value if base.count is not None else 1.0,
            "volume_origin": origin,
            "area_source": shared(area_source, area_source),
            "length_source": shared(length_source, length_source),
            "geometry_volume_m3": geometry_volume,
            "material_set": resolution.set_name,
            "material_kind": resolution.kind,
            "material_source": resolution.source,
        }
        if not resolution.parts:
            message = (
                "no material associated (occurrence or type)"
                if resolution.kind is None
                else f"{resolution.kind} holds no materials"
            )
            self._problem(ProblemKind.NO_MATERIAL, message, ident)
            mass, mass_source = (
                (base.weight.value, f"base:{base.weight.label}") if base.weight else (None, None)
            )
            return [
                TakeoffRow(
                    **common,
                    material=None,
                    layer_index=None,
                    layer_thickness_m=None,
                    share=None,
                    split_method=None,
                    quantity_source=source,
                    volume_m3=volume,
                    mass_kg=mass,
                    density_kg_m3=None,
                    mass_source=mass_source,
                    note=self._shared("; ".join([*notes, message])),
                )
            ]
        split = self._split(resolution, base.complex, profile_areas)
        if split.assumption:
            self._problem(ProblemKind.ASSUMPTION, split.assumption, ident)
        rows = []
        for part, share, detail in zip(resolution.parts, split.shares, split.detail, strict=True):
            part_notes = list(notes)
            part_volume = volume * share if volume is not None else None
            if split.method is SplitMethod.LAYER_THICKNESS and not part.thickness_m:
                part_notes.append("layer of zero thickness (membrane?): no volume")
                message = f"layer {part.index} ({part.material}) has zero thickness: no volume counted for it"
                self._problem(ProblemKind.ASSUMPTION, message + " (a membrane?)", ident)
            if part.material is None:
                part_notes.append("layer without material (e.g. air gap)")
            if split.assumption:
                part_notes.append(split.assumption)
            mass, density, mass_source = self._mass(part, part_volume, share, base, part_notes)
            rows.append(
                TakeoffRow(
                    **common,
                    material=part.material,
                    material_category=part.category,
                    layer_index=part.index,
                    layer_thickness_m=part.thickness_m,
                    share=share,
                    split_method=split.method,
                    quantity_source=self._shared(f"{source}; {detail}" if detail else source),
                    volume_m3=part_volume,
                    mass_kg=mass,
                    density_kg_m3=density,
                    mass_source=mass_source,
                    note=self._shared("; ".join(dict.fromkeys(part_notes))) if part_notes else "",
                )
            )
        return rows

    def _mass(
        self,
        part: mats.MaterialPart,
        volume: float | None,
        share: float,
        base: qtys.BaseQuantities,
        notes: list[str],
    ) -> tuple[float | None, float | None, str | None]:
        if part.density_note:
            notes.append(part.density_note)
        if part.density_kg_m3 is not None and volume is not None:
            return volume * part.density_kg_m3, part.density_kg_m3, "volume × model MassDensity"
        if base.weight is not None:
            tag = f"base:{base.weight.label}" + (f" × share {share:.4f}" if share != 1.0 else "")
            return base.weight.value * share, None, tag
        if part.material is not None and volume:
            notes.append("no density in the model: mass not computed")
            if part.material not in self._density_reported:
                self._density_reported.add(part.material)
                self.problems.append(
                    Problem(
                        ProblemKind.DENSITY,
                        f"material {part.material!r}: the model gives no MassDensity, so its mass is not "
                        "computed (densities come with the factor database)",
                    )
                )
        return None, part.density_kg_m3, None

    def _no_volume_reason(self, element: Any, geometry: geom.GeometryVolume | None) -> str:
        if geometry is not None and geometry.note:
            return f"no base volume; {geometry.note}"
        if getattr(element, "Representation", None) is None:
            return "no base volume and no body geometry"
        if not self.use_geometry:
            return "no base volume (geometry not computed: --no-geometry)"
        return "no base volume; the geometry kernel gave no body solid"

    def container_row(self, element: Any, parts: tuple[Any, ...]) -> TakeoffRow:
        eid = element.id()
        ident = self._identity(element, eid)
        classes = sorted({p.is_a() for p in parts})
        note = (
            f"decomposed into {len(parts)} parts ({', '.join(classes)}): quantities are counted in the parts"
        )
        geometry = self.volumes.get(eid)
        if geometry is not None and geometry.volume_m3:
            extra = (
                f"the whole also has its own body geometry ({geometry.volume_m3:.4f} m³), not counted: "
                "check the model for double modelling"
            )
            note += "; " + extra
            self._problem(ProblemKind.ASSUMPTION, extra, ident)
        return _quantityless_row(ident, VolumeOrigin.PARTS, note, count=1.0)
