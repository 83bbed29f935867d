"""The one place that calls the stages in order. The CLI and library users call this."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from embodied import factors, matching, reading, takeoff
from embodied.matching.core import MatchOptions
from embodied.matching.mapping import read as read_mapping
from embodied.records import MatchResult, TakeoffResult
from embodied.takeoff.core import Progress, TakeoffOptions


def run_takeoff(
    model_path: Path | str, options: TakeoffOptions | None = None, *, on_progress: Progress | None = None
) -> TakeoffResult:
    """Read an IFC model and take off its quantities per element and material part."""
    return takeoff.run(reading.open_model(model_path), options, on_progress=on_progress)


def run_match(
    model_path: Path | str,
    options: TakeoffOptions | None = None,
    match_options: MatchOptions | None = None,
    *,
    mapping_path: Path | None = None,
    packs: Sequence[Path] = (),
    database: Path | None = None,
    on_progress: Progress | None = None,
) -> MatchResult:
    """Take off a model and match each of its materials to an emission factor."""
    db = factors.load(database, packs)  # before the model: a bad pack or mapping fails fast
    mapping = read_mapping(mapping_path, db.factors.keys()) if mapping_path is not None else None
    result = run_takeoff(model_path, options, on_progress=on_progress)
    return matching.run(result, db, mapping, match_options)
