"""The report's codes and the stages' English sentences in the report's language (zh, en, zh+en).

Two tables, both data in templates/ and read once:

- templates/terms.yaml: codes by group (IFC classes, provinces, units, issue kinds, match methods,
  verification levels, scope switches …) in words. ``term(code, group, lang)``.
- templates/messages.yaml: the sentences the take-off, matching, life-cycle and plausibility stages
  write in English, each as a pattern with named parts and its Chinese. ``message(text, lang)``.

The stages keep writing English (the JSON and the logs stay English); only what a reader sees is put
in words. What no entry fits stays English, so nothing is ever lost::

    term("IfcWall", "ifc_class", "zh")      '墙（IfcWall）'  (the code stays, for the auditor)
    term("beijing", "province", "zh+en")    '北京 / Beijing'
    term("MILLIMETRE", "unit", "en")        'millimetre'
    message("no density in the model: mass not computed", "zh")   '模型中无密度：未计算质量'
    message(text, "zh+en")                  the Chinese, LINE_BREAK, the English as written
    pair(text, "zh+en")                     the same as (Chinese, English): two lines to lay out
    formula(line.formula, "zh")             numbers and units as written, its words in Chinese
    bilingual("岩棉板 / Rock-wool board", "en")   'Rock-wool board' (a database's two-language name)

An English edition shows the sentences as the stages wrote them, except where they carry Chinese
words of their own (a province's Chinese name, a tier's): those have an English form in the table.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from embodied.resources import TEMPLATES

TERMS = TEMPLATES / "terms.yaml"
MESSAGES = TEMPLATES / "messages.yaml"
LANGS = ("zh", "en", "zh+en")
PAIR = " / "  # a bilingual term: "北京 / Beijing", as the labels are
LINE_BREAK = "\n"  # a bilingual sentence: the Chinese, then the English on its own line
CODE_SHOWN = frozenset({"ifc_class"})  # groups whose code stays beside the Chinese word: 墙（IfcWall）
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
# An IFC class named in a part shown as it is, not already beside its Chinese word or in a path
_IFC = re.compile(r"(?<![\w（(.])Ifc[A-Z][A-Za-z]*\b(?![.\w（)）])")
_FIELD = re.compile(r"\{(\w+)(?::([\w*]+))?\}")
# what a part of a given type may be (a part of another type: anything, as short as it can be)
_SHAPE = {
    "n": r"[−+\-]?\d[\d,]*(?:\.\d+)?(?:e[+\-]?\d+)?",
    "int": r"\d+",
    "factor_id": r"[A-Za-z0-9_]+:[A-Za-z0-9_:.\-/]+",
    "module": r"A1-A3|A[45]|B[1-7]|C[1-4]|D",
    "key": r"[a-z_][\w.\[\]]*",
    "path": r"[\w./\-]+\.(?:yaml|yml|csv|toml|json|xlsx)",
    "cjk": r"[^\x00-\x7f]+",
    "qto": r"[^;]+",  # <set>.<quantity>: names with spaces, never a clause
    "ifc_class": r"Ifc[A-Za-z]+",
    "category": r"[a-z_/]+",
    "verification": r"[a-z_0-9]+",
    "method": r"[a-z_]+",
}
_VERBATIM = frozenset(_SHAPE) - {"ifc_class", "category", "verification", "method"}


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# -- terms ---------------------------------------------------------------------------------------
@functools.cache
def terms() -> Mapping[str, Mapping[str, Mapping[str, str]]]:
    """templates/terms.yaml: group -> code -> {"zh": …, "en": …} (en absent: the code is the word)."""
    data = _load(TERMS) or {}
    return {
        str(group): {str(code): {k: str(v) for k, v in node.items()} for code, node in codes.items()}
        for group, codes in data.items()
    }


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", text.strip().casefold())


@functools.cache
def _index(group: str) -> Mapping[str, str]:
    """Every spelling of a group's codes (the code, its words; case and separators folded) -> code."""
    found: dict[str, str] = {}
    for code, node in terms().get(group, {}).items():
        for spelling in (node.get("en"), node.get("zh"), code):
            if spelling:
                found[_fold(spelling)] = code
    return found


def code_of(value: str | None, group: str) -> str | None:
    """The code of `group` that `value` spells ("北京", "Beijing", "beijing" -> "beijing"), or None."""
    if value is None:
        return None
    codes = terms().get(group, {})
    return value if value in codes else _index(group).get(_fold(value))


def known(value: str | None, group: str) -> bool:
    return code_of(value, group) is not None


def term(code: str | None, group: str, lang: str) -> str:
    """A code of `group` in words in `lang` (zh, en or zh+en); a code the group lacks as it is, None
    as "". IFC classes keep their code: 墙（IfcWall） in zh and zh+en, IfcWall in en."""
    if code is None:
        return ""
    key = code_of(str(code), group)
    if key is None:
        return str(code)
    node = terms()[group][key]
    zh, en = node.get("zh") or key, node.get("en") or key
    if group in CODE_SHOWN:
        return en if lang == "en" else f"{zh}（{key}）"
    if lang == "en":
        return en
    if lang == "zh":
        return zh
    return zh if zh == en else f"{zh}{PAIR}{en}"


def bilingual(text: str | None, lang: str) -> str:
    """A database's "中文 / English" name (a factor's) in `lang`: one side in zh or en, both in zh+en;
    a text of another shape as it is."""
    if not text or lang == "zh+en":
        return text or ""
    zh, sep, en = text.partition(PAIR)
    if not sep or not CJK.search(zh) or CJK.search(en):
        return text
    return zh if lang == "zh" else en


def _classes(text: str) -> str:
    """The IFC classes named in a Chinese sentence's verbatim part, in words: 墙（IfcWall）."""
    return _IFC.sub(lambda m: term(m[0], "ifc_class", "zh"), text) if "Ifc" in text else text


# -- messages ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Entry:
    """One sentence of templates/messages.yaml, compiled."""

    en: str  # as written in the table, with its {name:type} parts
    zh: str
    en_out: str | None
    pattern: re.Pattern[str]
    lead: str  # the text before the first part: a cheap test before the pattern
    types: Mapping[str, str]


def _shape(kind: str, *, first: bool) -> str:
    """The regular expression of a part: its type's shape, else one of its group's spellings, else
    any text (that holds no "; " when the sentence starts with it: it would swallow the clauses)."""
    if kind in _SHAPE:
        return _SHAPE[kind]
    if kind in terms():
        spellings = {s for code, node in terms()[kind].items() for s in (code, *node.values())}
        return "(?i:" + "|".join(map(re.escape, sorted(spellings, key=lambda s: (-len(s), s)))) + ")"
    return r"(?:(?!; ).)+?" if first else ".+?"


def _balanced(text: str) -> bool:
    """Every bracket of `text` closed, none closed before it is opened: a part of a sentence."""
    depth = 0
    for char in text:
        if char in "([（【":
            depth += 1
        elif char in ")]）】":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _compile(item: Mapping[str, Any]) -> Entry:
    en = str(item["en"])
    parts: list[str] = []
    types: dict[str, str] = {}
    position = 0
    for field in _FIELD.finditer(en):
        parts.append(re.escape(en[position : field.start()]))
        name, kind = field[1], field[2] or ""
        types[name] = kind
        parts.append(f"(?P<{name}>{_shape(kind, first=field.start() == 0)})")
        position = field.end()
    parts.append(re.escape(en[position:]))
    first = _FIELD.search(en)
    return Entry(
        en=en,
        zh=str(item["zh"]),
        en_out=str(item["en_out"]) if item.get("en_out") else None,
        pattern=re.compile("".join(parts), re.DOTALL),
        lead=en[: first.start()] if first else en,
        types=types,
    )


@functools.cache
def entries() -> tuple[Entry, ...]:
    """templates/messages.yaml, compiled, in order."""
    return tuple(_compile(item) for item in _load(MESSAGES) or ())


def _clauses(text: str) -> list[str]:
    """`text` split at its "; " outside brackets."""
    found, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "([（【":
            depth += 1
        elif char in ")]）】":
            depth = max(depth - 1, 0)
        elif depth == 0 and char == ";" and text.startswith("; ", index):
            found.append(text[start:index])
            start = index + 2
    found.append(text[start:])
    return found


def _names(text: str, lang: str) -> str:
    """A ", "-separated list of material names (or line labels): the tool's own in words, the
    model's as they are (a name holding ", " is rejoined as it was)."""
    shown = []
    for name in text.split(", "):
        group = next((g for g in ("material", "line_label") if name in terms().get(g, {})), None)
        shown.append(term(name, group, lang) if group else name)
    return ", ".join(shown)


def _part(value: str, kind: str, lang: str) -> str | None:
    """One part of a matched sentence in `lang` (zh, or en for a part with Chinese in it); None when
    a `part` does not translate."""
    if lang == "en" and not CJK.search(value):
        return value
    if kind in ("msg", "part"):
        found = _translate(value, lang)
        return found if found is not None or kind == "part" else value
    if kind == "names":
        return _names(value, lang)
    group = kind.rstrip("*")
    if group in terms():
        if kind.endswith("*"):
            joiner = "、" if lang == "zh" else ", "
            return joiner.join(term(v, group, lang) for v in value.split(", "))
        return term(value, group, lang)
    return value if kind in _VERBATIM or lang == "en" else _classes(value)


def _fill(entry: Entry, match: re.Match[str], lang: str) -> str | None:
    values: dict[str, str] = {}
    if not all(_balanced(match[name]) for name in entry.types):
        return None  # the match cut across brackets: the sentence is not this one
    for name, kind in entry.types.items():
        value = _part(match[name], kind, lang)
        if value is None:
            return None
        values[name] = value
    template = entry.zh if lang == "zh" else entry.en_out or entry.en
    return _FIELD.sub(lambda field: values[field[1]], template)


@functools.lru_cache(maxsize=32768)
def _translate(text: str, lang: str) -> str | None:
    """`text` in zh (or, lang "en", its English form); None when no entry fits it or any clause."""
    for entry in entries():
        if text.startswith(entry.lead) and (match := entry.pattern.fullmatch(text)) is not None:
            found = _fill(entry, match, lang)
            if found is not None:
                return found
    clauses = _clauses(text)
    if len(clauses) > 1:
        done = [_translate(clause, lang) for clause in clauses]
        if any(d is not None for d in done):
            joiner = "；" if lang == "zh" else "; "
            return joiner.join(d if d is not None else c for d, c in zip(done, clauses, strict=True))
    return None


def translate(text: str | None) -> str | None:
    """The Chinese of a stage's sentence; None when the table has none (it then stays English)."""
    return _translate(text, "zh") if text else None


def english(text: str | None) -> str:
    """A stage's sentence for the English edition: as written, unless it carries Chinese words the
    table has an English form of."""
    if not text:
        return ""
    if not CJK.search(text):
        return text
    found = _translate(text, "en")
    return found if found is not None else text


def message(text: str | None, lang: str) -> str:
    """A stage's sentence in `lang`: zh (English when the table has no Chinese for it), en, or zh+en
    (the Chinese, LINE_BREAK, the English; only the English when there is no Chinese)."""
    if not text:
        return ""
    if lang == "en":
        return english(text)
    zh = translate(text)
    if lang == "zh":
        return zh if zh is not None else text
    en = english(text)
    return en if zh is None or zh == en else f"{zh}{LINE_BREAK}{en}"


@functools.cache
def _formula_words() -> re.Pattern[str]:
    words = sorted(terms().get("formula", {}), key=lambda w: (-len(w), w))
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b")


@functools.lru_cache(maxsize=8192)
def _formula_zh(text: str) -> str:
    whole = translate(text)
    if whole is not None:  # "not declared: …"
        return whole
    head, sep, why = text.partition(": ")  # "? t × 500 km × …: mass unknown …": the why is a sentence
    words = _formula_words()
    shown = words.sub(lambda m: term(m[0], "formula", "zh"), head)
    if sep:
        shown += "：" + (translate(why) or words.sub(lambda m: term(m[0], "formula", "zh"), why))
    return shown


def formula(text: str | None, lang: str) -> str:
    """A line's formula in `lang`: its numbers and units as they are, its words (replacements, on-site
    renewables …) and the sentence after its ":" (why it is not computable) in words; in zh+en the
    Chinese, LINE_BREAK, the formula as written."""
    if not text or lang == "en":
        return text or ""
    zh = _formula_zh(text)
    if lang == "zh" or zh == text:
        return zh
    return f"{zh}{LINE_BREAK}{text}"


def pair(
    text: str | None, lang: str, *, of: Callable[[str | None, str], str] | None = None
) -> tuple[str, str | None]:
    """`message(text, lang)` (or `of(text, lang)`: ``formula``) as (first line, second line): the
    second is the English under the Chinese in zh+en, else None. What a renderer lays out on two
    lines (HTML: a line break)."""
    shown = (of or message)(text, lang)
    if lang != "zh+en" or LINE_BREAK not in shown:
        return shown, None
    first, _, second = shown.partition(LINE_BREAK)
    return first, second


def title(text: str | None, lang: str) -> str:
    """A source's "中文 (English)" title in `lang`: the Chinese in zh, the English in en, both in zh+en;
    a title of another shape as it is."""
    if not text or lang == "zh+en":
        return text or ""
    zh, sep, en = text.partition(" (")
    if not sep or not CJK.search(zh) or not en.endswith(")"):
        return text
    return zh if lang == "zh" else en[:-1]
