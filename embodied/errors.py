"""Errors raised by embodied.

One root, so a caller can catch everything embodied raises on purpose::

    EmbodiedError            every deliberate failure; has .message and .hint
    ├── InputError           the input (a model file, an option) cannot be used  -> exit 2
    │   ├── ModelReadError   an IFC file that is missing, empty, not IFC, truncated or of an unknown schema
    │   ├── DatabaseError    the factor database or a user pack has problems; lists every one (file:line)
    │   └── ConfigError      the project file (embodied.toml) has problems: file:line: key: problem
    └── OutputError          an output file cannot be written                     -> exit 2

``embodied.cli`` maps them to exit codes in one place (``EXIT_CODES``); anything else is a bug and
shows its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class EmbodiedError(Exception):
    """Root of the errors embodied raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and hint on one line, for stderr."""
        text = f"{self.message} ({self.hint})" if self.hint else self.message
        return " ".join(text.split())  # one line, whatever a library put in the message


class InputError(EmbodiedError):
    """The input cannot be used as given."""


class ModelReadError(InputError):
    """An IFC model cannot be read; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {problem}", hint=hint)
        self.path = Path(path)
        self.problem = problem


class OutputError(EmbodiedError):
    """An output file cannot be written."""


class DatabaseError(InputError):
    """The factor database (material_db/) or a user pack has problems; the message lists every one,
    one per line, as ``file:line: message``; ``problems`` holds them as records."""

    def __init__(self, problems: Sequence[object], *, hint: str | None = None) -> None:
        self.problems = tuple(problems)
        listing = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the factor data:\n{listing}", hint=hint)

    def one_line(self) -> str:
        """The first problem, and how many more there are (`embodied db check` lists them all)."""
        if not self.problems:
            return super().one_line()
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem(s): `embodied db check` lists them all)" if more else ""
        return " ".join(f"{self.problems[0]}{suffix}".split())


class ConfigError(InputError):
    """The project file (``embodied.toml``) cannot be used. The message has one line per problem,
    ``file:line: dotted.key: problem``, in file order; ``problems`` holds those lines."""

    def __init__(self, message: str, *, hint: str | None = None, problems: Sequence[str] = ()) -> None:
        super().__init__(message, hint=hint)
        self.problems = tuple(problems) or (message,)

    def one_line(self) -> str:
        """The first problem on one line, and how many more there are."""
        first = " ".join(str(self.problems[0]).split())
        more = len(self.problems) - 1
        return f"{first} (and {more} more problem(s) in the same file)" if more else super().one_line()
