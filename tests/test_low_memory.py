"""The low-memory path (a model read lazily; its geometry measured by a process of its own) takes off
the same rows as the usual reading, says it was used, and still reports the damage of the entities
the take-off read."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest
from shared_models import REPO

from embodied import pipeline, reading, takeoff
from embodied.records import ProblemKind
from embodied.takeoff import TakeoffOptions, apart

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out

SAMPLE = REPO / "examples" / "sample_building.ifc"
DANGLING = REPO / "tests" / "bad_inputs" / "cases" / "dangling-material-reference" / "model.ifc"


def _run(path: Path, low_memory_bytes: int) -> takeoff.TakeoffResult:
    options = TakeoffOptions(use_geometry=False, low_memory_bytes=low_memory_bytes)
    size = path.stat().st_size
    return takeoff.run(reading.open_model(path, lazy=options.reads_lazily(size)), options)


def test_same_rows_and_the_path_is_named() -> None:
    usual, lazy = _run(SAMPLE, 10**12), _run(SAMPLE, 0)
    assert lazy.rows == usual.rows and len(lazy.rows) == 75
    said = [p.message for p in lazy.problems if p.kind is ProblemKind.ASSUMPTION]
    assert any(m.startswith("low-memory reading (0 MB model") for m in said), said
    assert not any("low-memory" in p.message for p in usual.problems)


def test_damage_in_what_the_take_off_reads_is_still_reported() -> None:
    """The material association points at #999999, which does not exist: read eagerly, the parser
    says so on opening; read lazily, when the take-off reads the association. Either way it is listed."""
    for low_memory_bytes in (10**12, 0):
        result = _run(DANGLING, low_memory_bytes)
        damage = [p.message for p in result.problems if p.kind is ProblemKind.DAMAGE]
        assert any("#999999" in m and "not found" in m for m in damage), damage


def test_the_size_decides_with_geometry_or_without() -> None:
    assert TakeoffOptions(use_geometry=True, low_memory_bytes=0).reads_lazily(10**9)
    assert TakeoffOptions(use_geometry=False, low_memory_bytes=100).reads_lazily(100)
    assert not TakeoffOptions(use_geometry=True, low_memory_bytes=100).reads_lazily(99)


def _geometry(low_memory_bytes: int) -> takeoff.TakeoffResult:
    return pipeline.run_takeoff(SAMPLE, TakeoffOptions(low_memory_bytes=low_memory_bytes))


def test_geometry_measured_apart_gives_the_same_rows_and_checks() -> None:
    """Read lazily, the model's geometry is measured by a process of its own that parses the file
    without its property and quantity sets: the same volumes, so the same rows and cross-checks
    (the sample's 75 rows, its 40 base-quantity/geometry checks)."""
    usual, apart = _geometry(10**12), _geometry(0)
    assert apart.rows == usual.rows and len(apart.rows) == 75
    assert apart.checks == usual.checks and len(apart.checks) == len(usual.checks) > 0
    assert apart.geometry_used
    said = [p.message for p in apart.problems if p.kind is ProblemKind.ASSUMPTION]
    assert any("the geometry was measured in a process of its own" in m for m in said), said


def test_a_lazily_read_model_is_measured_apart_by_the_take_off_too() -> None:
    """A caller that opens the model lazily itself gets the same rows: the take-off measures the
    geometry apart rather than mesh a lazily read model on several threads."""
    options = TakeoffOptions(low_memory_bytes=0)
    result = takeoff.run(reading.open_model(SAMPLE, lazy=True), options)
    assert result.rows == _geometry(10**12).rows


def test_a_crashed_geometry_process_is_listed_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The geometry process dies (here: it exits in place of meshing): every element with a body says
    so in its note, the base quantities are still used, and no row is lost."""

    def crash(*_: object, **__: object) -> None:
        os._exit(3)

    monkeypatch.setattr(apart.geom, "volumes", crash)
    result = _geometry(0)
    assert len(result.rows) == 75 and not result.checks
    crashed = [r for r in result.rows if "the geometry process stopped abnormally (crashed)" in r.note]
    assert crashed and all(r.volume_origin != "geometry" for r in result.rows)
    usual = {r.global_id: r.volume_m3 for r in _run(SAMPLE, 10**12).rows}
    assert {r.global_id: r.volume_m3 for r in result.rows} == usual  # base quantities, as without geometry


def test_bad_environment_value_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBODIED_LOW_MEMORY_BYTES", "lots")
    with pytest.raises(Exception, match="EMBODIED_LOW_MEMORY_BYTES='lots' is not a number of bytes"):
        TakeoffOptions()


def test_a_stuck_geometry_process_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The geometry process parses, then hangs (here: sleeps in place of meshing). Once it has said it
    parsed, it is given the kernel's time-out and 10 s more, then stopped with its process group, and
    every element with a body says so; nothing is left running."""

    def hang(*_: object, **__: object) -> None:
        time.sleep(3600)

    monkeypatch.setattr(apart.geom, "volumes", hang)
    options = TakeoffOptions(low_memory_bytes=0, geometry_timeout_s=0.5)
    start = time.monotonic()
    result = pipeline.run_takeoff(SAMPLE, options)
    assert time.monotonic() - start < 60
    assert len(result.rows) == 75
    stopped = [r for r in result.rows if "gave no result for 0.5 s and was stopped" in r.note]
    assert stopped and not multiprocessing.active_children()
