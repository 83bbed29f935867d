"""Rows made by forked workers (a large model read in full) are the rows one process makes: same
order, same problems (a material without density reported once), same checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_models import REPO, SHARED_IFC, require

from embodied import reading
from embodied.records import ProblemKind, TakeoffResult
from embodied.takeoff import TakeoffOptions, core

SAMPLE = REPO / "examples" / "sample_building.ifc"


def _both(
    path: Path, options: TakeoffOptions, monkeypatch: pytest.MonkeyPatch
) -> tuple[TakeoffResult, TakeoffResult]:
    serial = core.run(reading.open_model(path), options)
    monkeypatch.setattr(core, "PARALLEL_MIN_ELEMENTS", 5)  # 65 elements: 2 workers, 8 chunks
    parallel = core.run(reading.open_model(path), options)
    return serial, parallel


def test_sample_with_geometry(monkeypatch: pytest.MonkeyPatch) -> None:
    serial, parallel = _both(SAMPLE, TakeoffOptions(threads=2), monkeypatch)
    assert parallel.rows == serial.rows and len(serial.rows) == 75
    assert parallel.problems == serial.problems
    assert parallel.checks == serial.checks and serial.checks
    density = [p for p in parallel.problems if p.kind is ProblemKind.DENSITY]
    assert len(density) == len({p.message for p in density}) > 0


@pytest.mark.realmodels
def test_a_revit_model_without_geometry(monkeypatch: pytest.MonkeyPatch) -> None:
    path = require(SHARED_IFC / "medium" / "revit2011_Duplex_A_20110907.ifc")
    serial, parallel = _both(path, TakeoffOptions(use_geometry=False, threads=2), monkeypatch)
    assert parallel.rows == serial.rows
    assert parallel.problems == serial.problems


def test_a_lazily_read_model_is_never_shared_with_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers would read a lazily read file through one shared file offset: one process does it."""
    options = TakeoffOptions(use_geometry=False, low_memory_bytes=0, threads=2)
    monkeypatch.setattr(core, "PARALLEL_MIN_ELEMENTS", 5)
    monkeypatch.setattr(core, "_rows_in_parallel", None)  # called, it would fail
    result = core.run(reading.open_model(SAMPLE, lazy=True), options)
    assert len(result.rows) == 75
