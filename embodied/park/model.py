"""The park report model: built once from the buildings' outcomes, rendered by every park format.

Park totals are sums of the buildings' report totals (the numbers their own JSON reports show), over
the buildings that succeeded. "Not declared" stays None: a stage or module no building declares is
None; one that only some declare is the sum of those, and the park's issues name the others. The
intensity and the renewable share are computed over the buildings that give what they need, and say
which those are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embodied import __version__
from embodied.park.config import ParkConfig
from embodied.report.model import load_labels
from embodied.report.records import MODULES, STAGES, Amount, Issue, pick

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class BuildingOutcome:
    """What one building task returns (small and picklable): its report's totals, or its error.

    Totals are kgCO2e over the building's study period, as in its own JSON report; energy is annual
    (kWh/a) from its project file's [operation]."""

    model: str  # path of the model file
    stem: str
    name: str  # the project name (building.name), else the model's stem
    status: str  # "ok" or "failed"
    error: str | None = None  # one line
    error_type: str | None = None  # the exception's class
    sha256: str | None = None  # of the model file
    run_id: str | None = None
    data_version: str | None = None
    config_file: str | None = None
    floor_area_m2: float | None = None
    floor_area_source: str | None = None
    design_life_years: float | None = None
    stages: Mapping[str, float | None] | None = None
    modules: Mapping[str, float | None] | None = None
    embodied_kgco2e: float | None = None
    total_kgco2e: float | None = None
    intensity_kgco2e_per_m2: float | None = None
    embodied_share: float | None = None
    operational_share: float | None = None
    electricity_kwh: float | None = None  # annual demand
    onsite_renewable_kwh: float | None = None
    green_power_kwh: float | None = None
    issues: int = 0
    unmatched: int = 0
    files: tuple[str, ...] = ()  # the building's own report files
    seconds: float = 0.0  # time of the task
    worker: str | None = None  # the Dask worker that ran it

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def renewable_kwh(self) -> float | None:
        """On-site renewables plus green power (kWh/a); None when the file gives neither."""
        parts = [v for v in (self.onsite_renewable_kwh, self.green_power_kwh) if v is not None]
        return sum(parts) if parts else None


@dataclass(frozen=True, slots=True)
class Renewable:
    """The park's renewable share of its electricity demand, against the target."""

    share: float | None  # None: not computed (note says why), never 0
    target: float
    met: bool | None  # None: cannot be decided (note says why)
    note: str  # the arithmetic, or why it is not computed
    renewable_kwh: float | None  # of the buildings covered, plus the park's own
    park_renewable_kwh: float | None
    electricity_kwh: float | None
    buildings_covered: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParkFingerprint:
    tool_version: str
    data_versions: tuple[str, ...]
    park_file: str | None
    park_sha256: str | None
    building_ids: tuple[str, ...]  # sorted run_ids; "failed:<model sha256 or file name>" for a failed one
    run_id: str  # sha256 of the sorted building ids and the park file's sha256
    created: str  # ISO 8601 UTC; not part of run_id


@dataclass(frozen=True)
class ParkReport:
    schema_version: str
    lang: str
    labels: Mapping[str, Any]
    title: str
    name: str
    province: str | None
    buildings: tuple[BuildingOutcome, ...]
    stages: tuple[Amount, ...]
    modules: tuple[Amount, ...]
    embodied_kgco2e: float | None
    total_kgco2e: float | None
    floor_area_m2: float | None  # of the buildings whose floor area is known
    intensity_kgco2e_per_m2: float | None
    intensity_note: str
    embodied_share: float | None
    operational_share: float | None
    renewable: Renewable
    issues: tuple[Issue, ...]
    fingerprint: ParkFingerprint

    @property
    def failed(self) -> tuple[BuildingOutcome, ...]:
        return tuple(b for b in self.buildings if not b.ok)

    def label(self, key: str) -> str:
        """A park label (labels.yaml ``park.<key>``, else ``words.<key>``) in the report's language(s)."""
        for group in ("park", "words"):
            node = self.labels.get(group, {}).get(key)
            if node:
                return pick(node, self.lang)
        raise KeyError(f"no label park.{key} or words.{key} in templates/labels.yaml")


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else round(part / whole, 6)


def total(values: Sequence[float | None]) -> float | None:
    """The sum of the known values; None when none is known ("not declared" never becomes 0)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _names(buildings: Sequence[BuildingOutcome]) -> str:
    return ", ".join(b.name for b in buildings)


def build_park(
    outcomes: Sequence[BuildingOutcome],
    config: ParkConfig,
    *,
    name: str | None = None,
    lang: str = "zh+en",
    labels: Mapping[str, Any] | None = None,
) -> ParkReport:
    """The park report of the buildings' outcomes (pure: reads only the labels file)."""
    labels = labels if labels is not None else load_labels()
    ok = [b for b in outcomes if b.ok]
    issues: list[Issue] = [
        Issue("building_failed", f"{b.name} ({b.stem}): {b.error}") for b in outcomes if not b.ok
    ]

    def summed(kind: str, key: str) -> float | None:
        values = [(b, (b.stages if kind == "stage" else b.modules) or {}) for b in ok]
        missing = [b for b, v in values if v.get(key) is None]
        value = total([v.get(key) for _, v in values])
        if value is not None and missing:
            issues.append(
                Issue(
                    "not_declared",
                    f"{kind} {key}: not declared by {_names(missing)}; the park total sums the "
                    f"{len(ok) - len(missing)} buildings that declare it",
                )
            )
        return _r(value)

    stage_values = {s: summed("stage", s) for s in STAGES}
    module_values = {m: summed("module", m) for m in MODULES}
    embodied = _r(total([b.embodied_kgco2e for b in ok]))
    grand = _r(total([b.total_kgco2e for b in ok]))

    with_area = [b for b in ok if b.floor_area_m2 and b.total_kgco2e is not None]
    area = _r(sum(b.floor_area_m2 or 0.0 for b in with_area), 2) if with_area else None
    complete_area = len(with_area) == len(ok) and bool(ok)
    intensity = _r(sum(b.total_kgco2e or 0.0 for b in with_area) / area, 4) if with_area and area else None
    if not ok:
        intensity_note = "not computed: no building succeeded"
    elif not with_area:
        intensity_note = "not computed: no building's floor area is known"
    elif complete_area:
        intensity_note = f"park total / {area:,.2f} m² (the floor areas of all {len(ok)} buildings)"
    else:
        left = [b for b in ok if b not in with_area]
        intensity_note = (
            f"over the {len(with_area)} of {len(ok)} buildings whose floor area is known "
            f"({area:,.2f} m²); left out: {_names(left)}"
        )
        issues.append(Issue("floor_area", f"floor area unknown for {_names(left)}: {intensity_note}"))

    def amount(group: str, key: str, value: float | None) -> Amount:
        per_m2 = _r(value / area, 4) if value is not None and area and complete_area else None
        label = pick(labels.get(group, {}).get(key), lang) or key
        return Amount(key, label, value, per_m2, _ratio(value, grand))

    park_name = name or config.name or "park"
    return ParkReport(
        schema_version=SCHEMA_VERSION,
        lang=lang,
        labels=labels,
        title=pick(labels.get("park", {}).get("title"), lang) or "Park carbon emission report",
        name=park_name,
        province=config.province,
        buildings=tuple(outcomes),
        stages=tuple(amount("stages", k, v) for k, v in stage_values.items()),
        modules=tuple(amount("modules", k, v) for k, v in module_values.items()),
        embodied_kgco2e=embodied,
        total_kgco2e=grand,
        floor_area_m2=area,
        intensity_kgco2e_per_m2=intensity,
        intensity_note=intensity_note,
        embodied_share=_ratio(embodied, grand),
        operational_share=_ratio(stage_values["operation"], grand),
        renewable=renewable_share(outcomes, config),
        issues=tuple(issues),
        fingerprint=park_fingerprint(outcomes, config),
    )


def renewable_share(outcomes: Sequence[BuildingOutcome], config: ParkConfig) -> Renewable:
    """(Σ on-site renewables + green power of the buildings + the park's own renewable_kwh) / Σ their
    annual electricity use, over the buildings that declare an electricity use. The target is met or
    not only when every building is covered; otherwise it cannot be decided (and the note says why)."""
    target, park_kwh = config.renewable_target_share, config.renewable_kwh
    covered = [b for b in outcomes if b.ok and b.electricity_kwh is not None]
    left = [b for b in outcomes if b not in covered]

    def not_computed(why: str) -> Renewable:
        return Renewable(None, target, None, f"not computed: {why}", None, park_kwh, None, ())

    if not covered:
        return not_computed("no building gives its annual electricity use ([operation] electricity_kwh)")
    demand = sum(b.electricity_kwh or 0.0 for b in covered)
    if demand <= 0:
        return not_computed("the buildings' electricity use adds up to 0 kWh/a")
    own = sum(b.renewable_kwh or 0.0 for b in covered)
    renewable = own + (park_kwh or 0.0)
    share = renewable / demand
    park_part = f" + {park_kwh:,.0f} kWh/a of the park" if park_kwh else ""
    note = (
        f"({own:,.0f} kWh/a of the buildings{park_part}) / {demand:,.0f} kWh/a = {share:.1%}"
        f" (target {target:.0%})"
    )
    met: bool | None = share >= target
    if left:
        why = [f"{b.name} failed" for b in left if not b.ok]
        why += [f"{b.name} gives no electricity use" for b in left if b.ok]
        note += (
            f"; over {len(covered)} of {len(outcomes)} buildings: cannot be decided for the park "
            f"({'; '.join(why)})"
        )
        met = None
    if share > 1:
        note += "; renewable generation exceeds the demand"
    return Renewable(
        round(share, 6),
        target,
        met,
        note,
        round(renewable, 3),
        park_kwh,
        round(demand, 3),
        tuple(b.name for b in covered),
    )


def park_fingerprint(outcomes: Sequence[BuildingOutcome], config: ParkConfig) -> ParkFingerprint:
    ids = sorted(b.run_id or f"failed:{b.sha256 or b.stem}" for b in outcomes)
    text = "\n".join([*ids, config.sha256 or ""])
    return ParkFingerprint(
        tool_version=__version__,
        data_versions=tuple(sorted({b.data_version for b in outcomes if b.data_version})),
        park_file=Path(config.source).name if config.source else None,
        park_sha256=config.sha256,
        building_ids=tuple(ids),
        run_id=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    )
