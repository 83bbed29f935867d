"""The real models of ../shared/ifc: each is read, and each of its elements is accounted for."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

import pytest
from shared_models import SHARED_IFC, manifest, require

from embodied.reading import open_model
from embodied.records import ProblemKind, TakeoffResult, VolumeOrigin
from embodied.takeoff import TakeoffOptions, run
from embodied.takeoff.select import EXCLUDED_CLASSES

TOLERANCE = 0.01  # the bar: the volume used agrees with geometry within 1 %, or is listed
ENTRIES = [e for e in manifest() if "unsupported-schema" not in e["path"]]
IDS = [e["path"] for e in ENTRIES]
pytestmark = pytest.mark.realmodels


@cache
def _taken(rel: str) -> tuple[Any, TakeoffResult]:
    model = open_model(SHARED_IFC / rel)
    return model, run(model, TakeoffOptions(tolerance=TOLERANCE))


def taken(entry: dict[str, Any]) -> tuple[Any, TakeoffResult]:
    require(SHARED_IFC / entry["path"])
    return _taken(entry["path"])


def test_manifest_is_present() -> None:
    """The shared models are where the tests expect them (skips off CI when absent)."""
    require(SHARED_IFC / "manifest.json")
    assert len(ENTRIES) >= 30


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_every_element_is_counted_or_listed(entry: dict[str, Any]) -> None:
    """Counted elements, containers and the classes left out add up to every IfcElement."""
    model, result = taken(entry)
    elements = model.file.by_type("IfcElement")
    assert len(elements) == entry["n_IfcElement"]
    excluded = sum(e.count for e in result.excluded)
    kept = [e for e in elements if not any(e.is_a(c) for c in EXCLUDED_CLASSES)]
    assert excluded + len(kept) == len(elements)
    assert set(result.element_ids) == {e.GlobalId for e in kept}
    assert result.model.schema_identifier == entry["schema"]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_volume_used_agrees_with_geometry_or_is_listed(entry: dict[str, Any]) -> None:
    """Every element's volume is within 1 % of its geometry volume, or it is a listed disagreement."""
    _, result = taken(entry)
    listed = {c.global_id for c in result.disagreements}
    by_element: dict[str, list[Any]] = defaultdict(list)
    for row in result.rows:
        by_element[row.global_id].append(row)
    for gid, rows in by_element.items():
        first = rows[0]
        if first.volume_origin in (VolumeOrigin.NONE, VolumeOrigin.PARTS) or first.geometry_volume_m3 is None:
            continue
        used = sum(r.volume_m3 or 0.0 for r in rows)
        geometry = first.geometry_volume_m3
        agrees = abs(used - geometry) <= TOLERANCE * geometry
        assert agrees or gid in listed, (gid, first.ifc_class, used, geometry)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_nothing_is_silently_missing(entry: dict[str, Any]) -> None:
    """A row without volume or material carries a note and a problem; part volumes add up."""
    _, result = taken(entry)
    no_quantity = set(result.elements_with(ProblemKind.NO_QUANTITY))
    no_material = set(result.elements_with(ProblemKind.NO_MATERIAL))
    by_element: dict[str, list[Any]] = defaultdict(list)
    for row in result.rows:
        by_element[row.global_id].append(row)
        if row.volume_origin is VolumeOrigin.PARTS:
            assert "decomposed" in row.note
            continue
        if row.volume_m3 is None:
            assert row.note and row.global_id in no_quantity
        if row.material is None and row.material_kind is None:
            assert row.global_id in no_material
        assert row.quantity_source
    for rows in by_element.values():
        shares = [r.share for r in rows if r.share is not None]
        if shares:
            assert sum(shares) == pytest.approx(1.0, rel=1e-9)


def test_roof_slabs_inheriting_the_roof_volume_are_listed() -> None:
    """Revit 2022 writes each split roof slab with the whole roof's NetVolume (revit-ifc #393)."""
    entry = next(e for e in ENTRIES if e["path"].endswith("revit2022_CPM.ifc"))
    _, result = taken(entry)
    slabs = [c for c in result.disagreements if c.ifc_class == "IfcSlab"]
    assert len(slabs) >= 20
    # e.g. a base NetVolume of 19.6252 m³ against 5.2682 m³ of solid: +272.5 %
    assert max(c.difference for c in slabs) > 1.0


def test_foot_models_are_converted_to_si() -> None:
    """Foot models: ft³ base quantities x 0.028316846592 agree with the metre geometry."""
    entry = next(e for e in ENTRIES if e["path"].endswith("revit2026_wall_door_column_ifc4x3.ifc"))
    _, result = taken(entry)
    assert result.model.units.length_m == pytest.approx(0.3048)
    assert result.model.units.volume_m3 == pytest.approx(0.3048**3)
    # a unit slip between the two paths would make them differ 35-fold (1 / 0.0283); they agree:
    # the 8" wall's NetVolume is 4.6356 m³ both ways, the column's 1.1132 against 1.1063 m³ (0.6 %)
    wall = next(c for c in result.checks if c.ifc_class == "IfcWall")
    assert wall.base_volume_m3 == pytest.approx(4.635572664, rel=1e-6)
    assert wall.difference == pytest.approx(0.0, abs=1e-9)
    assert all(abs(c.difference) < 0.01 for c in result.checks)
    janesville = next(e for e in ENTRIES if e["path"].endswith(".ifczip"))
    _, restaurant = taken(janesville)
    assert restaurant.model.units.area_m2 == pytest.approx(0.3048**2)


@cache
def _db() -> Any:
    from embodied import factors

    return factors.load()


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_every_material_is_matched_or_listed(entry: dict[str, Any]) -> None:
    """Every material of the take-off is a match row, with a factor or with a problem saying why not."""
    from embodied import matching
    from embodied.matching.quantities import NO_MATERIAL

    _, result = taken(entry)
    matched = matching.run(result, _db())
    expected = {r.material or NO_MATERIAL for r in result.rows if r.volume_origin is not VolumeOrigin.PARTS}
    assert expected <= {m.material for m in matched.materials}
    unmatched_problems = " ".join(p.message for p in matched.problems if p.kind is ProblemKind.UNMATCHED)
    for m in matched.materials:
        if m.factor_id is None:
            assert repr(m.material) in unmatched_problems
        elif m.declared_unit == "m3" and m.volume_m3 is not None:
            assert m.quantity == pytest.approx(m.volume_m3)
