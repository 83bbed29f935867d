"""The rows of one element: its volume chosen and cross-checked, shared among its material parts, with
mass and notes; and the row of a container of parts or of an element too damaged to read.

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

from collections.abc import Mapping
from typing import Any

from embodied.records import Problem, ProblemKind, SplitMethod, TakeoffRow, VolumeCheck, VolumeOrigin
from embodied.takeoff import materials as mats
from embodied.takeoff import quantities as qtys
from embodied.takeoff.dimensions import Dimensions
from embodied.takeoff.identity import Identities, label_text
from embodied.takeoff.index import ModelIndex
from embodied.takeoff.mesh import GeometryVolume
from embodied.takeoff.options import TakeoffOptions
from embodied.units import UnitScales

GEOMETRY_SOURCE = "geometry:body solid, openings subtracted"
BY_CONTENT = "a volume read by its name from a set not named as base quantities"


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


def _fmt_pct(x: float) -> str:
    return f"{x * 100:+.1f} %"


class Taker:
    """Per-element work; holds the run's shared state (geometry volumes, checks, problems), and who
    each element is (`identities`) and its length and area (`dimensions`)."""

    def __init__(
        self,
        units: UnitScales,
        index: ModelIndex,
        volumes: Mapping[int, GeometryVolume],
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
        self.identities = Identities(index)
        self.dimensions = Dimensions(units, self.identities.read)
        self._resolutions: dict[tuple[int, str | None], mats.MaterialResolution] = {}
        self._splits: dict[tuple[int, tuple[float | None, ...]], mats.Split] = {}
        self._texts: dict[str | None, str | None] = {}
        self._density_reported: set[str] = set()

    def _shared(self, value: Any) -> Any:
        """One object for equal texts: most rows repeat their class, storey, type, sources and notes,
        and separate copies in every row of a large model cost much memory."""
        return self._texts.setdefault(value, value) if isinstance(value, str) else value

    # -- damaged elements, materials --------------------------------------------------------
    def unreadable_row(self, element: Any, error: Exception) -> TakeoffRow:
        """A row for an element whose entities are too damaged to read: listed, never dropped."""
        global_id = getattr(element, "GlobalId", None)
        ident = {
            "global_id": global_id if isinstance(global_id, str) else f"#{element.id()}",
            "ifc_class": element.is_a(),
            "name": label_text(getattr(element, "Name", None)),
            "type_name": None,
            "storey": None,
        }
        reason = f"could not be read, the model is damaged here ({type(error).__name__}: {error})"
        self._problem(ProblemKind.NO_QUANTITY, reason, ident)
        return _quantityless_row(ident, VolumeOrigin.NONE, reason, count=None)

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
        ident = self.identities.of(element, eid)
        base = qtys.read(self.index.quantity_sets(eid), self.scales)
        resolution = self._resolution(eid)
        notes: list[str] = [*base.ignored, *base.flagged]
        for text in base.flagged:
            self._problem(ProblemKind.ASSUMPTION, text, ident)
        is_profiled = bool(resolution.parts) and resolution.parts[0].profile is not None
        linear = is_profiled or self.dimensions.is_linear(element)
        length, length_source = self.dimensions.length(element, base, linear)
        geometry = self.volumes.get(eid)
        area, area_source = self.dimensions.area(element, base, geometry)
        geometry_volume = geometry.volume_m3 if geometry is not None else None
        profile_areas: tuple[float | None, ...] = ()
        if is_profiled:
            profile_areas = tuple(self.dimensions.profile_area(p.profile) for p in resolution.parts)

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

    def _no_volume_reason(self, element: Any, geometry: GeometryVolume | None) -> str:
        if geometry is not None and geometry.note:
            return f"no base volume; {geometry.note}"
        if getattr(element, "Representation", None) is None:
            return "no base volume and no body geometry"
        if not self.use_geometry:
            return "no base volume (geometry not computed: --no-geometry)"
        return "no base volume; the geometry kernel gave no body solid"

    def container_row(self, element: Any, parts: tuple[Any, ...]) -> TakeoffRow:
        eid = element.id()
        ident = self.identities.of(element, eid)
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
