"""Records of the plausibility stage: a finding, its severity, and the stage's result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from embodied.plausibility.data import About


class Severity(StrEnum):
    WARNING = "warning"  # unusual but possible: look at it
    IMPLAUSIBLE = "implausible"  # no real building looks like this: a reviewer would reject the number


@dataclass(frozen=True, slots=True)
class Finding:
    """One plausibility finding. It never changes a number; `hint` says how the user resolves it."""

    check: str  # an id of material_db/checks.yaml
    severity: Severity
    message: str
    material: str | None  # the model material concerned; None for the whole building
    global_ids: tuple[str, ...]  # the elements concerned (empty for the whole building)
    kgco2e_affected: float | None  # A1-A3 + A4 resting on what is questioned; None when not a quantity
    hint: str
    confirmed: bool = False
    confirmation: str | None = None  # "<file>:<line>: <the user's note>" when confirmed


@dataclass(frozen=True, slots=True)
class Plausibility:
    """The findings of one calculation, implausible first, then by kgCO2e affected."""

    findings: tuple[Finding, ...]
    checks_file: str  # "material_db/checks.yaml"
    checks_run: tuple[str, ...]
    about: tuple[About, ...] = ()  # each check's title, source and reasoning, for the report

    @property
    def open_implausible(self) -> tuple[Finding, ...]:
        """Implausible findings the user has not confirmed (what --strict refuses)."""
        return tuple(f for f in self.findings if f.severity is Severity.IMPLAUSIBLE and not f.confirmed)

    def counts(self) -> dict[str, int]:
        return {
            "implausible": sum(1 for f in self.findings if f.severity is Severity.IMPLAUSIBLE),
            "warning": sum(1 for f in self.findings if f.severity is Severity.WARNING),
            "confirmed": sum(1 for f in self.findings if f.confirmed),
        }
