"""Where each key of a TOML text is written: the line numbers tomllib does not give.

``embodied.project`` names the file, the line and the dotted key of every problem in a project file;
tomllib reports lines only for syntax errors, so this line scanner places every key path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

KeyPath = tuple[str | int, ...]  # a key path; an int is the index of a [[table]] entry


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_QUOTED_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'')
_INLINE_KEY = re.compile(r'[{,]\s*([A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')\s*=')


class KeyLines:
    """The line on which each key path of a TOML text is written (tables, keys, [[array]] entries).

    A line scanner, not a parser: it follows table headers, dotted keys, [[array]] indices, keys of
    one-line inline tables and skips multi-line strings; a path it cannot place falls back to its
    longest placed prefix, then to line 1.
    """

    def __init__(self, text: str) -> None:
        self.at: dict[KeyPath, int] = {}
        self.on_line: dict[int, KeyPath] = {}
        lines = text.split("\n")  # as tomllib counts lines
        self.last = max((n for n, line in enumerate(lines, start=1) if line.strip()), default=1)
        prefix: KeyPath = ()
        arrays: dict[KeyPath, int] = {}  # path of an array of tables -> index of its current entry
        in_string: str | None = None
        for number, line in enumerate(lines, start=1):
            stripped = line.strip()
            if in_string:
                in_string = None if stripped.count(in_string) % 2 else in_string
                continue
            if stripped.startswith("["):
                double = stripped.startswith("[[")
                parsed = _parse_key(stripped, 2 if double else 1)
                if parsed is None or not stripped.startswith("]]" if double else "]", parsed[1]):
                    continue
                if double:
                    base = (*self.resolve(parsed[0][:-1], arrays), parsed[0][-1])
                    arrays[base] = arrays.get(base, -1) + 1
                    self.at.setdefault(base, number)
                    prefix = (*base, arrays[base])
                else:
                    prefix = self.resolve(parsed[0], arrays)
                self.place(prefix, number)
                continue
            parsed = _parse_key(stripped, 0)
            if parsed is None or not stripped.startswith("=", parsed[1]):
                continue
            path = (*prefix, *parsed[0])
            for end in range(len(prefix) + 1, len(path) + 1):
                self.at.setdefault(path[:end], number)
            self.on_line.setdefault(number, path)
            rest = stripped[parsed[1] + 1 :]
            in_string = next((d for d in ('"""', "'''") if rest.count(d) % 2), None)
            if rest.lstrip().startswith("{"):
                for key in _INLINE_KEY.finditer(rest):
                    self.at.setdefault((*path, key[1].strip("\"'")), number)

    def place(self, path: KeyPath, number: int) -> None:
        self.at.setdefault(path, number)
        self.on_line.setdefault(number, path)

    @staticmethod
    def resolve(keys: Iterable[str], arrays: Mapping[KeyPath, int]) -> KeyPath:
        """A header's keys as a path: a key naming an array of tables means its latest entry."""
        path: KeyPath = ()
        for key in keys:
            path = (*path, key)
            if path in arrays:
                path = (*path, arrays[path])
        return path

    def line(self, path: KeyPath) -> int:
        for end in range(len(path), 0, -1):
            if path[:end] in self.at:
                return self.at[path[:end]]
        return 1

    def key_at(self, number: int) -> KeyPath:
        return self.on_line.get(number, ())

    def key_before(self, number: int) -> KeyPath:
        return self.on_line[max((n for n in self.on_line if n <= number), default=0)] if self.on_line else ()


def _parse_key(text: str, pos: int) -> tuple[list[str], int] | None:
    """The dotted key starting at text[pos] and the position after it (spaces skipped), or None."""
    keys: list[str] = []
    while True:
        pos = len(text) - len(text[pos:].lstrip())
        match = _QUOTED_KEY.match(text, pos) or _BARE_KEY.match(text, pos)
        if match is None:
            return None
        keys.append(match[0] if match.re is _BARE_KEY else (match[1] if match[1] is not None else match[2]))
        pos = len(text) - len(text[match.end() :].lstrip())
        if not text.startswith(".", pos):
            return keys, pos
        pos += 1
