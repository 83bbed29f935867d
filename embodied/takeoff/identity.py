"""Who an element is: its GlobalId, class, name, type, storey, classification and predefined type.

`Identities` reads them for each element of a run, the same way for every row the element gets, and
reads once what thousands of elements share: an element type's name and predefined type, and the
position of an attribute in each class (`Identities.read`, which gives None where a class has none).
Labels a damaged file fills with something else than text are read as None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ifcopenshell.util.classification

from embodied.takeoff.index import ModelIndex


def label_text(value: Any) -> str | None:
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
        return True, label_text(value)
    return False, None


def _own_predefined(element: Any, read: Callable[[Any, str], Any]) -> str | None:
    """The occurrence's own predefined type (its ObjectType when USERDEFINED or none)."""
    value = read(element, "PredefinedType")
    if value == "USERDEFINED" or not value:
        value = read(element, "ObjectType")
    return label_text(value)


class Identities:
    """The identity of each element of a run (see the module docstring)."""

    def __init__(self, index: ModelIndex) -> None:
        self.index = index
        self._attribute_at: dict[tuple[str, str], int] = {}
        self._types: dict[int, tuple[str | None, bool, str | None]] = {}

    def of(self, element: Any, eid: int) -> dict[str, Any]:
        """The identity of the element of step id `eid`: the fields every row of it begins with."""
        index = self.index
        type_id = index.type_of.get(eid)
        type_name, decided, predefined = self._type(type_id) if type_id is not None else (None, False, None)
        if not decided:
            predefined = _own_predefined(element, self.read)
        global_id = element.get_argument(0)  # IfcRoot: GlobalId, OwnerHistory, Name
        references = index.classifications(eid)
        return {
            "global_id": global_id if isinstance(global_id, str) else f"#{eid}",
            "ifc_class": element.is_a(),
            "name": label_text(element.get_argument(2)),
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
            decided, predefined = _type_predefined(element_type, self.read)
            known = self._types[type_id] = (label_text(element_type.get_argument(2)), decided, predefined)
        return known

    def read(self, entity: Any, name: str) -> Any:
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
