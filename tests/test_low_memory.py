"""The low-memory path (a model read lazily, without geometry) takes off the same rows as the usual
reading, says it was used, and still reports the damage of the entities the take-off read."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_models import REPO

from embodied import reading, takeoff
from embodied.records import ProblemKind
from embodied.takeoff import TakeoffOptions

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


def test_geometry_is_never_read_lazily() -> None:
    assert not TakeoffOptions(use_geometry=True, low_memory_bytes=0).reads_lazily(10**9)
    assert TakeoffOptions(use_geometry=False, low_memory_bytes=100).reads_lazily(100)
    assert not TakeoffOptions(use_geometry=False, low_memory_bytes=100).reads_lazily(99)


def test_bad_environment_value_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBODIED_LOW_MEMORY_BYTES", "lots")
    with pytest.raises(Exception, match="EMBODIED_LOW_MEMORY_BYTES='lots' is not a number of bytes"):
        TakeoffOptions()
