"""Material-name normalisation and grade-token parsing. Pure functions: no ifcopenshell, no I/O beyond
reading ``material_db/grades.yaml`` once when no grade table is passed in.

``normalize`` turns a name as authoring tools write it into the form aliases and grade patterns are
written against::

    "Ｃ３０混凝土（现浇）"            -> "c30 混凝土 现浇"
    "_Beton_C30-37_wg"              -> "beton c30/37"
    "Metal - Steel - 345 MPa"       -> "metal steel 345 mpa"
    "Wärmedämmung"                  -> "waermedaemmung"

Steps, in order: NFKC (full width to half width, ``（`` to ``(``); lower case; German umlauts folded
(``ä`` -> ``ae``, ``ß`` -> ``ss``) and other accents on Latin letters dropped (``béton`` -> ``beton``);
the ``rewrite`` and ``noise`` patterns of grades.yaml; every character that is not a letter, digit or
Chinese character becomes a space, except ``/`` and ``.`` between two digits (``c30/37``, ``m7.5``);
a space between a Chinese run and a Latin/digit run (``c30混凝土`` -> ``c30 混凝土``); the noise
patterns again on the result; spaces collapsed. The result is idempotent: ``normalize(normalize(s))
== normalize(s)``.

Word matching (``find``): a Latin word matches whole space-separated tokens; a Chinese word matches
anywhere in a Chinese run, or, with ``head=True``, only where it ends that run (Chinese compounds are
head-final: 玻璃 is the head of 中空玻璃, 钢 is not the head of 钢质门).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml

from embodied.factors import DEFAULT_ROOT

#: The grade table of the default data pack.
GRADES_FILE = DEFAULT_ROOT / "grades.yaml"

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_SCRIPT_BOUNDARY = re.compile(f"(?<=[{_CJK}])(?=[^\\s{_CJK}])|(?<=[^\\s{_CJK}])(?=[{_CJK}])")
_LONE_SLASH_OR_DOT = re.compile(r"(?<!\d)[/.]|[/.](?!\d)")
_SPACES = re.compile(r"\s+")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class TextRules:
    """The ``rewrite`` (pattern, replacement) and ``noise`` patterns of grades.yaml, compiled."""

    rewrites: tuple[tuple[re.Pattern[str], str], ...] = ()
    noise: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade token found in a name: family ``concrete``, token ``C30/37``, value ``30.0``."""

    family: str
    token: str  # the matched text upper-cased, spaces removed: C30/37, HRB400E, Q355B, M7.5
    value: float | None  # the number that selects the factor (first number of C30/37)
    raw: str  # the matched text in the normalised name
    form: str = ""  # which pattern of the family matched: gb, en, astm, ...


@dataclass(frozen=True, slots=True)
class GradePattern:
    form: str
    regex: re.Pattern[str]
    confidence: float
    standalone: bool  # the token alone names its family (Q355, HRB400), without keyword or class
    note: str
    assumption: str  # shown in the rule of every match this pattern makes ("" for none)


@dataclass(frozen=True, slots=True)
class GradeFamily:
    name: str
    keywords: tuple[str, ...]  # normalised
    requires_grade: bool  # without a grade the family's keywords veto aliases (see guards)
    implied_by_classes: frozenset[str]  # canonical IFC class names, lower case
    implied_confidence: float
    patterns: tuple[GradePattern, ...]
    # the routes from a grade to a factor id: tabulated, derived, by_class, default
    factor: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class GradeTable:
    """grades.yaml, compiled: text rules, grade families, guard words and matching settings."""

    text: TextRules
    families: tuple[GradeFamily, ...]
    guards: tuple[str, ...]  # normalised guard words, including the keywords of requires_grade families
    matching: Mapping[str, Any]

    def family(self, name: str) -> GradeFamily:
        return next(f for f in self.families if f.name == name)

    def parse(self, normalized: str) -> tuple[Grade, ...]:
        """Grade tokens in an already normalised text, left to right; of overlapping tokens the one
        starting first, then the longer, is kept (C30/37 is one EN token, not also a GB C30)."""
        found: list[tuple[int, int, Grade]] = []
        for family in self.families:
            for pattern in family.patterns:
                for m in pattern.regex.finditer(normalized):
                    number = m.groupdict().get("value")
                    grade = Grade(
                        family=family.name,
                        token=m.group(0).upper().replace(" ", ""),
                        value=float(number) if number else None,
                        raw=m.group(0),
                        form=pattern.form,
                    )
                    found.append((m.start(), m.end(), grade))
        found.sort(key=lambda t: (t[0], t[0] - t[1]))
        kept: list[tuple[int, int, Grade]] = []
        for start, end, grade in found:
            if not any(start < k_end and k_start < end for k_start, k_end, _ in kept):
                kept.append((start, end, grade))
        return tuple(g for _, _, g in kept)


def canonical_class(ifc_class: str) -> str:
    """Lower-case IFC class without the IFC2x3 ``StandardCase``/``ElementedCase`` suffix."""
    return re.sub(r"(standardcase|elementedcase)$", "", ifc_class.strip().lower())


def _fold_latin(text: str) -> str:
    """Umlauts to ae/oe/ue/ss, then accents dropped from Latin letters only (CJK and kana untouched)."""
    text = text.translate(_GERMAN)
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _strip_noise(text: str, noise: Sequence[re.Pattern[str]]) -> str:
    """Remove noise patterns until none applies (so normalize stays idempotent)."""
    while True:
        before = text
        for pattern in noise:
            text = pattern.sub(" ", text)
        text = _SPACES.sub(" ", text).strip()
        if text == before:
            return text


def normalize(text: str, rules: TextRules | None = None) -> str:
    """The normalised form of a material name (see the module docstring for the steps).

    ``rules`` are the rewrite and noise patterns; ``None`` uses those of the default grades.yaml.
    """
    if rules is None:
        rules = default_table().text
    s = unicodedata.normalize("NFKC", text).lower()
    s = unicodedata.normalize("NFKC", _fold_latin(s)).lower()
    for pattern, replacement in rules.rewrites:
        s = pattern.sub(replacement, s)
    s = _strip_noise(s, rules.noise)
    s = "".join(ch if ch.isalnum() or ch in "/." else " " for ch in s)
    s = _LONE_SLASH_OR_DOT.sub(" ", s)
    s = _SCRIPT_BOUNDARY.sub(" ", s)
    return _strip_noise(s, rules.noise)


@lru_cache(maxsize=4096)
def _word_regex(word: str, head: bool) -> re.Pattern[str]:
    left = "" if _CJK_CHAR.match(word[0]) else r"(?:^|(?<=\s))"
    right = "" if _CJK_CHAR.match(word[-1]) and not head else r"(?=\s|$)"
    return re.compile(left + re.escape(word) + right)


def find(word: str, text: str, *, head: bool = False) -> list[tuple[int, int]]:
    """Spans where a normalised word occurs in a normalised text (whole Latin tokens; see the module doc)."""
    if not word:
        return []
    return [m.span() for m in _word_regex(word, head).finditer(text)]


def _words(value: Any) -> Iterable[str]:
    """Strings of a keyword entry: a list, or a mapping of language -> list."""
    if isinstance(value, Mapping):
        for items in value.values():
            yield from _words(items)
    elif isinstance(value, list | tuple):
        for item in value:
            yield str(item)
    elif value is not None:
        yield str(value)


def _text_rules(grades: Mapping[str, Any]) -> TextRules:
    rewrites = tuple(
        (re.compile(str(r["pattern"])), str(r.get("replace", ""))) for r in grades.get("rewrite") or ()
    )
    noise = tuple(re.compile(str(n["pattern"])) for n in grades.get("noise") or ())
    return TextRules(rewrites, noise)


def _family(name: str, spec: Mapping[str, Any], text: TextRules) -> GradeFamily:
    patterns = tuple(
        GradePattern(
            form=str(p.get("form", "")),
            regex=re.compile(str(p["regex"])),
            confidence=float(p.get("confidence", 1.0)),
            standalone=bool(p.get("standalone", False)),
            note=str(p.get("note", "")),
            assumption=str(p.get("assumption", "")),
        )
        for p in spec.get("patterns") or ()
    )
    return GradeFamily(
        name=name,
        keywords=tuple(dict.fromkeys(normalize(w, text) for w in _words(spec.get("keywords")))),
        requires_grade=bool(spec.get("requires_grade", False)),
        implied_by_classes=frozenset(canonical_class(c) for c in spec.get("implied_by_classes") or ()),
        implied_confidence=float(spec.get("implied_confidence", 0.0)),
        patterns=patterns,
        factor=cast("Mapping[str, Any]", spec.get("factor") or {}),
    )


@lru_cache(maxsize=16)
def _compile(frozen: str) -> GradeTable:
    grades = cast("Mapping[str, Any]", json.loads(frozen))
    text = _text_rules(grades)
    families_spec = cast("Mapping[str, Mapping[str, Any]]", grades.get("families") or {})
    families = tuple(_family(name, spec, text) for name, spec in families_spec.items())
    guards = [normalize(w, text) for w in _words(grades.get("guards"))]
    guards += [k for f in families if f.requires_grade for k in f.keywords]
    return GradeTable(
        text=text,
        families=families,
        guards=tuple(dict.fromkeys(g for g in guards if g)),
        matching=cast("Mapping[str, Any]", grades.get("matching") or {}),
    )


def _plain(node: Any) -> Any:
    """Mappings (also read-only proxies) as dicts and sequences as lists, for a JSON cache key."""
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(v) for v in node]
    return node


def grade_table(grades: Mapping[str, Any]) -> GradeTable:
    """Compile a parsed grades.yaml (cached on its content). Raises ValueError when it is malformed."""
    try:
        return _compile(json.dumps(_plain(grades), sort_keys=True, ensure_ascii=False, default=str))
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise ValueError(f"grades.yaml is malformed: {exc!r}") from exc


def load_grades(path: Path = GRADES_FILE) -> Mapping[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return cast("Mapping[str, Any]", data)


@lru_cache(maxsize=1)
def default_table() -> GradeTable:
    """The compiled grade table of the default material_db/grades.yaml."""
    return grade_table(load_grades())


def parse_grades(text: str, grades: Mapping[str, Any] | None = None) -> tuple[Grade, ...]:
    """Grade tokens in a raw name, normalised first: ``"Beton C25/30"`` -> (Grade(concrete, C25/30, 25.0),).

    A token is reported whatever the context; whether it names its family (keyword, IFC class,
    standalone token) is decided by the rule matcher.
    """
    table = default_table() if grades is None else grade_table(grades)
    return table.parse(normalize(text, table.text))
