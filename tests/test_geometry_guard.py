"""The geometry kernel runs in a child process: a hang or a crash on one model stops only the
geometry, and every element it did not measure is listed with the reason."""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest

from embodied import modelkit as mk
from embodied.reading import open_model
from embodied.takeoff import TakeoffOptions, run
from embodied.takeoff import geometry as geom


def small_model() -> Any:
    model = mk.new_model("IFC4", "METRE")
    mk.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name="A")
    mk.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name="B", position=(2.0, 0.0, 0.0))
    folder = Path(tempfile.mkdtemp())
    return open_model(mk.save(model, folder / "m.ifc"))


def test_a_stalled_kernel_is_stopped_and_every_element_listed() -> None:
    """With no shape within the time-out, the kernel is stopped; both columns say so, none is 0."""
    model = small_model()
    result = run(model, TakeoffOptions(geometry_timeout_s=1e-6))
    for row in result.rows:
        assert row.volume_m3 is None and "gave no result" in row.note
    assert len(result.rows) == 2


def test_a_crashing_kernel_stops_only_the_geometry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A segmentation fault in the geometry process becomes a note on each element, not a dead run."""

    def crash(*args: Any) -> None:
        os.kill(os.getpid(), signal.SIGSEGV)

    monkeypatch.setattr(geom, "_child", crash)
    result = run(small_model())
    assert {r.name for r in result.rows} == {"A", "B"}
    assert all(r.volume_m3 is None and "crashed" in r.note for r in result.rows)


def test_normal_run_measures_both_columns() -> None:
    """Without trouble both columns get 0.4 x 0.5 x 3.0 = 0.6 m³ from the child process."""
    result = run(small_model())
    assert [r.volume_m3 for r in result.rows] == [pytest.approx(0.6), pytest.approx(0.6)]


def test_bad_timeout_setting_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """EMBODIED_GEOMETRY_TIMEOUT must be a positive number of seconds."""
    from embodied.errors import InputError

    monkeypatch.setenv("EMBODIED_GEOMETRY_TIMEOUT", "soon")
    with pytest.raises(InputError):
        TakeoffOptions()
