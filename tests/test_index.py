"""The bulk relationship index answers as the ifcopenshell.util helpers it replaced, element by
element, on the sample building and on every shared model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ifcopenshell.util.classification
import ifcopenshell.util.element
import pytest
from shared_models import REPO, SHARED_IFC, manifest, require

from embodied import reading
from embodied.takeoff.index import ModelIndex, quantity_set_rank

ENTRIES = [e for e in manifest() if "unsupported-schema" not in e["path"]]


def _storey(element: Any) -> str | None:
    """The storey as the take-off found it before the index (util.element, one element at a time)."""
    current: Any = element
    for _ in range(64):
        container = ifcopenshell.util.element.get_container(current)
        if container is not None:
            spatial: Any = container
            for _ in range(64):
                if spatial is None or spatial.is_a("IfcBuildingStorey"):
                    break
                spatial = ifcopenshell.util.element.get_aggregate(spatial)
            return spatial.Name if spatial is not None else None
        current = ifcopenshell.util.element.get_aggregate(current)
        if current is None:
            return None
    return None


def _quantity_sets(element: Any) -> list[Any]:
    found = []
    for rel in getattr(element, "IsDefinedBy", None) or ():
        if rel.is_a("IfcRelDefinesByProperties"):
            pdef = rel.RelatingPropertyDefinition
            if pdef.is_a("IfcElementQuantity") and (rank := quantity_set_rank(pdef.Name)) is not None:
                found.append((0, rank, pdef))
    element_type = ifcopenshell.util.element.get_type(element)
    for pdef in getattr(element_type, "HasPropertySets", None) or ():
        if pdef.is_a("IfcElementQuantity") and (rank := quantity_set_rank(pdef.Name)) is not None:
            found.append((1, rank, pdef))
    found.sort(key=lambda item: (item[0], item[1]))
    return [p for _, _, p in found]


def _check(path: Path) -> int:
    file = reading.open_model(path).file
    index = ModelIndex(file)
    assert not index.damage
    elements = file.by_type("IfcElement")
    for element in elements:
        direct = ifcopenshell.util.element.get_material(element, should_inherit=False)
        expected = (direct, "occurrence") if direct is not None else (None, None)
        if direct is None and (inherited := ifcopenshell.util.element.get_material(element)) is not None:
            expected = (inherited, "type")
        eid = element.id()
        assert index.material(eid) == expected, element
        assert index.element_type(eid) == ifcopenshell.util.element.get_type(element), element
        assert index.storey_name(eid) == _storey(element), element
        assert index.quantity_sets(eid) == _quantity_sets(element), element
        assert set(index.classifications(eid)) == ifcopenshell.util.classification.get_references(element)
        assert index.has_openings(eid) == bool(getattr(element, "HasOpenings", None)), element
    return len(elements)


def test_sample_building() -> None:
    assert _check(REPO / "examples" / "sample_building.ifc") == 65


@pytest.mark.realmodels
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_shared_model(entry: dict[str, Any]) -> None:
    _check(require(SHARED_IFC / entry["path"]))


@pytest.mark.parametrize(
    ("original", "renamed"),
    [
        ("IFCRELASSOCIATESMATERIAL(", "IFCRELAGGREGATES("),  # found by the fuzzer: a tuple as the whole
        ("IFCRELASSOCIATESMATERIAL(", "IFCRELDEFINESBYTYPE("),  # a material as the type
    ],
)
def test_a_relationship_of_another_class_is_named_and_not_used(
    tmp_path: Path, original: str, renamed: str
) -> None:
    """A damaged file whose relationship carries another class's attributes: the index lists it as
    damage and does not use it; the take-off goes on with every element."""
    from embodied.records import ProblemKind
    from embodied.takeoff import TakeoffOptions, run

    text = (REPO / "examples" / "sample_building.ifc").read_text(encoding="utf-8")
    at = text.index("#84=" + original)  # relates wall type #79 to its layer set #80
    broken = tmp_path / "m.ifc"
    broken.write_text(text[:at] + "#84=" + renamed + text[at + 4 + len(original) :], encoding="utf-8")
    result = run(reading.open_model(broken), TakeoffOptions(use_geometry=False))
    damage = [p.message for p in result.problems if p.kind is ProblemKind.DAMAGE]
    assert any(
        "does not relate entities as the schema says" in m or "not an IfcTypeObject" in m for m in damage
    ), damage
    # every element is still taken off: the sample's 47 (65 IfcElements, 18 of them openings)
    intact = run(
        reading.open_model(REPO / "examples" / "sample_building.ifc"), TakeoffOptions(use_geometry=False)
    )
    assert {r.global_id for r in result.rows} == {r.global_id for r in intact.rows}
    assert len({r.global_id for r in result.rows}) == 47
