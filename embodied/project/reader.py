"""The rule-based reader of a settings file (``embodied.toml``, ``park.toml``): what a key may hold
(`Rule`), and a `Reader` that checks each value against its rule and collects every problem as one
``<file>:<line>: <dotted.key>: <problem>`` line with a hint ("did you mean", or what is allowed),
raising them all at once as a ``ConfigError``. Syntax errors take their line from tomllib, everything
else from a scan of the text (`KeyLines`); an array entry is named ``key[N]``, N counted from 1. A
number may be written as an integer; a boolean is never a number.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeGuard

from embodied.errors import ConfigError
from embodied.project.places import (
    GRID_ID,
    TRANSPORT_ID,
    grid_keys,
    province_names,
    province_slug,
    transport_modes,
)
from embodied.tomllines import KeyLines, KeyPath


@dataclass(frozen=True, slots=True)
class Rule:
    kind: Literal["number", "text", "flag", "choice", "province", "grid", "mode", "names", "date"]
    unit: str = ""
    low: float | None = 0.0
    strict: bool = False  # low itself is not allowed
    high: float | None = None
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # value, its other spellings


def number(unit: str, *, strict: bool = False, high: float | None = None) -> Rule:
    return Rule("number", unit, strict=strict, high=high)


TEXT, FLAG, SHARE = Rule("text"), Rule("flag"), number("share", high=1.0)
_GRID_NUMBER = number("kgCO2/kWh", strict=True, high=2.0)  # above 2: a value in g/kWh, surely

_INVALID = object()  # a value that was reported as a problem


def read_text(path: Path, what: str, hint: str | None = None) -> tuple[bytes, str]:
    """The bytes and UTF-8 text of a settings file (a project or park file, `what`); a file that is
    missing, a folder, unreadable or not UTF-8 is a ConfigError naming it (and the line)."""
    display = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{display}: file not found", hint=hint) from None
    except IsADirectoryError:
        raise ConfigError(f"{display}: is a directory, not a {what}") from None
    except OSError as error:
        raise ConfigError(f"{display}: cannot read: {error.strerror}") from None
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(f"{display}:{line}: not UTF-8 text", hint="save the file as UTF-8") from None


def read_toml(path: Path, what: str, hint: str | None = None) -> tuple[bytes, Reader, dict[str, Any]]:
    """The bytes of a settings file, a reader that places its problems on their lines, and its TOML
    document (empty after a syntax error, which the reader holds)."""
    data, text = read_text(path, what, hint)
    reader, document = parse_toml(text, str(path))
    return data, reader, document


def parse_toml(text: str, display: str) -> tuple[Reader, dict[str, Any]]:
    """A reader that places the problems of a settings text on its lines (named `display`), and its
    TOML document (empty after a syntax error, which the reader holds)."""
    reader = Reader(display, text)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        reader.syntax(error)
        document = {}
    return reader, document


class Reader:
    """Checks the values of a parsed settings document against their rules, collecting every
    problem with its line."""

    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self.lines = KeyLines(text)
        self.found: list[tuple[int, str, str | None]] = []  # line, "file:line: key: problem", hint

    def problem(
        self, path: KeyPath, message: str, hint: str | None = None, *, line: int | None = None
    ) -> None:
        line = self.lines.line(path) if line is None else line
        where = f"{self.display}:{line}: {_dotted(path)}: " if path else f"{self.display}:{line}: "
        self.found.append((line, where + message, hint))

    def raise_problems(self) -> None:
        if not self.found:
            return
        found = sorted(self.found, key=lambda item: item[0])
        if len(found) == 1:
            raise ConfigError(found[0][1], hint=found[0][2])
        lines = [text + (f" ({hint})" if hint else "") for _, text, hint in found]
        raise ConfigError("\n".join(lines), problems=[text for _, text, _ in found])

    def syntax(self, error: tomllib.TOMLDecodeError) -> None:
        """A syntax error at tomllib's line (Python 3.14 carries it as attributes, earlier in the text)."""
        message = str(getattr(error, "msg", None) or error)
        line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
        path: KeyPath | None = None
        if at := re.search(r"\s*\(at line (\d+), column (\d+)\)$", message):
            line, column, message = int(at[1]), int(at[2]), message[: at.start()]
        elif at := re.search(r"\s*\(at end of document\)$", message):
            line, column = self.lines.last, None
            message = message[: at.start()] + " at the end of the file"
            path = self.lines.key_before(line)  # the key whose value was left open
        line = line or 1
        text = f"TOML syntax error: {message}" + (f" (column {column})" if column else "")
        hint = "a key may be set only once in a table" if "overwrite" in message else None
        self.problem(self.lines.key_at(line) if path is None else path, text, hint, line=line)

    def table(self, path: KeyPath, table: Mapping[str, Any], rules: Mapping[str, Rule]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, raw in table.items():
            rule = rules.get(key)
            if rule is None:
                self.problem((*path, key), "unknown key", suggest(key, rules, f"keys of {_header(path)}"))
                continue
            value = self.value((*path, key), raw, rule)
            if value is not _INVALID:
                values[key] = value
        return values

    def date(self, path: KeyPath, raw: object, expected: str) -> Any:
        """A calendar date: a TOML date, or its ISO text; kept as its ISO text."""
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw.isoformat()
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw.strip()).isoformat()
            except ValueError:
                pass
        self.problem(path, f"expected {expected}, got {describe(raw)}")
        return _INVALID

    def value(self, path: KeyPath, raw: object, rule: Rule) -> Any:
        expected = {
            "number": f"a number ({rule.unit})",
            "text": "a string",
            "flag": "true or false",
            "choice": "a string",
            "province": 'a province name ("北京", "beijing")',
            "grid": 'a grid-factor key ("national-2023", "province") or a number (kgCO2/kWh)',
            "mode": 'a transport mode ("road_diesel_18t")',
            "names": 'a list of check ids (["intensity_range"])',
            "date": 'a date (2026-12-04, or "2026-12-04")',
        }[rule.kind]
        if rule.kind == "names":
            if isinstance(raw, list) and all(isinstance(n, str) and n.strip() for n in raw):
                return tuple(n.strip() for n in raw)
            self.problem(path, f"expected {expected}, got {describe(raw)}")
            return _INVALID
        if rule.kind == "flag" and isinstance(raw, bool):
            return raw
        if rule.kind == "date":
            return self.date(path, raw, expected)
        if rule.kind == "number" or (rule.kind == "grid" and _is_number(raw)):
            return self.number(path, raw, _GRID_NUMBER if rule.kind == "grid" else rule)
        if not isinstance(raw, str) or rule.kind == "flag":
            self.problem(path, f"expected {expected}, got {describe(raw)}")
            return _INVALID
        if not raw.strip():
            self.problem(path, "must not be empty")
            return _INVALID
        if rule.kind == "text":
            return raw.strip()
        if rule.kind == "choice":
            return self.choice(path, raw, rule)
        if rule.kind == "province":
            slug = province_slug(raw)
            if slug is None:
                hint = suggest(raw, sorted(set(province_names().values())), "provinces")
                self.problem(
                    path, f'unknown province "{raw}" (not in energy_cn.csv or grid_regions.csv)', hint
                )
                return _INVALID
            return slug
        allowed = (*grid_keys(), "province") if rule.kind == "grid" else transport_modes()
        key = raw.strip().casefold()
        if (full := GRID_ID.fullmatch(key)) and rule.kind == "grid":
            key = f"{full[2]}-{full[1]}"
        elif (full := TRANSPORT_ID.fullmatch(raw.strip())) and rule.kind == "mode":
            key = full[1]
        if key in allowed:
            return key
        what = "grid-factor key" if rule.kind == "grid" else "transport mode"
        shown = list(allowed)
        if rule.kind == "grid":  # the national and regional keys; the provincial ones by pattern
            provinces = set(province_names().values())
            shown = [k for k in allowed if k.rsplit("-", 1)[0] not in provinces] + ["<province>-<year>"]
        self.problem(path, f'unknown {what} "{raw}"', suggest(key, allowed, "known", shown=shown))
        return _INVALID

    def number(self, path: KeyPath, raw: object, rule: Rule) -> Any:
        if not _is_number(raw):
            self.problem(path, f"expected a number ({rule.unit}), got {describe(raw)}")
            return _INVALID
        value = float(raw)
        if not math.isfinite(value):
            self.problem(path, f"must be a finite number, got {raw}")
            return _INVALID
        too_low = rule.low is not None and (value < rule.low or (rule.strict and value == rule.low))
        if too_low or (rule.high is not None and value > rule.high):
            self.problem(path, f"must be {_range(rule)}, got {raw}", _range_hint(rule))
            return _INVALID
        return value

    def choice(self, path: KeyPath, raw: str, rule: Rule) -> Any:
        key = re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", raw).strip().casefold())
        for value, spellings in rule.choices:
            if key == value or key in spellings:
                return value
        values = [value for value, _ in rule.choices]
        self.problem(path, f'unknown value "{raw}"', suggest(key, values, "one of"))
        return _INVALID


def _is_number(raw: object) -> TypeGuard[int | float]:
    return isinstance(raw, int | float) and not isinstance(raw, bool)


def describe(raw: object) -> str:
    """A TOML value as the user wrote it: 'string "abc"', 'boolean true', 'an array'."""
    if isinstance(raw, bool):
        return f"boolean {str(raw).lower()}"
    if isinstance(raw, int | float):
        return f"{'integer' if isinstance(raw, int) else 'float'} {raw}"
    if isinstance(raw, str):
        return f'string "{raw}"'
    if isinstance(raw, list):
        return "an array"
    return "a table" if isinstance(raw, dict) else "a date/time"


def _range(rule: Rule) -> str:
    if rule.low is not None and rule.high is not None and not rule.strict:
        return f"between {rule.low:g} and {rule.high:g}"
    parts = [] if rule.low is None else [f"{'>' if rule.strict else '≥'} {rule.low:g}"]
    parts += [] if rule.high is None else [f"≤ {rule.high:g}"]
    return " and ".join(parts) + (f" ({rule.unit})" if rule.unit and rule.unit != "share" else "")


def _range_hint(rule: Rule) -> str | None:
    if rule is _GRID_NUMBER:
        return "a grid factor is in kgCO2/kWh (0.5306, not 530.6 g/kWh)"
    return "a share is a fraction: 0.3 for 30 %" if rule.unit == "share" else None


def suggest(
    word: str, options: Iterable[str], what: str, *, decorate: str = "{}", shown: Iterable[str] | None = None
) -> str:
    options = list(options)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {decorate.format(close[0])}?"
    return f"{what}: " + ", ".join(decorate.format(o) for o in (options if shown is None else shown))


def _dotted(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _header(path: KeyPath) -> str:
    return "[[materials]]" if path and path[0] == "materials" else f"[{_dotted(path)}]"
