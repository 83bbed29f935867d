"""Declared defaults for names of a known grade family that carry no grade (grades.yaml ``defaults``).

"混凝土", "Stahlbeton", "Бетон" name a concrete but no strength class; "水泥砂浆", "Estrich" a mortar but
no grade. Rather than leave them unmatched, the family's declared default applies (C30, M10, …): the
material is matched with method ``default`` and carries the assumption (``default_grade``, the source
it cites) and what one grade up or down would change: ``step_up_kgco2e`` = quantity × (factor of the
grade up − factor), ``step_down_kgco2e`` likewise. ``problems`` words it for the user: "混凝土: no grade,
C30 assumed — set it in the mapping file".

A default applies when all of these hold:

- no mapping row, classification, grade token or alias matched (the caller tries those first);
- a keyword of the family is in the name (grades.yaml ``families.<family>.keywords``);
- no grade token of that family is in the name (C80混凝土 names a grade: no default, even without a factor);
- the kind the name suggests (``kinds``) has the family's top-level kind (加气混凝土砌块 is a block);
- no guard word of grades.yaml other than the family's own keywords is in it: "Concrete block",
  "STEEL/NEOPRENE" (a bearing pad), "Concrete, Sand/Cement Screed" (concrete or mortar? neither);
- no ``unless`` word nor ``unless_patterns`` regex of the default is in the name (Leichtbeton, "B25",
  "35 MPa": another material, or a grade written another way).

Several families may qualify ("钢筋混凝土" names 钢筋, 钢 and 混凝土; only concrete has its kind): the
longest keyword wins. Each entry is checked when first used for a database; every problem is reported
at once as ``grades.yaml:line: defaults.<family>.<key>: …`` (``DatabaseError``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from embodied.factors import FactorDB
from embodied.matching import kinds, rules
from embodied.matching.normalize import canonical_class, find, grade_table, normalize
from embodied.records import MatchMethod, MaterialMatch, Problem, ProblemKind

KEYS = frozenset(
    {
        "grade",
        "factor_id",
        "step_up",
        "step_down",
        "by_class",
        "unless",
        "unless_patterns",
        "confidence",
        "source",
        "reason",
    }
)


@dataclass(frozen=True, slots=True)
class Step:
    grade: str  # "C35"
    factor_id: str


@dataclass(frozen=True, slots=True)
class _Choice:
    grade: str
    factor_id: str
    step_up: Step | None
    step_down: Step | None
    classes: frozenset[str]  # canonical IFC classes; empty: any class
    where: str  # "defaults.concrete", "defaults.structural_steel.by_class[0]"


@dataclass(frozen=True, slots=True)
class _Default:
    family: str
    choices: tuple[_Choice, ...]  # by class first, then the family's own (if any)
    unless: tuple[str, ...]  # normalised words
    unless_patterns: tuple[re.Pattern[str], ...]
    confidence: float
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Assumed:
    """The default a material takes (hashable: the matcher groups IFC classes by their decision)."""

    family: str
    grade: str
    factor_id: str
    step_up: Step | None
    step_down: Step | None
    confidence: float
    source: str
    rule: str  # the match's rule: what was recognised, what is assumed, where it is declared, and why


# -- reading and checking ---------------------------------------------------------------------------
def _step(
    node: Any, path: tuple[str | int, ...], unit: str | None, db: rules.Database, p: kinds.Problems
) -> Step | None:
    if node is None:
        return None
    if not isinstance(node, Mapping) or not isinstance(node.get("grade"), str | int | float):
        p.add(path, "must be {grade: …, factor_id: …}")
        return None
    fid = node.get("factor_id")
    factor = db.factors.get(fid) if isinstance(fid, str) else None
    if factor is None:
        p.add((*path, "factor_id"), f"names unknown factor {fid!r}")
        return None
    other = getattr(factor, "declared_unit", None)
    if unit is not None and other != unit:
        p.add((*path, "factor_id"), f"{fid} is per {other}, the default's factor per {unit}: not comparable")
    return Step(str(node["grade"]), str(fid))


def _choice(
    node: Mapping[str, Any],
    path: tuple[str | int, ...],
    classes: frozenset[str],
    db: rules.Database,
    p: kinds.Problems,
) -> _Choice | None:
    grade, fid = node.get("grade"), node.get("factor_id")
    if not isinstance(grade, str | int | float) or str(grade).strip() == "":
        p.add((*path, "grade"), "must say what is assumed (e.g. C30)")
        return None
    factor = db.factors.get(fid) if isinstance(fid, str) else None
    if factor is None:
        p.add((*path, "factor_id"), f"names unknown factor {fid!r}")
        return None
    unit = getattr(factor, "declared_unit", None)
    up = _step(node.get("step_up"), (*path, "step_up"), unit, db, p)
    down = _step(node.get("step_down"), (*path, "step_down"), unit, db, p)
    return _Choice(str(grade), str(fid), up, down, classes, ".".join(map(str, path)))


def _entry(family: str, node: Any, db: rules.Database, p: kinds.Problems) -> _Default | None:
    path: tuple[str | int, ...] = ("defaults", family)
    families = db.grades.get("families") or {}
    if family not in families:
        p.add(path, f"no grade family {family!r} in families")
        return None
    if not isinstance(families[family], Mapping) or not families[family].get("kind"):
        p.add(path, f"families.{family} has no kind: a default needs it to tell its names from other kinds")
    if not isinstance(node, Mapping):
        p.add(
            path, "must be a mapping (grade, factor_id, step_up, step_down, by_class, unless, source, reason)"
        )
        return None
    for key in sorted(set(map(str, node)) - KEYS):
        p.add((*path, key), f"unknown key (known: {', '.join(sorted(KEYS))})")
    choices: list[_Choice] = []
    by_class = node.get("by_class") or []
    if not isinstance(by_class, list):
        p.add((*path, "by_class"), "must be a list of {classes, grade, factor_id, …}")
        by_class = []
    for i, item in enumerate(by_class):
        where = (*path, "by_class", i)
        if not isinstance(item, Mapping):
            p.add(where, "must be {classes: […], grade: …, factor_id: …}")
            continue
        found = _choice(item, where, kinds.classes(item.get("classes"), (*where, "classes"), p), db, p)
        choices += [found] if found is not None else []
    if "grade" in node or "factor_id" in node or not by_class:
        found = _choice(node, path, frozenset(), db, p)
        choices += [found] if found is not None else []
    confidence = node.get("confidence")
    if not isinstance(confidence, int | float) or not 0 < confidence <= 1:
        p.add((*path, "confidence"), f"must be a number in (0, 1], not {confidence!r}")
    sources = getattr(db, "sources", None)
    source = node.get("source")
    if not isinstance(source, str) or (sources is not None and source not in sources):
        p.add((*path, "source"), f"must be an id of sources.yaml, not {source!r}")
    reason = node.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        p.add((*path, "reason"), "must say why this default, as text")
    patterns = []
    text = grade_table(db.grades).text
    for i, regex in enumerate(kinds.words(node.get("unless_patterns"), (*path, "unless_patterns"), p)):
        try:
            patterns.append(re.compile(regex))
        except re.error as exc:
            p.add((*path, "unless_patterns", i), f"not a regular expression: {exc}")
    return _Default(
        family=family,
        choices=tuple(choices),
        unless=tuple(normalize(w, text) for w in kinds.words(node.get("unless"), (*path, "unless"), p)),
        unless_patterns=tuple(patterns),
        confidence=float(confidence) if isinstance(confidence, int | float) else 0.0,
        source=str(source),
        reason=" ".join(str(reason).split()),
    )


def _compile(db: rules.Database) -> tuple[_Default, ...]:
    p = kinds.Problems(db)
    spec = db.grades.get("defaults") or {}
    if not isinstance(spec, Mapping):
        p.add(("defaults",), "must be a mapping of grade family -> its default")
        spec = {}
    found = [_entry(str(family), node, db, p) for family, node in spec.items()]
    p.raise_any()
    return tuple(d for d in found if d is not None)


def table(db: rules.Database) -> tuple[_Default, ...]:
    """The checked ``defaults`` of grades.yaml; DatabaseError listing every problem (file:line)."""
    return kinds.cached("defaults", db, lambda: _compile(db))


# -- applying ---------------------------------------------------------------------------------------
def find_default(
    name: str, ifc_class: str, db: rules.Database, category: str | None = None
) -> Assumed | None:
    """The declared default of a name without grade on elements of `ifc_class`, or None (see the
    module docstring); the family may be named by the IfcMaterial.Category `category` instead of the
    name. Call it only when no mapping, grade or alias matched."""
    entries = {d.family: d for d in table(db)}
    if not entries:
        return None
    compiled = kinds.table(db)
    text = normalize(name, compiled.grades.text)
    texts = [
        ("keyword", text),
        (f"IfcMaterial.Category '{category}'", normalize(category or "", compiled.grades.text)),
    ]
    named = {g.family for g in compiled.grades.parse(text)}
    kind = kinds.kind_of(name, [ifc_class], db, category)
    candidates = []
    for family in compiled.families:
        entry = entries.get(family.name)
        if entry is None or family.name in named:
            continue  # no default declared, or the name gives a grade of the family (C80混凝土)
        keywords = sorted(family.keywords, key=len, reverse=True)
        hit = next(
            ((i, where, k) for i, (where, s) in enumerate(texts) for k in keywords if find(k, s)), None
        )
        if hit is None or (kind is not None and kind.top != kinds.top(family.kind)):
            continue  # not named; or the name says it is another kind: 加气混凝土砌块 is a block
        if any(find(g, s) for g in compiled.grades.guards if g not in family.keywords for _, s in texts):
            continue  # a guard word: "Concrete block", "STEEL/NEOPRENE", "Concrete, Sand/Cement Screed"
        if any(find(w, s) for w in entry.unless for _, s in texts) or any(
            r.search(s) for r in entry.unless_patterns for _, s in texts
        ):
            continue
        candidates.append(((-hit[0], len(hit[2])), f"{hit[1]} '{hit[2]}'", entry))
    if not candidates:
        return None
    _, named_by, entry = max(candidates, key=lambda c: c[0])
    cls = canonical_class(ifc_class)
    choice = next((c for c in entry.choices if c.classes and cls in c.classes), None)
    choice = choice or next((c for c in entry.choices if not c.classes), None)
    if choice is None:
        return None
    on = " for its IFC class" if choice.classes else ""  # not the class's name: classes alike share a row
    rule = (
        f"no grade in the name ({entry.family} named by {named_by}): {choice.grade} assumed{on} -> "
        f"{choice.factor_id} via grades.yaml {choice.where} "
        f"(declared default, {entry.source}: {entry.reason})"
    )
    return Assumed(
        entry.family,
        choice.grade,
        choice.factor_id,
        choice.step_up,
        choice.step_down,
        entry.confidence,
        entry.source,
        rule,
    )


def annotate(match: MaterialMatch, assumed: Assumed, db: FactorDB) -> MaterialMatch:
    """The match with its assumption: grade, source, and the kgCO2e of one grade up and down
    (quantity × (step factor − factor), None when the quantity is unknown), also said in its note."""
    base = match.gwp_kgco2e_per_unit

    def effect(step: Step | None) -> float | None:
        if step is None or match.quantity is None or base is None:
            return None
        value = db.factors[step.factor_id].gwp_kgco2e_per_unit
        return match.quantity * (value - base)

    up, down = assumed.step_up, assumed.step_down
    annotated = dataclasses.replace(
        match,
        default_grade=assumed.grade,
        default_source=assumed.source,
        step_up_grade=up.grade if up else None,
        step_up_factor_id=up.factor_id if up else None,
        step_up_kgco2e=effect(up),
        step_down_grade=down.grade if down else None,
        step_down_factor_id=down.factor_id if down else None,
        step_down_kgco2e=effect(down),
    )
    said = "; ".join(
        filter(None, [f"no grade: {assumed.grade} assumed ({assumed.source})", _effects(annotated)])
    )
    return dataclasses.replace(annotated, note="; ".join(filter(None, [said, match.note])))


def _effects(m: MaterialMatch) -> str:
    """The known effects of one grade up and down: "one grade up (C35) +2,250 kgCO2e, one grade down
    (C25) −2,250 kgCO2e"; "" when none is known."""
    steps = (("up", m.step_up_grade, m.step_up_kgco2e), ("down", m.step_down_grade, m.step_down_kgco2e))
    return ", ".join(
        f"one grade {way} ({grade}) {f'{kg:+,.0f}'.replace('-', '−')} kgCO2e"
        for way, grade, kg in steps
        if grade is not None and kg is not None
    )


def problems(materials: Sequence[MaterialMatch]) -> list[Problem]:
    """One assumption problem per defaulted material: what was assumed, where to set it, and the
    effect of one grade up and down: "混凝土: no grade, C30 assumed — set it in the mapping file; one
    grade up (C35) +2,250 kgCO2e, one grade down (C25) −2,250 kgCO2e"."""
    found = []
    for m in materials:
        if m.method is MatchMethod.DEFAULT:
            message = f"{m.material}: no grade, {m.default_grade} assumed — set it in the mapping file"
            found.append(Problem(ProblemKind.ASSUMPTION, "; ".join(filter(None, [message, _effects(m)]))))
    return found
