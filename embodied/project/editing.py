"""The project file edited from a form (``embodied serve``): its keys as form fields, a form's values
written back into the text with every comment, blank line and other key kept byte for byte, and the
edited text checked as ``load_settings`` checks the file.

    sections = form_fields(path.read_text("utf-8-sig"))          # one FormSection per [section]
    text = set_values(text, {("building", "gross_floor_area_m2"): "250"})
    validate_text(text, str(path))                               # ConfigError: file:line: key: problem
    path.write_text(text, "utf-8")

The form edits the sections of ``SECTIONS``; ``[[materials]]`` entries stay as the file writes them.
A value is written by the kind of its key (a number, true/false, a date, an array of names, else a
string); a value that is not of its kind ("abc" for a number) is written as a string, so that the
project's own check reports it with its line: there is no second validation here. `set_values`
never returns a text it has not parsed back: every key but the changed ones must read as before.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from embodied.project.loading import PROJECT_FILE, SECTIONS, settings_from_text
from embodied.project.places import province_names, transport_modes
from embodied.project.reader import Rule, parse_toml
from embodied.project.settings import ProjectSettings

_FLAGS = {"true": "true", "on": "true", "1": "true", "false": "false", "off": "false", "0": "false"}
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ABSENT = object()


@dataclass(frozen=True, slots=True)
class FormField:
    """One key of the project file as a form input. `value` is the file's value as text ("" when the
    key is left out: its default); `choices` are the values a list offers (the canonical values of a
    choice, the province names and slugs, the transport modes). `low`, `high` and `strict` (low itself
    not allowed) bound a number; None for the other kinds."""

    section: str
    key: str
    kind: str  # a Rule kind: number, text, flag, choice, province, grid, mode, names, date
    unit: str
    choices: tuple[str, ...]
    value: str
    low: float | None
    high: float | None
    strict: bool


@dataclass(frozen=True, slots=True)
class FormSection:
    name: str
    fields: tuple[FormField, ...]


def form_fields(settings_text: str | None, *, display_name: str = PROJECT_FILE) -> list[FormSection]:
    """The form of the project file: every key of every section of SECTIONS, in their order, with its
    current value in `settings_text` (None: no file, every value ""). A text that is not TOML is a
    ConfigError ``display_name:line: TOML syntax error: …``."""
    document = _parse((settings_text or "").removeprefix("\ufeff"), display_name)
    sections = []
    for name, (_, rules) in SECTIONS.items():
        table = document.get(name)
        values = table if isinstance(table, dict) else {}
        sections.append(
            FormSection(name, tuple(_field(name, key, rule, values.get(key)) for key, rule in rules.items()))
        )
    return sections


def set_values(text: str, changes: Mapping[tuple[str, str], str], *, display_name: str = PROJECT_FILE) -> str:
    """`text` with each ``(section, key)`` of `changes` set from a form's text: a key written in its
    ``[section]`` has its value replaced in place (a trailing comment kept, at its column when it can
    be), an empty value removes the key's line (the key takes its default), a key not written as
    ``key = …`` under its ``[section]`` header is added after the section's last key (a section not
    written: appended at the end). Everything else is kept byte for byte, and so is a key whose new
    value reads as its current one (a form may send back every field: "50" leaves ``50.0`` alone).

    A key not of SECTIONS is a ValueError, and so is a result that does not parse back to the old
    document with exactly the changed keys changed (a key written as a dotted key or in an inline
    table of another header, say): a corrupt text is never returned. A `text` that is not TOML is a
    ConfigError naming `display_name` and the line."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    old = _parse(body, display_name)
    wanted = _wanted(old, changes)
    newline = "\r\n" if "\r\n" in body else "\n"
    try:
        tables = _Scanner(body).tables()
    except (IndexError, ValueError) as error:  # the scanner lost its way in a text tomllib read
        raise ValueError(f"cannot place the keys of the project file: {error}") from None
    edits: list[tuple[int, int, str]] = []  # start, end, replacement; the spans never overlap
    inserted: dict[int, list[str]] = {}  # offset -> the new lines that go there, in order
    added: dict[str, list[str]] = {}  # a section not written -> its new lines
    for (section, key), new in wanted.items():
        table = next((t for t in tables if t.header == (section,) and not t.array), None)
        entry = next((e for e in table.entries if e.key == (key,)), None) if table else None
        if entry is not None:
            edits.append((entry.start, entry.end, "") if new is None else _replacement(body, entry, new))
        elif new is not None and table is not None:
            indent = table.entries[-1].indent if table.entries else ""
            inserted.setdefault(table.after, []).append(f"{indent}{key} = {new}{newline}")
        elif new is not None:
            added.setdefault(section, []).append(f"{key} = {new}{newline}")
    for at, lines in inserted.items():
        lead = newline if at == len(body) and body and not body.endswith("\n") else ""
        edits.append((at, at, lead + "".join(lines)))
    result = body
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):
        result = result[:start] + replacement + result[end:]
    for section, lines in added.items():
        lead = "" if not result or result.endswith("\n") else newline
        result += f"{lead}{newline if result else ''}[{section}]{newline}" + "".join(lines)
    _check(old, result, wanted)
    return bom + result


def validate_text(text: str, display_name: str) -> ProjectSettings:
    """The settings of a project file's text, checked as ``load_settings`` checks the file: every
    problem is a ``display_name:line: key: problem`` line of one ConfigError."""
    return settings_from_text(text.removeprefix("\ufeff"), display_name)


def render(value: str, rule: Rule) -> str:
    """A form's text as the TOML value of a key of `rule`: a number ("192" -> 192, "2.5" -> 2.5; a
    grid factor too when it is one), true/false (also on/off, 1/0), a date (2026-12-04), an array of
    the ";"-separated names, else a string. Text not of its kind becomes a string, for the project's
    check to report."""
    stripped = value.strip()
    if rule.kind in ("number", "grid") and (number := _number(stripped)) is not None:
        return number
    if rule.kind == "flag" and stripped.casefold() in _FLAGS:
        return _FLAGS[stripped.casefold()]
    if rule.kind == "date":
        try:
            return dt.date.fromisoformat(stripped).isoformat()
        except ValueError:
            pass
    if rule.kind == "names":
        return "[" + ", ".join(_string(name.strip()) for name in value.split(";") if name.strip()) + "]"
    return _string(value)


def _wanted(
    old: Mapping[str, Any], changes: Mapping[tuple[str, str], str]
) -> dict[tuple[str, str], str | None]:
    """The TOML value of each changed key (None: removed), leaving out the keys the file has already so."""
    wanted: dict[tuple[str, str], str | None] = {}
    for (section, key), value in changes.items():
        rules = SECTIONS[section][1] if section in SECTIONS else {}
        if key not in rules:
            raise ValueError(f"{section}.{key} is not a key of the project form")
        new = render(value, rules[key]) if value.strip() else None
        table = old.get(section)
        current = table.get(key, _ABSENT) if isinstance(table, dict) else _ABSENT
        if new is None and current is _ABSENT:
            continue  # nothing to remove
        if new is not None and _same_number(_toml_value(new), current):
            continue  # the value it has: its bytes are left alone ('x' stays 'x', 5e1 stays 5e1)
        wanted[(section, key)] = new
    return wanted


def _parse(text: str, display: str) -> dict[str, Any]:
    reader, document = parse_toml(text, display)
    reader.raise_problems()  # only a syntax error at this point
    return document


def _field(section: str, key: str, rule: Rule, raw: object) -> FormField:
    if rule.kind == "choice":
        choices = tuple(value for value, _ in rule.choices)
    elif rule.kind == "province":  # the Chinese names, then the slugs
        names = province_names()
        choices = (*dict.fromkeys(n for n in names if not n.isascii()), *sorted(set(names.values())))
    elif rule.kind == "mode":
        choices = transport_modes()
    else:
        choices = ()
    number = rule.kind == "number"
    return FormField(
        section,
        key,
        rule.kind,
        rule.unit,
        choices,
        _as_text(raw),
        rule.low if number else None,
        rule.high if number else None,
        rule.strict if number else False,
    )


def _as_text(raw: object) -> str:
    """A TOML value as a form's text: "" when left out, true/false, ISO dates, names joined by "; "."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float):
        return repr(raw)
    if isinstance(raw, dt.date | dt.time):
        return raw.isoformat()
    if isinstance(raw, list):
        return "; ".join(_as_text(item) for item in raw)
    return str(raw)


def _number(text: str) -> str | None:
    """A number's text as a TOML number, an integer kept an integer; None when it is not a finite number."""
    if _INTEGER.fullmatch(text) and abs(int(text)) < 2**63:
        return str(int(text))
    try:
        value = float(text)
    except ValueError:
        return None
    return repr(value) if math.isfinite(value) else None


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped, the rest literal UTF-8."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise ValueError("a value holds a lone surrogate: not Unicode text")
    body = "".join(
        _ESCAPES.get(c) or (f"\\u{ord(c):04X}" if ord(c) < 0x20 or ord(c) == 0x7F else c) for c in text
    )
    return f'"{body}"'


def _width(text: str) -> int:
    """Columns on screen: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _replacement(text: str, entry: _Entry, new: str) -> tuple[int, int, str]:
    """The edit that writes `new` over the value of `entry`, its trailing comment kept at its column
    (or one space after the value when the value grew past it) when the comment was aligned."""
    start, end = entry.value
    line_end = text.find("\n", end)
    rest = text[end : len(text) if line_end < 0 else line_end]
    gap = rest[: len(rest) - len(rest.lstrip(" \t"))]
    if "\n" in text[start:end] or not rest[len(gap) :].startswith("#") or len(gap) < 2 or "\t" in gap:
        return start, end, new
    line_start = text.rfind("\n", 0, start) + 1
    column = _width(text[line_start : end + len(gap)])
    pad = max(1, column - _width(text[line_start:start] + new))
    return start, end + len(gap), new + " " * pad


def _check(old: dict[str, Any], new_text: str, wanted: Mapping[tuple[str, str], str | None]) -> None:
    """Raise ValueError unless `new_text` reads as `old` with exactly the `wanted` keys changed."""
    try:
        new = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"the edited project file would not be TOML: {error}") from None
    expected = copy.deepcopy(old)
    for (section, key), value in wanted.items():
        if value is None:
            table = expected.get(section)
            if isinstance(table, dict):
                table.pop(key, None)
        else:
            expected.setdefault(section, {})[key] = _toml_value(value)
    if not _equal(expected, new):
        changed = ", ".join(f"{s}.{k}" for s, k in wanted)
        raise ValueError(f"the edited project file would change more than {changed}; not written")


def _toml_value(value: str) -> Any:
    return tomllib.loads(f"v = {value}")["v"]


def _same_number(a: object, b: object) -> bool:
    """`_equal`, an integer equal to a float of its value (the check reads both as that float)."""
    numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))
    return a == b if numbers else _equal(a, b)


def _equal(a: object, b: object) -> bool:
    """TOML values alike: same types (1 is not 1.0 nor true), NaN equal to NaN, tables in any order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@dataclass(frozen=True, slots=True)
class _Entry:
    """A ``key = value`` statement: its key, where its line starts, its value's span, and the offset
    after the newline that ends it."""

    key: tuple[str, ...]
    start: int
    value: tuple[int, int]
    end: int
    indent: str


@dataclass(slots=True)
class _Table:
    """The statements under one header (None: before the first header). `after` is where a new key
    goes: after the last key and the indented comment lines that continue its comment."""

    header: tuple[str, ...] | None
    array: bool
    after: int
    entries: list[_Entry] = field(default_factory=list)


class _Scanner:
    """The headers and ``key = value`` statements of a TOML text that tomllib has read, with their
    offsets: values spanning lines (arrays, multi-line strings) are skipped whole."""

    def __init__(self, text: str) -> None:
        self.text = text

    def tables(self) -> list[_Table]:
        text, pos = self.text, 0
        tables = [_Table(None, False, 0)]
        attached = False  # an indented comment line here continues the comment of the key above
        while pos < len(text):
            start = pos
            pos = self.blank(pos)
            char = text[pos] if pos < len(text) else "\n"
            if char in "\r\n":
                attached, pos = False, self.next_line(pos)
            elif char == "#":
                pos = self.next_line(pos)
                if attached and pos > start and text[start] in " \t":
                    tables[-1].after = pos
                else:
                    attached = False
            elif char == "[":
                array = text.startswith("[[", pos)
                key, pos = self.key(pos + (2 if array else 1))
                pos = self.next_line(pos)
                tables.append(_Table(key, array, pos))
                attached = False
            else:
                key, pos = self.key(pos)
                if text[pos] != "=":
                    raise ValueError(f"expected '=' at offset {pos}")
                value_start = self.blank(pos + 1)
                value_end = self.value(value_start)
                pos = self.next_line(value_end)
                entry = _Entry(key, start, (value_start, value_end), pos, text[start : self.blank(start)])
                tables[-1].entries.append(entry)
                tables[-1].after, attached = pos, True
        return tables

    def blank(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in " \t":
            pos += 1
        return pos

    def next_line(self, pos: int) -> int:
        end = self.text.find("\n", pos)
        return len(self.text) if end < 0 else end + 1

    def space(self, pos: int) -> int:
        """Past blanks, newlines and comments (inside an array)."""
        while True:
            pos = self.blank(pos)
            if self.text.startswith("#", pos):
                pos = self.next_line(pos)
            elif pos < len(self.text) and self.text[pos] in "\r\n":
                pos += 1
            else:
                return pos

    def key(self, pos: int) -> tuple[tuple[str, ...], int]:
        """A (dotted) key at `pos` and the offset after it and its blanks."""
        text, parts = self.text, []
        while True:
            pos = self.blank(pos)
            if text[pos] in "\"'":
                end = self.value(pos)
                parts.append(tomllib.loads(f"k = {text[pos:end]}")["k"])
                pos = end
            else:
                bare = _BARE_KEY.match(text, pos)
                if bare is None:
                    raise ValueError(f"expected a key at offset {pos}")
                parts.append(bare[0])
                pos = bare.end()
            pos = self.blank(pos)
            if not text.startswith(".", pos):
                return tuple(parts), pos
            pos += 1

    def value(self, pos: int) -> int:
        """The offset after the value that starts at `pos`."""
        text = self.text
        for quotes, escapes in (('"""', True), ("'''", False)):
            if text.startswith(quotes, pos):
                end = pos + 3
                while not text.startswith(quotes, end):
                    end += 2 if escapes and text[end] == "\\" else 1
                end += 3
                for _ in range(2):  # up to two quotes of the content may touch the closing ones
                    end += text.startswith(quotes[0], end)
                return end
        if text[pos] in "\"'":
            end = pos + 1
            while text[end] != text[pos]:
                end += 2 if text[pos] == '"' and text[end] == "\\" else 1
            return end + 1
        if text[pos] in "[{":
            close = "]" if text[pos] == "[" else "}"
            pos = self.space(pos + 1)
            while text[pos] != close:
                if close == "}":
                    pos = self.key(pos)[1] + 1  # past the "="
                pos = self.space(self.value(self.space(pos)))
                if text[pos] == ",":
                    pos = self.space(pos + 1)
            return pos + 1
        end = pos
        while end < len(text) and text[end] not in ",]}#\r\n":
            end += 1
        while end > pos and text[end - 1] in " \t":
            end -= 1
        return end
