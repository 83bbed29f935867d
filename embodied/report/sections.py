"""The report model's sections that are more than a copy of a stage's record: the fingerprint, the
coverage, the plausibility findings, the defects, the sources and the class hotspots."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embodied import __version__
from embodied.factors import FactorDB
from embodied.lifecycle import ImpactLine, LifecycleResult
from embodied.lifecycle.uncertainty import Uncertainty
from embodied.plausibility import Plausibility
from embodied.project import ProjectSettings
from embodied.records import MODULE_STAGE, MatchResult, MaterialMatch, Problem, ProblemKind, VolumeOrigin
from embodied.report.records import (
    AssumptionEffect,
    CheckInfo,
    Coverage,
    DefaultGrade,
    Finding,
    Fingerprint,
    Hotspot,
    Issue,
    MaterialVolume,
    PlausibilitySummary,
    SourceRow,
    pick,
)

TOP = 10  # rows of a hotspot list; the rest is summed in one row


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def share(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 6)


def _sha(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(
    match: MatchResult, settings: ProjectSettings, db: FactorDB, mapping_sha256: str | None
) -> Fingerprint:
    info = match.takeoff.model
    settings_data = {
        "project": dataclasses.asdict(settings) | {"source": None},
        "takeoff": dict(match.takeoff.settings),
        "match": dict(match.settings) | {"mapping_file": None},
    }
    settings_sha = _sha(settings_data)
    base = {
        "tool_version": __version__,
        "data_version": db.version,
        "model_sha256": info.sha256,
        "config_sha256": settings.sha256,
        "mapping_sha256": mapping_sha256,
        "packs": list(db.packs),
        "settings_sha256": settings_sha,
    }
    return Fingerprint(
        tool_version=__version__,
        data_version=db.version,
        model_file=Path(info.path).name,
        model_sha256=info.sha256,
        config_file=Path(settings.source).name if settings.source else None,
        config_sha256=settings.sha256,
        mapping_sha256=mapping_sha256,
        packs=tuple(Path(p).name for p in db.packs),
        settings_sha256=settings_sha,
        run_id=_sha(base),
        created=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    )


def coverage(match: MatchResult) -> Coverage:
    c = match.coverage
    return Coverage(
        mass_fraction_matched=rounded(c.share, 6),
        mass_fraction_matched_of_known=rounded(c.known_share, 6),
        share_is_lower_bound=c.share_is_lower_bound,
        unknown_mass_volume_m3=rounded(c.unknown_volume_m3, 6),
        unknown_mass_volume=tuple(
            MaterialVolume(name, rounded(volume, 6)) for name, volume in c.unknown_volume_materials
        ),
        share_text=c.share_text,
        matched_mass_kg=rounded(c.matched_mass_kg),
        total_mass_kg=rounded(c.total_mass_kg),
        required_share=c.required_share,
        cutoff_share=c.cutoff_share,
        rule_met=c.rule_met,
        unknown_mass=tuple(c.unknown_mass),
    )


def findings(result: Plausibility | None, lang: str) -> tuple[Finding, ...]:
    """Each finding with its check's title in the report's language."""
    if result is None:
        return ()
    titles = {a.check: pick({"en": a.title_en, "zh": a.title_zh}, lang) for a in result.about}
    return tuple(
        Finding(
            check=f.check,
            title=titles.get(f.check, f.check),
            severity="implausible" if f.severity.value == "implausible" else "warning",
            message=f.message,
            material=f.material,
            global_ids=tuple(f.global_ids),
            kgco2e_affected=rounded(f.kgco2e_affected),
            hint=f.hint,
            confirmed=f.confirmed,
            confirmation=f.confirmation,
        )
        for f in result.findings
    )


def plausibility_summary(result: Plausibility | None, lang: str) -> PlausibilitySummary | None:
    if result is None:
        return None
    counts = result.counts()
    return PlausibilitySummary(
        implausible=counts["implausible"],
        warning=counts["warning"],
        confirmed=counts["confirmed"],
        open_implausible=len(result.open_implausible),
        checks_file=result.checks_file,
        checks=tuple(
            CheckInfo(
                check=a.check,
                title=pick({"en": a.title_en, "zh": a.title_zh}, lang),
                source=f"{a.source}: {a.source_ref}",
                verification=a.verification,
                reasoning=a.reasoning,
            )
            for a in result.about
        ),
    )


def default_grade(m: MaterialMatch) -> DefaultGrade | None:
    """What a material matched by a declared default assumed, and what one grade up or down changes."""
    if m.default_grade is None:
        return None
    return DefaultGrade(
        grade=m.default_grade,
        source=m.default_source,
        step_up_grade=m.step_up_grade,
        step_up_kgco2e=rounded(m.step_up_kgco2e),
        step_down_grade=m.step_down_grade,
        step_down_kgco2e=rounded(m.step_down_kgco2e),
    )


def class_hotspots(
    match: MatchResult, per_row: Mapping[int, Mapping[str, float]], whole: float | None
) -> tuple[Hotspot, ...]:
    """A1-A3 + A4 of each material row shared among its IFC classes by the row's class shares (by its
    quantity in each class: the rebar estimate by the rebar mass of each class); the classes past the
    first TOP are summed in one "(other classes)" row, so that the rows add up to the whole."""
    by_class: dict[str, float] = defaultdict(float)
    for index, mods in per_row.items():
        material = match.materials[index]
        amount = (mods.get("A1-A3") or 0.0) + (mods.get("A4") or 0.0)
        classes = material.ifc_classes or ("(no class)",)  # never dropped: the breakdown sums to the whole
        shares = material.class_shares or tuple((c, 1.0 / len(classes)) for c in classes)
        for ifc_class, part in shares:
            by_class[ifc_class] += amount * part
    ranked = sorted(((n, kg) for n, kg in by_class.items() if kg), key=lambda item: -item[1])
    if len(ranked) > TOP:
        rest = sum(kg for _, kg in ranked[TOP - 1 :])
        ranked = [*ranked[: TOP - 1], (f"(other {len(ranked) - TOP + 1} classes)", rest)]
    return tuple(Hotspot(name, round(kg, 3), share(kg, whole) or 0.0) for name, kg in ranked)


def issue(problem: Problem) -> Issue:
    return Issue(kind=str(problem.kind), message=problem.message, global_id=problem.global_id)


def defects(match: MatchResult) -> tuple[Issue, ...]:
    takeoff = match.takeoff
    found = [
        Issue(
            "quantity_disagreement",
            f"{c.ifc_class} {c.name or ''}: {c.base_quantity} {c.base_volume_m3:.4f} m³ against geometry "
            f"{c.geometry_volume_m3:.4f} m³ ({c.difference:+.1%})",
            c.global_id,
        )
        for c in takeoff.disagreements
    ]
    found += [
        issue(p)
        for p in takeoff.problems
        if p.kind
        in (ProblemKind.NO_MATERIAL, ProblemKind.NO_QUANTITY, ProblemKind.GEOMETRY, ProblemKind.DAMAGE)
    ]
    containers = sum(1 for r in takeoff.rows if r.volume_origin is VolumeOrigin.PARTS)
    if containers:
        found.append(Issue("decomposed", f"{containers} elements are counted through their parts"))
    return tuple(found)


def sources(match: MatchResult, life: LifecycleResult, db: FactorDB) -> tuple[SourceRow, ...]:
    """Every source a number of the report rests on: the factors of the materials and of the impact
    lines (transport, energy, the grid), each counted once per factor."""
    factor_ids = {m.factor_id for m in match.materials if m.factor_id}
    factor_ids |= {line.factor_id for line in life.lines if line.factor_id}
    used: dict[str, int] = defaultdict(int)
    for factor_id in factor_ids:
        if factor_id in db.factors:
            used[db.factors[factor_id].source_id] += 1
    rows = []
    for source_id, count in sorted(used.items()):
        source = db.sources.get(source_id)
        if source is None:
            continue
        rows.append(
            SourceRow(
                id=source.id,
                title=source.title,
                publisher=source.publisher,
                edition=source.edition,
                licence=source.licence,
                verification=source.verification,
                factors_used=count,
            )
        )
    return tuple(rows)


def assumption_effects(
    life: LifecycleResult, total: float | None, top: int = TOP
) -> tuple[AssumptionEffect, ...]:
    """The assumptions the total rests on, largest first: the flagged lines of the modules counted in
    the total, grouped by module and by the reason their note gives ("default distance",
    "estimate (matched by default)" …; a reason's figures, such as the distance, are left out)."""
    groups: dict[tuple[str, str], list[ImpactLine]] = defaultdict(list)
    for line in life.lines:
        counted = (
            MODULE_STAGE.get(line.module) is not None and life.modules.get(line.module.value) is not None
        )
        if line.flagged and line.kgco2e and not line.separate and counted:
            groups[(line.module.value, _reason(line.note))].append(line)
    effects = [
        AssumptionEffect(
            module=lines[0].module.value,
            reason=reason,
            kgco2e=round(sum(line.kgco2e or 0.0 for line in lines), 3),
            share=share(sum(line.kgco2e or 0.0 for line in lines), total),
            lines=len(lines),
            example=lines[0].note,
        )
        for (_, reason), lines in groups.items()
    ]
    effects.sort(key=lambda e: (-abs(e.kgco2e), e.module, e.reason))
    return tuple(effects[:top])


def _reason(note: str) -> str:
    """The reason a flagged line's note gives first, without its figures: "default distance (…40 km…)"
    is "default distance", "estimate (matched by default)" stays whole."""
    head, _, rest = note.partition(" (")
    if rest and not any(c.isdigit() for c in rest):
        return f"{head} ({rest}".split(";")[0].strip()
    return head.split(";")[0].strip() or "assumption"


def spread(found: Uncertainty | None) -> Uncertainty | None:
    """The uncertainty as the report shows it: kgCO2e to 0.1, intensities to 0.01, shares to 1e-4."""
    if found is None:
        return None
    return dataclasses.replace(
        found,
        p10=rounded(found.p10, 1),
        p50=rounded(found.p50, 1),
        p90=rounded(found.p90, 1),
        central=rounded(found.central, 1),
        intensity_p10=rounded(found.intensity_p10, 2),
        intensity_p50=rounded(found.intensity_p50, 2),
        intensity_p90=rounded(found.intensity_p90, 2),
        drivers=tuple(
            dataclasses.replace(
                d,
                kgco2e=round(d.kgco2e, 1),
                spread_kgco2e=round(d.spread_kgco2e, 1),
                alone_kgco2e=round(d.alone_kgco2e, 1),
                share=round(d.share, 4),
            )
            for d in found.drivers
        ),
    )
