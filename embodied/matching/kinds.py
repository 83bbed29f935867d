"""The kind of a material, and suggestions that never cross kinds.

The kind is the factor category a material name suggests; the first of these that applies:

1. the longest keyword of material_db/category_keywords.csv in the name (``rules.category_of``):
   Stahlbeton -> concrete/reinforced, Plywood -> timber, 钢质门 -> other (a door);
2. a keyword of a grade family of grades.yaml, which names its ``kind``: сталь -> steel;
3. the same two in the material's IfcMaterial.Category (IFC4: "concrete", "wood", …);
4. the IFC class (grades.yaml ``kinds.by_class``): IfcReinforcingBar -> steel/rebar.

The IFC class then narrows it (``kinds.narrow_by_class``): steel on an IfcBeam is steel/section.

Suggestions (``offer``) are factors of the kind's top-level category only, so a board is never offered
a steel section nor plywood a window; the nearer sub-category first (steel/section before
steel/generic), then the closer name (``rules.suggest``). When the kind is unknown, is one that is never
given suggestions (``kinds.no_suggestions``: a door, air), or has no factor in the database, nothing is
suggested and ``Offer.advice`` says so plainly ("no factor of kind timber in the database: …").

grades.yaml is checked when first used for a database: every problem of its ``kinds`` section (and,
through ``Problems``, of its ``defaults``) is reported at once as ``grades.yaml:line: …``
(``DatabaseError``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from embodied.errors import DatabaseError
from embodied.factors.schema import DataProblem, YamlDoc, by_category, read_yaml
from embodied.matching import rules
from embodied.matching.normalize import GradeTable, canonical_class, find, grade_table, normalize

T = TypeVar("T")
GRADES = "grades.yaml"


@dataclass(frozen=True, slots=True)
class Kind:
    category: str  # a factor category: "steel/section", "timber"
    rule: str  # how it was found: "keyword 'Stahlbeton' (category_keywords.csv)"

    @property
    def top(self) -> str:
        return top(self.category)


@dataclass(frozen=True, slots=True)
class Offer:
    """What an unmatched material is offered: suggestions of its kind, or why there are none."""

    kind: Kind | None
    suggestions: tuple[tuple[str, float], ...]  # (factor id, 0..100 score), best first
    advice: str  # why nothing is suggested; "" when something is


@dataclass(frozen=True, slots=True)
class _Family:
    name: str
    keywords: tuple[str, ...]  # normalised
    kind: str


@dataclass(frozen=True, slots=True)
class _Table:
    by_class: tuple[tuple[str, str], ...]  # (canonical class, kind)
    narrow: tuple[tuple[str, str, str], ...]  # (kind, canonical class, narrower kind)
    silent: Mapping[str, str]  # kind -> why it gets no suggestions
    families: tuple[_Family, ...]
    grades: GradeTable


def top(category: str) -> str:
    return category.split("/", 1)[0]


# -- problems with file:line ------------------------------------------------------------------------
class Problems:
    """Problems of grades.yaml, each with the line of its key (read again for the lines, when the
    database names its folder); ``raise_any`` raises them all as one DatabaseError."""

    def __init__(self, db: object) -> None:
        root = getattr(db, "root", None)
        path = Path(root) / GRADES if isinstance(root, str | Path) else None
        self.file = f"{path.parent.name}/{GRADES}" if path is not None else GRADES
        doc = read_yaml(path, self.file)[0] if path is not None and path.is_file() else None
        self.doc = doc or YamlDoc(None, {})
        self.items: list[DataProblem] = []

    def add(self, path: Sequence[str | int], message: str) -> None:
        keys = tuple(path)
        line = next(
            (self.doc.line(*keys[:n]) for n in range(len(keys), 0, -1) if self.doc.line(*keys[:n])), None
        )
        self.items.append(DataProblem(self.file, line, f"{'.'.join(map(str, keys))}: {message}"))

    def raise_any(self) -> None:
        if self.items:
            raise DatabaseError(self.items, hint=f"each line names file:line; fix {GRADES}")


def words(node: Any, path: Sequence[str | int], problems: Problems) -> tuple[str, ...]:
    """A list of strings (or a mapping of language -> list), else a problem."""
    if node is None:
        return ()
    if isinstance(node, Mapping):
        return tuple(w for k, v in node.items() for w in words(v, (*path, str(k)), problems))
    if isinstance(node, list) and all(isinstance(w, str) and w.strip() for w in node):
        return tuple(node)
    problems.add(path, "must be a list of words")
    return ()


_CACHE: dict[tuple[str, int], tuple[object, object]] = {}


def cached(what: str, db: object, build: Callable[[], T]) -> T:
    """`build()` once per database object (kept while cached, so that its id is not reused)."""
    hit = _CACHE.get((what, id(db)))
    if hit is not None and hit[0] is db:
        return hit[1]  # type: ignore[return-value]  # stored by this function under `what`
    value = build()
    if len(_CACHE) >= 16:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[(what, id(db))] = (db, value)
    return value


# -- the table ----------------------------------------------------------------------------------------
def classes(node: Any, path: Sequence[str | int], problems: Problems) -> frozenset[str]:
    """A non-empty list of IFC classes, canonical (lower case, no StandardCase); else a problem."""
    if isinstance(node, list) and node and all(isinstance(c, str) and c.strip() for c in node):
        return frozenset(canonical_class(c) for c in node)
    problems.add(path, "must be a list of IFC classes")
    return frozenset()


def _compile(db: rules.Database) -> _Table:
    problems = Problems(db)
    spec = db.grades.get("kinds") or {}
    if not isinstance(spec, Mapping):
        problems.add(("kinds",), "must be a mapping (by_class, narrow_by_class, no_suggestions)")
        spec = {}
    by_class: list[tuple[str, str]] = []
    for kind, listed in _mapping(spec.get("by_class"), ("kinds", "by_class"), problems).items():
        by_class += [(c, kind) for c in sorted(classes(listed, ("kinds", "by_class", kind), problems))]
    narrow: list[tuple[str, str, str]] = []
    for kind, narrower in _mapping(
        spec.get("narrow_by_class"), ("kinds", "narrow_by_class"), problems
    ).items():
        where = ("kinds", "narrow_by_class", kind)
        for sub, listed in _mapping(narrower, where, problems).items():
            if not sub.startswith(kind + "/"):
                problems.add((*where, sub), f"must be a sub-category of {kind!r} ({kind}/…)")
            narrow += [(kind, c, sub) for c in sorted(classes(listed, (*where, sub), problems))]
    silent = _mapping(spec.get("no_suggestions"), ("kinds", "no_suggestions"), problems)
    for kind, why in silent.items():
        if not isinstance(why, str) or not why.strip():
            problems.add(("kinds", "no_suggestions", kind), "must say why, as text")
    table = grade_table(db.grades)
    families = []
    for name, family in (db.grades.get("families") or {}).items():
        named = family.get("kind") if isinstance(family, Mapping) else None
        if named is None:
            continue
        if not isinstance(named, str) or not named.strip():
            problems.add(("families", name, "kind"), "must be a factor category, as text")
            continue
        families.append(_Family(name, table.family(name).keywords, named))
    problems.raise_any()
    return _Table(
        tuple(by_class), tuple(narrow), {k: str(v) for k, v in silent.items()}, tuple(families), table
    )


def _mapping(node: Any, path: Sequence[str | int], problems: Problems) -> dict[str, Any]:
    if node is None:
        return {}
    if not isinstance(node, Mapping):
        problems.add(path, "must be a mapping")
        return {}
    return {str(k): v for k, v in node.items()}


def table(db: rules.Database) -> _Table:
    """The compiled ``kinds`` of grades.yaml and the families' kinds; DatabaseError when malformed."""
    return cached("kinds", db, lambda: _compile(db))


# -- the kind of a name -----------------------------------------------------------------------------
def family_keyword(text: str, families: Iterable[_Family]) -> tuple[_Family, str] | None:
    """(family, keyword) of the longest family keyword in a normalised text; of equal ones the first."""
    found = [(f, k) for f in families for k in f.keywords if find(k, text)]
    return max(found, key=lambda item: len(item[1]), default=None)


def _named(text: str, db: rules.Database, compiled: _Table, what: str) -> Kind | None:
    """The kind a text names: a keyword of category_keywords.csv, else of a grade family."""
    guess = rules.category_of(text, getattr(db, "category_keywords", None))
    if guess is not None:
        return Kind(guess[0], f"{what}keyword '{guess[1]}' (category_keywords.csv)")
    hit = family_keyword(normalize(text, compiled.grades.text), compiled.families)
    if hit is not None:
        return Kind(hit[0].kind, f"{what}keyword '{hit[1]}' of the {hit[0].name} family (grades.yaml)")
    return None


def kind_of(
    name: str, ifc_classes: Sequence[str], db: rules.Database, category: str | None = None
) -> Kind | None:
    """The kind of a material name on elements of `ifc_classes`, with its IfcMaterial.Category (when the
    name names none); see the module docstring."""
    compiled = table(db)
    classes = [canonical_class(c) for c in ifc_classes]
    kind = _named(name, db, compiled, "")
    if kind is None and category:
        kind = _named(category, db, compiled, f"IfcMaterial.Category '{category}': ")
    if kind is None:
        by_class = next(((c, k) for c, k in compiled.by_class if c in classes), None)
        if by_class is None:
            return None
        kind = Kind(by_class[1], "the IFC class (grades.yaml kinds.by_class)")
    narrower = next(((c, s) for k, c, s in compiled.narrow if k == kind.category and c in classes), None)
    if narrower is not None:
        kind = Kind(
            narrower[1], f"{kind.rule}, narrowed by the IFC class (grades.yaml kinds.narrow_by_class)"
        )
    return kind


# -- suggestions ------------------------------------------------------------------------------------
def offer(
    name: str, ifc_classes: Sequence[str], db: rules.Database, limit: int = 3, category: str | None = None
) -> Offer:
    """Up to `limit` suggestions of the material's kind, or none and why (see the module docstring)."""
    kind = kind_of(name, ifc_classes, db, category)
    if kind is None:
        return Offer(
            None,
            (),
            "kind unknown: no word of the name says what it is (category_keywords.csv, grades.yaml), so no "
            "factor is suggested: set its factor_id in the mapping file",
        )
    silent = by_category(table(db).silent, kind.category)
    if silent is not None:
        return Offer(kind, (), f"kind {kind.category}: {silent[1]}: no factor is suggested")
    found = tuple(rules.suggest(name, db, limit, kind=kind.category)) if limit > 0 else ()
    if found or limit <= 0:
        return Offer(kind, found, "")
    if any(top(f.category) == kind.top for f in db.factors.values()):
        why = f"no factor of kind {kind.top} of the grade in the name"
    else:
        why = f"no factor of kind {kind.category} in the database"
    return Offer(kind, (), f"{why}: add an EPD or a pack (--pack), or set its factor_id in the mapping file")
