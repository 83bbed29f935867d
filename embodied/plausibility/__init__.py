"""Plausibility stage: what a plan reviewer would reject at sight, found and listed, never corrected.

    result = check(match, life, db, building_type="public", confirmations={...})
    result.findings            # Finding(check, severity, message, material, global_ids, kgco2e_affected …)
    result.open_implausible    # what `report --strict` refuses (exit 3)

The checks and their thresholds are data (material_db/checks.yaml, ``data``); ``checks`` holds one
function per check. It runs after the life cycle and reads its records only: a finding never changes
a number. The user resolves a finding where its number comes from — the mapping file (map the
material, set ``fill_fraction``, or ``confirm`` the check with a ``note``), or the project file for
the checks of the whole building (``[plausibility] confirm``) — and a confirmed finding stays listed,
marked with where and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from embodied.errors import InputError
from embodied.factors import FactorDB
from embodied.lifecycle import LifecycleResult
from embodied.plausibility.checks import CHECKS
from embodied.plausibility.context import Context
from embodied.plausibility.data import BUILDING_CHECKS, CHECK_IDS, Rules, check_rules, load_rules
from embodied.plausibility.findings import Finding, Plausibility, Severity
from embodied.records import MatchResult

ALL = "all"


def check(
    match: MatchResult,
    life: LifecycleResult,
    db: FactorDB,
    *,
    building_type: str = "public",
    confirmations: Mapping[str, str] | None = None,
    rules: Rules | None = None,
) -> Plausibility:
    """Every check of material_db/checks.yaml over one calculation.

    `confirmations` are the building-level ones (check id -> "<file>:<line>: <note>", from the project
    file); a material's come with its match (``MaterialMatch.confirmed_checks``)."""
    rules = rules or load_rules(db.root)
    ctx = Context(match, life, db, rules, building_type)
    findings: list[Finding] = []
    for run in CHECKS.values():
        findings += run(ctx)
    confirmed = [_confirm(f, match, confirmations or {}) for f in findings]
    confirmed.sort(
        key=lambda f: (f.severity is not Severity.IMPLAUSIBLE, -(f.kgco2e_affected or 0.0), f.check)
    )
    return Plausibility(tuple(confirmed), rules.file, tuple(CHECKS), tuple(rules.about.values()))


def _confirm(finding: Finding, match: MatchResult, building: Mapping[str, str]) -> Finding:
    if finding.material is None:
        where = building.get(finding.check) or building.get(ALL)
        if where is None:
            return finding
        return _confirmed(finding, where)
    for m in match.materials:
        if m.material == finding.material and (
            finding.check in m.confirmed_checks or ALL in m.confirmed_checks
        ):
            note = f": {m.confirmed_note}" if m.confirmed_note else ""
            return _confirmed(finding, f"{m.confirmed_where or 'mapping file'}{note}")
    return finding


def _confirmed(finding: Finding, where: str) -> Finding:
    return replace(finding, confirmed=True, confirmation=where)


def validate_confirmations(checks: Iterable[str], where: str, *, building: bool = False) -> None:
    """An InputError naming `where` when a confirmation names a check that does not exist (or, in the
    project file, one that is not a check of the whole building)."""
    allowed = (*(BUILDING_CHECKS if building else CHECK_IDS), ALL)
    unknown = [c for c in checks if c not in allowed]
    if unknown:
        raise InputError(
            f"{where}: confirm names unknown plausibility check {', '.join(map(repr, unknown))}",
            hint="checks: " + ", ".join(allowed),
        )


__all__ = [
    "BUILDING_CHECKS",
    "CHECK_IDS",
    "Finding",
    "Plausibility",
    "Severity",
    "check",
    "check_rules",
    "load_rules",
    "validate_confirmations",
]
