"""The one place that calls the stages in order: take-off, matching, life cycle, plausibility and the
report model. The CLI, the park and library users call this and read its records (the report model
above all); the option types they pass are re-exported here."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from embodied import factors, lifecycle, matching, plausibility, reading, takeoff, writeback
from embodied.cache import MemoryCache, TakeoffCache, default_cache
from embodied.check import Readiness, check_model
from embodied.errors import InputError
from embodied.factors import FactorDB
from embodied.lifecycle import LifecycleResult
from embodied.lifecycle.by_element import ElementCarbon, by_element, element_parts
from embodied.lifecycle.uncertainty import Uncertainty, uncertainty
from embodied.matching.core import MatchOptions
from embodied.matching.mapping import UserMapping
from embodied.matching.mapping import read as read_mapping
from embodied.plausibility import Plausibility
from embodied.project import ProjectSettings, find_settings
from embodied.records import MatchResult, TakeoffResult
from embodied.report import LANGS, write_reports
from embodied.report.model import build as build_report
from embodied.report.records import ReportModel
from embodied.takeoff.area import floor_area
from embodied.takeoff.core import Progress, measure_apart
from embodied.takeoff.options import DEFAULT_TOLERANCE, TakeoffOptions


@dataclass(frozen=True, slots=True)
class Calculation:
    """Everything one run computed: the matched take-off, the life cycle, its plausibility findings
    and the settings used."""

    match: MatchResult
    lifecycle: LifecycleResult
    settings: ProjectSettings
    database: FactorDB
    mapping_sha256: str | None = None
    plausibility: Plausibility | None = None
    uncertainty: Uncertainty | None = None  # the total's P10-P90 from the inputs' data-quality ranges
    readiness: Readiness | None = None  # the model checked against the readiness IDS (report only)


def run_takeoff(
    model_path: Path | str,
    options: TakeoffOptions | None = None,
    *,
    on_progress: Progress | None = None,
    cache: TakeoffCache | None = None,
    data_version: str | None = None,
) -> TakeoffResult:
    """Read an IFC model and take off its quantities per element and material part. With a `cache`,
    a take-off of the same bytes under the same code, data and options is reused (see embodied.cache);
    the file is checked as usual first."""
    options = options or TakeoffOptions()
    path = Path(model_path)
    if cache is None:
        return _take_off(path, None, options, on_progress)
    reading.check_file(path)
    digest = reading.file_digest(path)
    key = cache.key(digest[0], options, data_version or factors.data_version())
    cached = cache.get(key, path)
    if cached is not None:
        return cached
    result = _take_off(path, digest, options, on_progress)
    cache.put(key, result)
    return result


def _take_off(
    path: Path, digest: tuple[str, bool] | None, options: TakeoffOptions, on_progress: Progress | None
) -> TakeoffResult:
    """Open and take off. A model read lazily (the low-memory path) has its geometry measured first,
    in a process of its own, so that the model is never held twice (takeoff.apart)."""
    lazy = options.reads_lazily(_size(path)) and reading.reads_lazily(path)
    measured = None
    if lazy and options.use_geometry:
        reading.check_file(path)  # a file that is not IFC says so now, not after its geometry
        measured = measure_apart(path, options, on_progress)
    model = reading.open_model(path, digest, lazy=lazy)
    return takeoff.run(model, options, on_progress=on_progress, measured=measured)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading.open_model says what is wrong with the path


def run_match(
    model_path: Path | str,
    options: TakeoffOptions | None = None,
    match_options: MatchOptions | None = None,
    *,
    mapping_path: Path | None = None,
    packs: Sequence[Path] = (),
    database: Path | None = None,
    on_progress: Progress | None = None,
    cache: TakeoffCache | None = None,
) -> MatchResult:
    """Take off a model and match each of its materials to an emission factor."""
    db = factors.load(database, packs)  # before the model: a bad pack or mapping fails fast
    mapping = read_mapping(mapping_path, db.factors.keys()) if mapping_path is not None else None
    result = run_takeoff(model_path, options, on_progress=on_progress, cache=cache, data_version=db.version)
    return matching.run(result, db, mapping, match_options)


def run_calculate(
    model_path: Path | str,
    options: TakeoffOptions | None = None,
    match_options: MatchOptions | None = None,
    *,
    config_path: Path | None = None,
    mapping_path: Path | None = None,
    packs: Sequence[Path] = (),
    database: Path | None = None,
    on_progress: Progress | None = None,
    cache: TakeoffCache | None = None,
) -> Calculation:
    """Take off, match and calculate the life cycle of a model under its project settings."""
    settings = find_settings(Path(model_path), config_path)  # before the model: a bad config fails fast
    db = factors.load(database, packs)
    mapping = read_mapping(mapping_path, db.factors.keys()) if mapping_path is not None else None
    _check_confirmations(settings, mapping)
    taken = run_takeoff(model_path, options, on_progress=on_progress, cache=cache, data_version=db.version)
    matched = matching.run(taken, db, mapping, match_options)
    result = lifecycle.calculate(matched, db, settings, floor_area=floor_area(taken))
    found = plausibility.check(
        matched,
        result,
        db,
        building_type=settings.building.building_type,
        confirmations=confirmations(settings),
    )
    mapping_sha = hashlib.sha256(mapping_path.read_bytes()).hexdigest() if mapping_path is not None else None
    spread = uncertainty(matched, result, db)
    return Calculation(matched, result, settings, db, mapping_sha, found, spread)


def _check_confirmations(settings: ProjectSettings, mapping: UserMapping | None) -> None:
    """Every check id a confirmation names exists (an InputError naming the file and line otherwise)."""
    if settings.plausibility.confirm:
        where = f"{settings.source or 'project settings'}: plausibility.confirm"
        plausibility.validate_confirmations(settings.plausibility.confirm, where, building=True)
    for entry in mapping.adjustments.values() if mapping is not None else ():
        plausibility.validate_confirmations(entry.confirm, entry.where)


def confirmations(settings: ProjectSettings) -> dict[str, str]:
    """The building-level plausibility confirmations of the project file: check -> "<file>: <note>"."""
    section = settings.plausibility
    where = Path(settings.source).name if settings.source else "project settings"
    note = f": {section.note}" if section.note else ""
    return {check: f"{where} [plausibility]{note}" for check in section.confirm}


def check_inputs(
    mapping_path: Path | None = None, packs: Sequence[Path] = (), database: Path | None = None
) -> None:
    """Read the database, the packs and the mapping file, so that a bad one fails before any model is
    read (an InputError naming the file)."""
    db = factors.load(database, packs)
    if mapping_path is not None:
        read_mapping(mapping_path, db.factors.keys())


def run_report(
    model_path: Path | str,
    options: TakeoffOptions | None = None,
    match_options: MatchOptions | None = None,
    *,
    config_path: Path | None = None,
    mapping_path: Path | None = None,
    packs: Sequence[Path] = (),
    database: Path | None = None,
    on_progress: Progress | None = None,
    cache: TakeoffCache | None = None,
    lang: str = "zh+en",
    write_ifc: Path | None = None,
) -> ReportModel:
    """Every step: take off, match, calculate, check plausibility, and build the report model that
    every format renders (``write_report`` writes them). With `write_ifc`, a copy of the model with
    each element's carbon in an ``Embodied_Carbon`` property set is written there (embodied.writeback;
    the model itself is never changed); a path that cannot be written fails before any work."""
    if lang not in LANGS:
        raise InputError(f"--lang: unknown language {lang!r}", hint="use " + ", ".join(LANGS))
    if write_ifc is not None:
        writeback.check_out_path(Path(model_path), write_ifc)
    calc = run_calculate(
        model_path,
        options,
        match_options,
        config_path=config_path,
        mapping_path=mapping_path,
        packs=packs,
        database=database,
        on_progress=on_progress,
        cache=cache,
    )
    built = report_model(replace(calc, readiness=run_check(Path(model_path))), lang)
    if write_ifc is not None:
        writeback.write_back(calc, built, write_ifc)
    return built


def run_check(model_path: Path | str, ids: Path | None = None) -> Readiness:
    """The model against the readiness IDS (the shipped one, or `ids`) and the checks IDS cannot
    state: what a good take-off needs, which elements fail, and the readiness score."""
    return check_model(Path(model_path), ids)


def write_report(report: ReportModel, outdir: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    """Render `report` in each of `formats` to OUTDIR/<stem>.<format>, all or none (see
    ``report.write_reports``)."""
    return write_reports(report, outdir, stem, formats)


def element_carbon(calc: Calculation) -> dict[str, ElementCarbon]:
    """Each element's part of the material lines (kgCO2e by module), by GlobalId: the allocation the
    IFC write-back records and the 3D view colours by (embodied.lifecycle.by_element)."""
    return by_element(calc.match, calc.lifecycle)


def element_materials(calc: Calculation, global_id: str) -> dict[int, float]:
    """The share of each material line (by the lines' ``material_index``) that falls to one element."""
    return element_parts(calc.match, global_id)


def report_model(calc: Calculation, lang: str = "zh+en") -> ReportModel:
    """The report model of a calculation, its plausibility findings included: what every format renders."""
    return build_report(
        calc.match,
        calc.lifecycle,
        calc.settings,
        calc.database,
        lang=lang,
        mapping_sha256=calc.mapping_sha256,
        plausibility=calc.plausibility,
        uncertainty=calc.uncertainty,
        readiness=calc.readiness,
    )


__all__ = [
    "DEFAULT_TOLERANCE",
    "Calculation",
    "ElementCarbon",
    "MatchOptions",
    "MatchResult",
    "MemoryCache",
    "Readiness",
    "ReportModel",
    "TakeoffCache",
    "TakeoffOptions",
    "TakeoffResult",
    "check_inputs",
    "confirmations",
    "default_cache",
    "element_carbon",
    "element_materials",
    "report_model",
    "run_calculate",
    "run_check",
    "run_match",
    "run_report",
    "run_takeoff",
    "write_report",
]
