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
        assert index.material(element) == expected, element
        assert index.element_type(element) == ifcopenshell.util.element.get_type(element), element
        assert index.storey_name(element) == _storey(element), element
        assert index.quantity_sets(element) == _quantity_sets(element), element
        assert set(index.classifications(element)) == ifcopenshell.util.classification.get_references(element)
        assert index.has_openings(element) == bool(getattr(element, "HasOpenings", None)), element
    return len(elements)


def test_sample_building() -> None:
    assert _check(REPO / "examples" / "sample_building.ifc") == 65


@pytest.mark.realmodels
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_shared_model(entry: dict[str, Any]) -> None:
    _check(require(SHARED_IFC / entry["path"]))
