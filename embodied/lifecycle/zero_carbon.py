"""The draft zero-carbon standard's tiers and the GB 55015 check, from their rule files.

Tiers (methods/zero_carbon_draft_2023.yaml): an intensity threshold by building type and climate
zone (null while not public: "threshold not public (draft, unverified)") and, for the zero-carbon
tiers, a net-zero condition that is computable without thresholds:

    operation scope:      operational emissions (B6, on-site renewables already deducted)
                          − green power − carbon credits ≤ 0
    whole-process scope:  the same with the embodied stages added (the total in scope)

A tier is ``verified`` only when its rule set and its threshold are. GB 55015
(methods/gb55015_2021.yaml): reduction from the user's baseline ≥ 40 % and ≥ 7 kgCO2/(m²·a).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from embodied.lifecycle.data import ReductionRule, Tier, TierRules
from embodied.lifecycle.results import TierCheck, num
from embodied.project import ProjectSettings

EPSILON = 1e-9  # comparisons of floats at a threshold


@dataclass(frozen=True, slots=True)
class Standing:
    """What the checks need from the calculation."""

    operation_kgco2: float | None  # the operation stage over the design life (None: not declared or excluded)
    total_kgco2e: float | None  # the total in scope
    embodied_included: bool
    operational_kgco2_per_m2a: float | None
    green_power_kgco2: float | None
    carbon_credits_kgco2e: float | None


def tier_checks(rules: TierRules, standing: Standing, settings: ProjectSettings) -> tuple[TierCheck, ...]:
    return tuple(_tier(rules, tier, standing, settings) for tier in rules.tiers)


def threshold_for(value: Any, building_type: str, climate_zone: str | None) -> float | None:
    """A threshold given as a number, or by building type, or by building type then climate zone."""
    if isinstance(value, Mapping):
        value = value.get(building_type)
        if isinstance(value, Mapping):
            value = value.get(climate_zone) if climate_zone is not None else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _tier(rules: TierRules, tier: Tier, s: Standing, settings: ProjectSettings) -> TierCheck:
    key, b = tier.threshold.key, settings.building
    verified = rules.verified and tier.threshold.verified
    scope: Literal["operation", "whole_process"] = (
        "whole_process" if tier.scope == "whole_process" else "operation"
    )
    title = f"{tier.name_zh} ({tier.name_en}), {rules.id} of {rules.draft_date}"
    threshold = threshold_for(tier.threshold.value, b.building_type, b.climate_zone)
    reasons: list[str] = []
    intensity_met: bool | None = None
    if threshold is None:
        reasons.append("threshold not public (draft, unverified)")
    elif s.operational_kgco2_per_m2a is None:
        reasons.append(f"threshold {num(threshold)} kgCO2/(m²·a), operational intensity not computed")
    else:
        intensity_met = s.operational_kgco2_per_m2a <= threshold + EPSILON
        sign = "≤" if intensity_met else ">"
        reasons.append(f"operational {num(s.operational_kgco2_per_m2a)} {sign} {num(threshold)} kgCO2/(m²·a)")
    if not tier.net_zero:
        return TierCheck(key, scope, intensity_met, f"{title}: {'; '.join(reasons)}", verified)
    net_met, net_reason = _net_zero(tier, s, scope)
    reasons.insert(0, net_reason)
    if net_met is False or intensity_met is False:
        met: bool | None = False
    elif net_met is None:
        met = None
    else:  # net zero; a threshold not public is reported, not assumed failed
        met = True if intensity_met is None else intensity_met
    return TierCheck(key, scope, met, f"{title}: {'; '.join(reasons)}", verified)


def _net_zero(tier: Tier, s: Standing, scope: str) -> tuple[bool | None, str]:
    if scope == "whole_process":
        if not s.embodied_included:
            return None, "embodied emissions excluded (scope.include_embodied = false): not computable"
        if s.operation_kgco2 is None:
            return None, "operational emissions not declared or excluded: net zero not computable"
        gross, what = s.total_kgco2e, "whole-process emissions (total in scope)"
    else:
        gross, what = s.operation_kgco2, "operational emissions (B6, on-site renewables deducted)"
    if gross is None:
        return None, f"{what} not declared: net zero not computable"
    terms, net = [f"{what} {num(gross)} kgCO2"], gross
    offsets = {
        "green_power": ("green power", s.green_power_kgco2),
        "carbon_credits": ("carbon credits", s.carbon_credits_kgco2e),
    }
    for name in tier.offsets:
        label, value = offsets[name]
        if value:
            terms.append(f"{label} {num(value)} kgCO2")
            net -= value
    met = net <= EPSILON
    verdict = "net zero" if met else "not net zero"
    return met, f"{' − '.join(terms)} = {num(net)} kgCO2 {'≤' if met else '>'} 0: {verdict}"


def gb55015_check(rule: ReductionRule, s: Standing, settings: ProjectSettings) -> TierCheck | None:
    """The GB 55015 reduction against the user's baseline; None when no baseline is given."""
    baseline = settings.operation.baseline_kgco2_per_m2a
    if baseline is None:
        return None
    verified = rule.share_min.verified and rule.kgco2_per_m2a_min.verified
    share_min, abs_min = float(rule.share_min.value), float(rule.kgco2_per_m2a_min.value)
    title = f"{rule.standard}: reduction ≥ {num(share_min * 100)} % and ≥ {num(abs_min)} kgCO2/(m²·a)"
    if s.operational_kgco2_per_m2a is None:
        reason = f"{title}; operational intensity not computed (operation or floor area missing)"
        return TierCheck(rule.id, "operation", None, reason, verified)
    design = s.operational_kgco2_per_m2a
    reduction = baseline - design
    share = reduction / baseline if baseline > 0 else 0.0
    share_ok, abs_ok = share >= share_min - EPSILON, reduction >= abs_min - EPSILON
    reason = (
        f"{title}: baseline {num(baseline)} − design {num(design)} = {num(reduction)} kgCO2/(m²·a) "
        f"({'≥' if abs_ok else '<'} {num(abs_min)}); {num(reduction)} / {num(baseline)} = "
        f"{num(share * 100)} % ({'≥' if share_ok else '<'} {num(share_min * 100)} %); applied to this "
        "building against the user's baseline (the code states an average over new buildings)"
    )
    met = share_ok and abs_ok
    return TierCheck(rule.id, "operation", met, reason, verified)
