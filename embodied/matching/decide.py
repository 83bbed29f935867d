"""One material on elements of one IFC class: which factor, by which rule, or which suggestions.

Strongest first: the user's mapping file (by material, then by a classification code of its
elements) → grade tokens, aliases and the IfcMaterial.Category fallback (``rules``) → the family's
declared default when the name names a family but no grade (``defaults``) → fuzzy suggestions of the
name's kind only (``kinds``), applied only with ``accept_suggestions`` and a score from
``suggestion_min_score``; without any, the decision says why (``advice``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from embodied.factors import FactorDB
from embodied.matching import defaults, kinds, rules
from embodied.matching.mapping import UserMapping
from embodied.records import MatchMethod, TakeoffRow


@dataclass(frozen=True, slots=True)
class MatchOptions:
    accept_suggestions: bool = False
    suggestion_min_score: float = 85.0  # a suggestion is applied (when asked) from this score up
    rebar_estimate: bool = True
    suggestions: int = 3


@dataclass(frozen=True, slots=True)
class Decision:
    """How one material on one IFC class was decided (hashable: classes deciding alike share a row)."""

    factor_id: str | None
    method: MatchMethod
    rule: str | None
    confidence: float | None
    suggestions: tuple[str, ...]
    default: defaults.Assumed | None = None  # method DEFAULT: what was assumed
    kind: kinds.Kind | None = None  # unmatched and defaulted: the kind the name suggests
    advice: str = ""  # unmatched without suggestions: why


def decide(
    name: str,
    ifc_class: str,
    rows: Sequence[TakeoffRow],
    db: FactorDB,
    mapping: UserMapping | None,
    options: MatchOptions,
) -> Decision:
    if mapping is not None:
        entry = mapping.for_material(name)
        if entry is not None:
            return Decision(entry.factor_id, MatchMethod.MAPPING, f"mapping {entry.where}", 1.0, ())
        codes = sorted({c.strip() for r in rows if r.classification for c in r.classification.split(";")})
        entry = mapping.for_classifications(codes)
        if entry is not None:
            rule = f"classification {', '.join(codes)} in mapping {entry.where}"
            return Decision(entry.factor_id, MatchMethod.CLASSIFICATION, rule, 0.95, ())
    category = next((r.material_category for r in rows if r.material_category), None)
    found = rules.match_name(name, [ifc_class], category, db)
    if found is not None:
        return Decision(found.factor_id, MatchMethod(found.method), found.rule, found.confidence, ())
    assumed = defaults.find_default(name, ifc_class, db, category)
    if assumed is not None:
        kind = kinds.kind_of(name, [ifc_class], db, category)
        method, rule = MatchMethod.DEFAULT, assumed.rule
        return Decision(assumed.factor_id, method, rule, assumed.confidence, (), assumed, kind)
    offer = kinds.offer(name, [ifc_class], db, options.suggestions, category)
    suggested = offer.suggestions  # of the name's kind only
    labels = tuple(f"{fid} ({score:.0f})" for fid, score in suggested)
    if options.accept_suggestions and suggested and suggested[0][1] >= options.suggestion_min_score:
        fid, score = suggested[0]
        rule = f"fuzzy suggestion accepted (--accept-suggestions), score {score:.0f}/100"
        return Decision(
            fid, MatchMethod.SUGGESTION, rule, round(score / 100 * 0.6, 3), labels, kind=offer.kind
        )
    return Decision(None, MatchMethod.UNMATCHED, None, None, labels, kind=offer.kind, advice=offer.advice)
