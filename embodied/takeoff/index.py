"""The model's relationships, read once, in bulk, by attribute index.

Asking each element for its type, material, quantity sets, container and classification through its
inverse attributes (what ``ifcopenshell.util.element`` does) costs several times the parse of the
file on a model of 100 000 elements. Every one of these relationships is an ``IfcRel...`` entity
naming its relating and related objects, so one pass over each relationship class fills a dictionary
keyed by element step id, and the take-off then looks things up instead of walking the graph.

The answers are those of the ``ifcopenshell.util.element`` helpers the take-off used before (first
relationship wins, the occurrence before its type); ``tests/test_index.py`` checks them against those
helpers on every shared model. A relationship the parser could not read as the schema says (a damaged
file) is skipped and named in ``damage``: what it related is then taken off without it, and says so
through the usual problems (no material, no quantity).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import ifcopenshell

ENTITY = ifcopenshell.entity_instance
# What a damaged entity raises when read as the schema says it should be.
DAMAGE = (AttributeError, TypeError, ValueError, IndexError, RuntimeError)

# (relationship class, relating attribute, related attribute); related may be one entity or a list
_RELATIONS = {
    "type": ("IfcRelDefinesByType", "RelatingType", "RelatedObjects"),
    "properties": ("IfcRelDefinesByProperties", "RelatingPropertyDefinition", "RelatedObjects"),
    "material": ("IfcRelAssociatesMaterial", "RelatingMaterial", "RelatedObjects"),
    "classification": ("IfcRelAssociatesClassification", "RelatingClassification", "RelatedObjects"),
    "contained": ("IfcRelContainedInSpatialStructure", "RelatingStructure", "RelatedElements"),
    "aggregate": ("IfcRelAggregates", "RelatingObject", "RelatedObjects"),
    "nest": ("IfcRelNests", "RelatingObject", "RelatedObjects"),
    "fills": ("IfcRelFillsElement", "RelatingOpeningElement", "RelatedBuildingElement"),
    "voids": ("IfcRelVoidsElement", "RelatingBuildingElement", "RelatedOpeningElement"),
    "adheres": ("IfcRelAdheresToElement", "RelatingElement", "RelatedSurfaceFeatures"),
}
MAX_DEPTH = 64  # a malformed model may loop: every walk up the tree stops here


STANDARD_RANKS = (0, 1)  # the sets named as base quantities; any other set is read by its content


def quantity_set_rank(name: Any) -> int:
    """0 for Qto_*BaseQuantities, 1 for BaseQuantities, 2 for any other IfcElementQuantity (a tool's
    own set, an unnamed one: Renga names all of its sets ""), read by the names of its quantities
    (see quantities.read) and only where the named sets give no value of that kind."""
    if not isinstance(name, str) or not name:
        return 2
    if name.startswith("Qto_") and name.endswith("BaseQuantities"):
        return 0
    if name == "BaseQuantities":
        return 1
    return 2


class ModelIndex:
    """Relationship lookups by element step id (see the module docstring). The dictionaries hold step
    ids, not entity objects: on a model of 100 000 elements a Python object per entry would cost a
    few hundred megabytes; an entity is fetched (``by_id``) only when it is used."""

    def __init__(self, file: Any) -> None:
        self.file = file
        self.damage: list[str] = []
        self.type_of: dict[int, int] = {}
        self.material_of: dict[int, int] = {}
        self.classifications_of: dict[int, list[int]] = {}
        # (rank, IfcElementQuantity id) of each set, as a tuple: most elements have one, and a tuple
        # holds no room to grow as a list per element would (bench/ measures the memory)
        self.quantity_sets_of: dict[int, tuple[tuple[int, int], ...]] = {}
        self.container_of: dict[int, int] = {}
        self.parent_of: dict[int, int] = {}  # besides containment: whole, host, nest, void ...
        self.whole_of: dict[int, int] = {}  # IfcRelAggregates only
        self.parts_of: dict[int, list[int]] = {}  # IfcRelAggregates: whole -> parts, in file order
        self.hosts_with_openings: set[int] = set()
        self._storeys: dict[int, str | None] = {}
        self._type_sets: dict[int, list[tuple[int, int]]] = {}
        self._read()

    # -- the one pass ---------------------------------------------------------------------------
    def _pairs(self, key: str, keep: Callable[[Any], Any] | None = None) -> Iterator[tuple[Any, int]]:
        """(relating entity, related object's step id) of every readable relationship of one kind,
        in file order. With `keep`, a relationship is read on only when `keep(relating entity)` is
        not None, and that value is given in place of the entity (most IfcRelDefinesByProperties
        relate property sets, which the take-off does not read)."""
        cls, relating_name, related_name = _RELATIONS[key]
        try:
            relations = self.file.by_type(cls)
        except RuntimeError:  # the class is not in this schema (IfcRelAdheresToElement before 4X3)
            return
        relating_at = related_at = -1
        for rel in relations:
            try:
                if relating_at < 0:
                    relating_at = rel.get_argument_index(relating_name)
                    related_at = rel.get_argument_index(related_name)
                relating = rel.get_argument(relating_at)
                if relating is None:
                    continue
                if isinstance(relating, ENTITY) and keep is not None:
                    relating = keep(relating)
                    if relating is None:
                        continue
                elif not isinstance(relating, ENTITY):
                    self.damage.append(_not_as_schema(cls, rel))
                    continue
                related = rel.get_argument(related_at)
                objects: Iterable[Any] = related if isinstance(related, tuple) else (related,)
                if not all(isinstance(o, ENTITY) for o in objects if o is not None):
                    self.damage.append(_not_as_schema(cls, rel))
                    continue
                for obj in objects:
                    if obj is not None:
                        yield relating, obj.id()
            except DAMAGE as error:
                self.damage.append(f"{cls} #{rel.id()} could not be read ({type(error).__name__}: {error})")

    def _ids(self, key: str, relating_class: str | None = None) -> Iterator[tuple[int, int]]:
        """(relating step id, related step id) of one kind of relationship; with `relating_class`,
        a relationship whose relating object is of another class is damage, not used."""
        last: Any = None
        last_id = 0
        usable = True
        for relating, oid in self._pairs(key):
            if relating is not last:
                last, last_id = relating, relating.id()
                usable = relating_class is None or relating.is_a(relating_class)
                if not usable:
                    cls = _RELATIONS[key][0]
                    self.damage.append(
                        f"{cls} relates {relating.is_a()} #{last_id}, not an {relating_class}: not used"
                    )
            if usable:
                yield last_id, oid

    def _read(self) -> None:
        for rid, oid in self._ids("type", "IfcTypeObject"):
            self.type_of.setdefault(oid, rid)
        for rid, oid in self._ids("material"):
            self.material_of.setdefault(oid, rid)
        for rid, oid in self._ids("classification"):
            self.classifications_of.setdefault(oid, []).append(rid)
        for (rank, qid), oid in self._pairs("properties", _ranked_quantity_set):
            self.quantity_sets_of[oid] = (*self.quantity_sets_of.get(oid, ()), (rank, qid))
        for rid, oid in self._ids("contained"):
            self.container_of.setdefault(oid, rid)
        for rid, oid in self._ids("aggregate"):
            self.whole_of.setdefault(oid, rid)
            self.parts_of.setdefault(rid, []).append(oid)
        # an element's parent, as ifcopenshell.util.element.get_parent orders them
        parents: dict[int, int] = {}
        for key in ("nest", "fills", "voids", "adheres"):
            for rid, oid in self._ids(key):
                parents.setdefault(oid, rid)
                if key == "voids":
                    self.hosts_with_openings.add(rid)
        self.parent_of = dict(self.whole_of)
        for oid, parent in parents.items():
            self.parent_of.setdefault(oid, parent)

    # -- lookups, by the element's step id ------------------------------------------------------
    def element_type(self, eid: int) -> Any:
        found = self.type_of.get(eid)
        return self.file.by_id(found) if found is not None else None

    def material_id(self, eid: int) -> tuple[int | None, str | None]:
        """Step id of the associated material definition and where it is: "occurrence", "type" or
        None (then no material)."""
        found = self.material_of.get(eid)
        if found is not None:
            return found, "occurrence"
        type_id = self.type_of.get(eid)
        if type_id is not None:
            found = self.material_of.get(type_id)
            if found is not None:
                return found, "type"
        return None, None

    def material(self, eid: int) -> tuple[Any, str | None]:
        """The associated material definition and where it is (see `material_id`)."""
        found, source = self.material_id(eid)
        return (self.file.by_id(found) if found is not None else None), source

    def parts(self, eid: int) -> list[Any]:
        return [self.file.by_id(i) for i in self.parts_of.get(eid, ())]

    def quantity_sets(self, eid: int) -> list[Any]:
        """IfcElementQuantity sets of the occurrence, then of its type, best-ranked first."""
        own = self.quantity_sets_of.get(eid, ())
        type_id = self.type_of.get(eid)
        typed = self._sets_of_type(type_id) if type_id is not None else ()
        if not typed and len(own) == 1:
            return [self.file.by_id(own[0][1])]
        ranked = [(0, rank, q) for rank, q in own] + [(1, rank, q) for rank, q in typed]
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [self.file.by_id(q) for _, _, q in ranked]

    def _sets_of_type(self, type_id: int) -> list[tuple[int, int]]:
        if type_id not in self._type_sets:
            found = []
            element_type = self.file.by_id(type_id)
            for pdef in getattr(element_type, "HasPropertySets", None) or ():
                if pdef.is_a("IfcElementQuantity"):
                    found.append((quantity_set_rank(pdef.Name), pdef.id()))
            self._type_sets[type_id] = found
        return self._type_sets[type_id]

    def classifications(self, eid: int) -> list[Any]:
        """Classification references of the element, those of its type first; an occurrence's
        reference replaces its type's of the same classification system (as
        ifcopenshell.util.classification.get_references does)."""
        own = [self.file.by_id(i) for i in self.classifications_of.get(eid, ())]
        type_id = self.type_of.get(eid)
        inherited = self.classifications_of.get(type_id, []) if type_id is not None else []
        if not inherited:
            return own
        systems = {_system(r) for r in own}
        kept = [r for r in (self.file.by_id(i) for i in inherited) if _system(r) not in systems]
        return kept + own

    def has_openings(self, eid: int) -> bool:
        return eid in self.hosts_with_openings

    def storey_name(self, eid: int) -> str | None:
        """Name of the storey holding the element: its container (directly, or that of the whole,
        host or nest it belongs to), walked up the spatial aggregation to an IfcBuildingStorey."""
        current: int | None = eid
        for _ in range(MAX_DEPTH):
            if current is None:
                return None
            container = self.container_of.get(current)
            if container is not None:
                return self._storey_of_structure(container)
            current = self.parent_of.get(current)
        return None

    def _storey_of_structure(self, structure: int) -> str | None:
        if structure not in self._storeys:
            spatial: Any = self.file.by_id(structure)
            for _ in range(MAX_DEPTH):
                if spatial is None or spatial.is_a("IfcBuildingStorey"):
                    break
                whole = self.whole_of.get(spatial.id())
                spatial = self.file.by_id(whole) if whole is not None else None
            name = spatial.Name if spatial is not None else None
            self._storeys[structure] = name if isinstance(name, str) else None
        return self._storeys[structure]


def _not_as_schema(cls: str, rel: Any) -> str:
    """A damaged file: another class's attributes under this name, a value for a reference."""
    return f"{cls} #{rel.id()} does not relate entities as the schema says: not used"


def _ranked_quantity_set(definition: Any) -> tuple[int, int] | None:
    """(rank, step id) of a property definition that is a quantity set, else None."""
    if definition.is_a() != "IfcElementQuantity":
        return None
    return quantity_set_rank(definition.get_argument(2)), definition.id()  # IfcElementQuantity.Name


def _system(reference: Any) -> int | None:
    """Step id of the IfcClassification a reference belongs to (None when it names none)."""
    current = reference
    for _ in range(MAX_DEPTH):
        if current is None:
            return None
        if current.is_a("IfcClassification"):
            return int(current.id())
        current = getattr(current, "ReferencedSource", None)
    return None
