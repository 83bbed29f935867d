"""Rule matching of one material name to a factor: grade tokens, aliases, the IfcMaterial.Category
fallback; and fuzzy suggestions, which are only ever shown.

The rules are data (material_db/grades.yaml and aliases.csv); this module applies them in order:

0. **alias**, user tier: aliases of priority up to ``matching.before_grades_max_priority`` (0, which
   user packs use); guard words do not veto them, the user named the product.
1. **grade**: a grade token (C30, C30/37, HRB400, Q355B, M10 ...) whose family is named by a keyword
   in the name (混凝土, concrete, Beton), by the IFC class (Q355 on an IfcBeam) or by the token alone
   (HRB400). The family's routes in grades.yaml turn the grade into a factor id: ``tabulated`` (C30 ->
   gbt51366:D:concrete_c30), ``derived`` (C40 -> derived:concrete_c40, used when that id exists),
   ``by_class`` (Q355 on a beam -> a hot-rolled H-section), ``default``.
2. **alias**: the longest alias contained in the name (whole Latin tokens; a Chinese alias must end
   its Chinese run), then the class-restricted one, then the smaller priority. An alias restricted to
   IFC classes is used only on those classes. A guard word of grades.yaml in the name that the alias
   does not cover vetoes it ("steel door", "glass wool", "加气混凝土砌块", "concrete" without a grade).
3. **category**: the aliases applied to IfcMaterial.Category ("steel" -> carbon steel), at a capped
   confidence, unless the name holds a guard word.

Every match says which rule made it and how confident the data is in it (0..1). ``match_name`` reads
the database through the attributes of ``Database`` only, so tests can pass a small stand-in.

``category_of`` is apart from the matching: the kind a name suggests (material_db/category_keywords.csv),
used to estimate the mass of an unmatched material and to keep suggestions within a kind (``kinds``),
never to choose a factor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from rapidfuzz import fuzz, process

from embodied.factors import category_keywords as shipped_category_keywords
from embodied.matching.normalize import Grade, GradeFamily, GradeTable, canonical_class, find, grade_table
from embodied.matching.normalize import normalize as _normalize

RuleMethod = Literal["grade", "alias", "category"]


class FactorLike(Protocol):
    @property
    def factor_id(self) -> str: ...
    @property
    def name_zh(self) -> str: ...
    @property
    def name_en(self) -> str: ...
    @property
    def category(self) -> str: ...


class AliasLike(Protocol):
    @property
    def alias(self) -> str: ...
    @property
    def factor_id(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def ifc_classes(self) -> Sequence[str]: ...


class KeywordLike(Protocol):
    @property
    def keyword(self) -> str: ...
    @property
    def category(self) -> str: ...


class Database(Protocol):
    """What the rules read from a factor database (``embodied.factors.FactorDB`` has these)."""

    @property
    def factors(self) -> Mapping[str, FactorLike]: ...
    @property
    def aliases(self) -> Sequence[AliasLike]: ...
    @property
    def grades(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RuleMatch:
    factor_id: str
    method: RuleMethod
    rule: str  # human-readable: which token or alias, which data file and entry
    confidence: float  # 0..1, from the data (grades.yaml)


@dataclass(frozen=True, slots=True)
class _Alias:
    text: str  # normalised
    alias: AliasLike
    position: int  # in db.aliases
    classes: frozenset[str]  # canonical IFC classes; empty = any


@dataclass(frozen=True, slots=True)
class _Index:
    table: GradeTable
    aliases: tuple[_Alias, ...]
    choices: tuple[str, ...]  # normalised names and aliases offered to the fuzzy suggestions
    choice_ids: tuple[str, ...]  # the factor id of each choice
    choice_grades: tuple[Mapping[str, float | None], ...]  # family -> first grade value in each choice


_CACHE: dict[int, tuple[Database, _Index]] = {}


def _build(db: Database) -> _Index:
    table = grade_table(db.grades)
    aliases = tuple(
        _Alias(
            text=_normalize(a.alias, table.text),
            alias=a,
            position=i,
            classes=frozenset(canonical_class(c) for c in a.ifc_classes if c.strip()),
        )
        for i, a in enumerate(db.aliases)
        if a.factor_id in db.factors
    )
    excluded = tuple(str(c) for c in table.matching.get("suggest_exclude_categories") or ())
    offered = {
        fid
        for fid, f in db.factors.items()
        if not any(f.category == c or f.category.startswith(c + "/") for c in excluded)
    }
    pairs: dict[tuple[str, str], None] = {}
    for fid in sorted(offered):
        factor = db.factors[fid]
        for name in (factor.name_zh, factor.name_en):
            pairs[(_normalize(name, table.text), fid)] = None
    for a in aliases:
        if a.alias.factor_id in offered:
            pairs[(a.text, a.alias.factor_id)] = None
    kept = [p for p in pairs if p[0]]
    return _Index(
        table=table,
        aliases=tuple(sorted(aliases, key=lambda a: -len(a.text))),
        choices=tuple(text for text, _ in kept),
        choice_ids=tuple(fid for _, fid in kept),
        choice_grades=tuple(_first_grades(text, table) for text, _ in kept),
    )


def _first_grades(text: str, table: GradeTable) -> dict[str, float | None]:
    grades: dict[str, float | None] = {}
    for grade in table.parse(text):
        grades.setdefault(grade.family, grade.value)
    return grades


def _index(db: Database) -> _Index:
    """The compiled rules of a database, cached while the database object lives in the cache."""
    hit = _CACHE.get(id(db))
    if hit is not None and hit[0] is db:
        return hit[1]
    index = _build(db)
    if len(_CACHE) >= 8:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(db)] = (db, index)  # the reference keeps id(db) from being reused while cached
    return index


# -- grades -----------------------------------------------------------------------------------------
def _slug(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:g}".replace(".", "_")


def _route(
    family: GradeFamily, grade: Grade, classes: frozenset[str], db: Database
) -> tuple[str, str, float] | None:
    """(factor id, route name, confidence) for a grade, or None when no route reaches a known factor."""
    spec = family.factor
    tabulated = spec.get("tabulated")
    if tabulated and grade.value is not None:
        fid = (tabulated.get("ids") or {}).get(_slug(grade.value))
        if fid in db.factors:
            return str(fid), "tabulated", float(tabulated.get("confidence", 1.0))
    derived = spec.get("derived")
    if derived and grade.value is not None:
        fid = str(derived["template"]).format(n=_slug(grade.value))
        if fid in db.factors:
            return fid, "derived", float(derived.get("confidence", 1.0))
    for entry in spec.get("by_class") or ():
        wanted = [c for c in entry.get("classes") or () if canonical_class(str(c)) in classes]
        if wanted and entry.get("factor_id") in db.factors:
            return str(entry["factor_id"]), f"by_class[{wanted[0]}]", float(entry.get("confidence", 1.0))
    default = spec.get("default")
    if default and default.get("factor_id") in db.factors:
        return str(default["factor_id"]), "default", float(default.get("confidence", 1.0))
    return None


def _by_grade(
    text: str, classes: frozenset[str], ifc_classes: Sequence[str], index: _Index, db: Database
) -> RuleMatch | None:
    table = index.table
    found: list[tuple[bool, RuleMatch]] = []
    for grade in table.parse(text):
        family = table.family(grade.family)
        pattern = next(p for p in family.patterns if p.form == grade.form)
        keyword = next((k for k in family.keywords if find(k, text)), None)
        implied = [c for c in ifc_classes if canonical_class(c) in family.implied_by_classes]
        if keyword is not None:
            context, why = 1.0, f"keyword '{keyword}'"
        elif implied:
            context, why = family.implied_confidence, f"IFC class {implied[0]}"
        elif pattern.standalone:
            context, why = family.implied_confidence, "the token alone"
        else:
            continue
        route = _route(family, grade, classes, db)
        if route is None:
            continue
        fid, route_name, route_confidence = route
        rule = (
            f"grade {grade.token} ({family.name}, {grade.form} form, named by {why}) -> {fid} "
            f"via grades.yaml {family.name}.{route_name}"
        )
        if pattern.assumption:
            rule += f"; assumption: {pattern.assumption}"
        confidence = round(min(pattern.confidence, route_confidence, context), 3)
        found.append((keyword is not None, RuleMatch(fid, "grade", rule, confidence)))
    found.sort(key=lambda item: not item[0])  # stable: a keyword-confirmed grade first, else text order
    return found[0][1] if found else None


# -- aliases ----------------------------------------------------------------------------------------
def _guard_spans(text: str, table: GradeTable) -> list[tuple[int, int]]:
    return [span for guard in table.guards for span in find(guard, text)]


def _alias_confidence(priority: int, table: GradeTable) -> float:
    bands = sorted(
        (int(k), float(v)) for k, v in (table.matching.get("alias_confidence_by_priority") or {}).items()
    )
    return next((conf for limit, conf in bands if priority <= limit), bands[-1][1] if bands else 0.5)


def _by_alias(
    text: str,
    classes: frozenset[str],
    index: _Index,
    db: Database,
    method: RuleMethod,
    what: str,
    priorities: tuple[int, int] = (0, 1 << 30),
    guarded: bool = True,
) -> RuleMatch | None:
    """The alias match of a normalised text, among aliases whose priority is within ``priorities``;
    with ``guarded``, an alias must cover every guard word in the text."""
    low, high = priorities
    candidates: list[tuple[tuple[int, int, int, int], _Alias, list[tuple[int, int]]]] = []
    for entry in index.aliases:
        if entry.classes and not entry.classes & classes:
            continue
        if not low <= entry.alias.priority <= high:
            continue
        spans = find(entry.text, text, head=True)
        if spans:
            key = (-len(entry.text), 0 if entry.classes else 1, entry.alias.priority, entry.position)
            candidates.append((key, entry, spans))
    if not candidates:
        return None
    guards = _guard_spans(text, index.table) if guarded else []
    for _, entry, spans in sorted(candidates, key=lambda c: c[0]):
        if all(any(s <= g0 and g1 <= e for s, e in spans) for g0, g1 in guards):
            return _alias_match(entry, index, method, what, db)
    return None


def _alias_match(entry: _Alias, index: _Index, method: RuleMethod, what: str, db: Database) -> RuleMatch:
    a = entry.alias
    confidence = _alias_confidence(a.priority, index.table)
    if method == "category":
        confidence = min(confidence, float(index.table.matching.get("category_confidence", 0.5)))
    scope = f", classes {';'.join(a.ifc_classes)}" if entry.classes else ""
    pack = str(getattr(db.factors[a.factor_id], "pack", "") or "default")  # FactorDB's Factor.pack
    where = "aliases.csv" if pack == "default" else f"user pack {pack}"
    rule = f"{what}alias '{entry.text}' ({a.lang}, priority {a.priority}{scope}) -> {a.factor_id} in {where}"
    return RuleMatch(a.factor_id, method, rule, round(confidence, 3))


# -- the entry points -------------------------------------------------------------------------------
def match_name(name: str, ifc_classes: Sequence[str], category: str | None, db: Database) -> RuleMatch | None:
    """The factor a material name (with its elements' IFC classes and IfcMaterial.Category) maps to.

    Pass the classes of the elements being matched; a material used on beams and on plates is best
    matched once per class. ``None``: no rule applies (the caller shows ``suggest``).
    """
    index = _index(db)
    text = _normalize(name, index.table.text)
    classes = frozenset(canonical_class(c) for c in ifc_classes)
    if text:
        first = int(index.table.matching.get("before_grades_max_priority", -1))
        found = (
            _by_alias(text, classes, index, db, "alias", "", (0, first), guarded=False)
            or _by_grade(text, classes, ifc_classes, index, db)
            or _by_alias(text, classes, index, db, "alias", "", (first + 1, 1 << 30))
        )
        if found is not None:
            return found
        if _guard_spans(text, index.table):
            return None  # the name says what it is not (a door, a concrete without grade ...)
    if category:
        category_text = _normalize(category, index.table.text)
        if category_text:
            return _by_alias(
                category_text, classes, index, db, "category", f"IfcMaterial.Category '{category}': "
            )
    return None


def _similarity(query: str, choice: str, **_: Any) -> float:
    """Mean of WRatio and the plain ratio. WRatio alone gives 90 to any name that merely contains a
    one-word alias (钢 in 钢质门, steel in "steel door"); the plain ratio pulls such partial hits down, so
    a high score means the two texts are close as a whole."""
    return (fuzz.WRatio(query, choice) + fuzz.ratio(query, choice)) / 2


def suggest(name: str, db: Database, limit: int = 3, kind: str | None = None) -> list[tuple[str, float]]:
    """Up to ``limit`` factor ids that look like the name, with a 0..100 similarity score, best first.

    Fuzzy (rapidfuzz: mean of WRatio and ratio) over the normalised Chinese and English factor names
    and the aliases. Not offered: transport and energy factors (grades.yaml), and a factor naming another
    grade of a family the name has a grade of (C80 is not offered C30). Never applied by the rules.

    With ``kind`` (a category: "steel/section"), only factors of its top-level category are offered
    (steel), those sharing more of its path first (steel/section before steel/generic), then by score.
    The matcher always passes the kind of the name (``kinds.offer``); without it the ranking crosses kinds.
    """
    index = _index(db)
    query = _normalize(name, index.table.text)
    if not query or limit <= 0 or not index.choices:
        return []
    path = kind.split("/") if kind else []
    grades = _first_grades(query, index.table)
    best: dict[str, tuple[int, float, float]] = {}
    for text, score, i in process.extract(query, index.choices, scorer=_similarity, limit=None):
        other = index.choice_grades[i]
        if any(family in other and other[family] != value for family, value in grades.items()):
            continue  # C80 is not offered C30: a different grade of the same family
        fid = index.choice_ids[i]
        near = _shared(path, db.factors[fid].category.split("/"))
        if path and near == 0:
            continue  # another kind: a board is never offered a steel section
        key = (near, round(float(score), 1), fuzz.ratio(query, text))  # equal scores: closer whole text
        if key > best.get(fid, (-1, -1.0, -1.0)):
            best[fid] = key
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], -item[1][1], -item[1][2], item[0]))
    return [(fid, score) for fid, (_, score, _) in ranked[:limit]]


def _shared(a: Sequence[str], b: Sequence[str]) -> int:
    """How many leading parts two category paths share."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


# -- the kind a name suggests -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Keyword:
    text: str  # normalised
    keyword: str  # as written in the file
    category: str


_KEYWORDS: dict[int, tuple[Sequence[KeywordLike], tuple[_Keyword, ...]]] = {}


def _keywords(keywords: Sequence[KeywordLike]) -> tuple[_Keyword, ...]:
    """Normalised keywords, longest first, equally long ones in file order (cached per sequence)."""
    hit = _KEYWORDS.get(id(keywords))
    if hit is not None and hit[0] is keywords:
        return hit[1]
    compiled = [_Keyword(_normalize(k.keyword), k.keyword, k.category) for k in keywords]
    ordered = tuple(sorted((k for k in compiled if k.text), key=lambda k: -len(k.text)))  # stable
    if len(_KEYWORDS) >= 8:
        _KEYWORDS.pop(next(iter(_KEYWORDS)))
    _KEYWORDS[id(keywords)] = (keywords, ordered)  # the reference keeps id() from being reused
    return ordered


def category_of(name: str, keywords: Sequence[KeywordLike] | None = None) -> tuple[str, str] | None:
    """(category, keyword): the kind a material name suggests, by the keywords of
    material_db/category_keywords.csv (or `keywords`, e.g. ``FactorDB.category_keywords``); None when no
    keyword is in the name.

    On normalised text: a Latin or Cyrillic keyword matches whole words, a Chinese one anywhere in the
    name; the longest keyword found wins, of equally long ones the first in the file (products such
    as 钢质门 or "steel door" are listed whole, so they win over the material word they contain).
    For estimates and for keeping suggestions within a kind; never a match to a factor.
    """
    text = _normalize(name)
    if not text:
        return None
    table = shipped_category_keywords() if keywords is None else keywords
    for keyword in _keywords(table):
        if find(keyword.text, text):
            return keyword.category, keyword.keyword
    return None
