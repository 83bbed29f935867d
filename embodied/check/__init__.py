"""Model readiness before calculation (`embodied check`): does the IFC model hold what a good take-off
needs?

The requirements are stated in an IDS file (buildingSMART Information Delivery Specification),
``readiness.ids`` beside this module, run with ifctester: materials on load-bearing elements (on the
element or its type), those elements in a building storey, floor areas on spaces. What IDS 1.0 cannot
state (a body representation *or* a quantity set; every material named and not ``*``; no attribute
written as a bare ``*``) is checked in Python (``embodied.check.python_checks``), each check giving a
``Requirement`` of the same shape with ``source="python"``. A user's IDS (``--ids FILE``) replaces the
shipped one; the Python checks still run.

Score: the share of applicable (requirement, element) checks passed, each element counting once per
requirement that applies to it::

    score = sum(applicable_r - failed_r) / sum(applicable_r)      over the requirements r

An element failing several requirements counts once per requirement. A model to which no requirement
applies (no load-bearing element, no space) has nothing to take off: its score is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree

from embodied.errors import InputError
from embodied.reading import open_model

IDS_FILE = Path(__file__).resolve().parent / "readiness.ids"
_IDS_NS = "{http://standards.buildingsmart.org/IDS}"

Source = Literal["ids", "python"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement checked on a model: its short name (an IDS specification's identifier, else
    its name), what it asks, whether it passed, how many entities it applied to and the GlobalIds of
    those that failed it (sorted), and whether the IDS or the Python checks stated it."""

    name: str
    description: str
    passed: bool
    applicable: int
    failed_global_ids: tuple[str, ...]
    source: Source

    @property
    def failed(self) -> int:
        return len(self.failed_global_ids)


@dataclass(frozen=True, slots=True)
class Readiness:
    """A model's readiness: the score (see the module docstring), every requirement checked (the
    IDS's in file order, then the Python checks), the model and the IDS file used."""

    model: Path
    ids: Path
    score: float
    requirements: tuple[Requirement, ...]

    def requirement(self, name: str) -> Requirement:
        """The requirement called `name`; KeyError when none is."""
        for req in self.requirements:
            if req.name == name:
                return req
        raise KeyError(name)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.requirements)


def score(requirements: tuple[Requirement, ...]) -> float:
    """Share of applicable (requirement, element) checks passed; 0 when nothing applies."""
    applicable = sum(r.applicable for r in requirements)
    if applicable == 0:
        return 0.0
    return sum(r.applicable - r.failed for r in requirements) / applicable


def check_model(path: Path, ids: Path | None = None, *, python_checks: bool = True) -> Readiness:
    """Check the model at `path` against `ids` (default: the shipped readiness.ids) and, unless
    `python_checks` is False, the Python checks. A model that cannot be read is a ModelReadError, an
    IDS file that cannot be used an InputError naming the file."""
    from embodied.check.python_checks import run_python_checks  # ifcopenshell-heavy: on use

    ids_path = Path(ids) if ids is not None else IDS_FILE
    specs, identifiers = load_ids(ids_path)
    model = open_model(path)
    found = list(run_ids(specs, identifiers, model.file))
    if python_checks:
        found.extend(run_python_checks(model.file))
    requirements = tuple(found)
    return Readiness(model=Path(path), ids=ids_path, score=score(requirements), requirements=requirements)


def load_ids(path: Path) -> tuple[Any, tuple[str | None, ...]]:
    """The ifctester Ids of `path` (checked against the IDS 1.0 schema) and each specification's
    `identifier` (ifctester 0.9 does not keep it), in order; an InputError naming the file."""
    import ifctester.ids

    if not path.is_file():
        raise InputError(f"{path}: IDS file not found")
    try:
        tree = ElementTree.parse(path)
    except (ElementTree.ParseError, OSError) as exc:
        raise InputError(f"{path}: not a readable IDS (XML) file ({exc})") from exc
    identifiers = tuple(spec.get("identifier") for spec in tree.getroot().iter(f"{_IDS_NS}specification"))
    try:
        specs = ifctester.ids.open(str(path), validate=True)
    except Exception as exc:  # xmlschema and ifctester raise many kinds; any is a bad IDS file
        detail = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}: not a valid IDS 1.0 file ({detail})") from exc
    if len(identifiers) != len(specs.specifications):
        identifiers = (None,) * len(specs.specifications)
    return specs, identifiers


def run_ids(specs: Any, identifiers: tuple[str | None, ...], file: Any) -> tuple[Requirement, ...]:
    """Validate `file` against the IDS `specs`: one Requirement per specification. A specification
    that cannot be run on a damaged model (ifctester fails on a dangling reference) fails, saying so."""
    import ifcopenshell

    specs.validate(ifcopenshell.file(schema=file.schema))  # ifctester's set-up (caches), on nothing
    found = []
    for spec, identifier in zip(specs.specifications, identifiers, strict=True):
        spec.reset_status()
        try:
            spec.check_ifc_version(file)
            spec.validate(file)
        except Exception as exc:  # ifctester reads references as it meets them; any failure is damage
            why = f"could not be checked: the model is damaged here ({type(exc).__name__}: {exc})"
            description = f"{spec.description or spec.name} — {why}"
            found.append(Requirement(identifier or spec.name, description, False, 0, (), "ids"))
            continue
        applicable = {e.id(): e for e in spec.applicable_entities}
        failed = sorted({_global_id(e) for e in spec.failed_entities})
        found.append(
            Requirement(
                name=identifier or spec.name,
                description=spec.description or spec.name,
                passed=bool(spec.status),
                applicable=len(applicable),
                failed_global_ids=tuple(failed),
                source="ids",
            )
        )
    return tuple(found)


def _global_id(entity: Any) -> str:
    """The entity's GlobalId, or its STEP id (#12) when it has none (a material, a type's set)."""
    return str(getattr(entity, "GlobalId", None) or f"#{entity.id()}")


__all__ = ["IDS_FILE", "Readiness", "Requirement", "check_model", "score"]
