"""The geometry kernel runs in a child process: a hang or a crash on one model stops only the
geometry, and every element it did not measure is listed with the reason."""

from __future__ import annotations

import faulthandler
import os
import signal
import tempfile
from pathlib import Path
from typing import Any

import modelkit as mk
import pytest

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
        faulthandler.disable()  # as the real child does: the parent reports the crash
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


def test_the_parents_work_is_done_even_when_the_kernel_dies_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the kernel runs, the parent reads the bodies for invalid IFC a step at a time; a child that
    dies before its first message must not leave that reading half done (an invalid body unread
    would be measured by the isolation runs that follow)."""

    def crash(*args: Any) -> None:
        faulthandler.disable()
        os.kill(os.getpid(), signal.SIGSEGV)

    monkeypatch.setattr(geom, "_child", crash)
    model = small_model()
    steps: list[int] = []

    def work() -> Any:
        for step in range(5):
            steps.append(step)
            yield step

    columns = model.file.by_type("IfcColumn")
    result, failure = geom._iterate(model.file, columns, 1, False, lambda: None, 30.0, work())
    assert result == {} and failure is not None and "crashed" in failure
    assert steps == [0, 1, 2, 3, 4]


def test_a_crash_on_one_element_stops_only_that_element(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel crashes whenever it measures column B (a segmentation fault in the child): the run
    is repeated without it, so A still gets 0.4 × 0.5 × 3.0 = 0.6 m³ and only B is listed."""
    model = small_model()
    b = next(e for e in model.file.by_type("IfcColumn") if e.Name == "B").id()
    measure = geom._measure_batch

    def crash_on_b(file: Any, batch: list[tuple[int, Any, Any]]) -> list[tuple[int, Any]]:
        if any(shape_id == b for shape_id, _, _ in batch):
            os.kill(os.getpid(), signal.SIGSEGV)
        return measure(file, batch)

    monkeypatch.setattr(geom, "_measure_batch", crash_on_b)
    by_name = {r.name: r for r in run(model).rows}
    assert by_name["A"].volume_m3 == pytest.approx(0.6)
    assert by_name["B"].volume_m3 is None
    assert "crashed" in by_name["B"].note and "on this element" in by_name["B"].note, by_name["B"].note


def test_several_crashing_elements_are_each_found() -> None:
    """Ten columns, three of which crash the kernel: the halving finds the three, measures seven."""
    model = mk.new_model("IFC4", "METRE")
    for i in range(10):
        mk.add_box(
            model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name=f"C{i}", position=(2.0 * i, 0, 0)
        )
    opened = open_model(mk.save(model, Path(tempfile.mkdtemp()) / "m.ifc"))
    bad = {e.id() for e in opened.file.by_type("IfcColumn") if e.Name in ("C1", "C5", "C8")}
    measure = geom._measure_batch

    def crash_on_bad(file: Any, batch: list[tuple[int, Any, Any]]) -> list[tuple[int, Any]]:
        if any(shape_id in bad for shape_id, _, _ in batch):  # the whole batch is lost with it
            os.kill(os.getpid(), signal.SIGSEGV)
        return measure(file, batch)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(geom, "_measure_batch", crash_on_bad)
        rows = run(opened, TakeoffOptions(threads=2)).rows
    measured = sorted(r.name for r in rows if r.volume_m3 == pytest.approx(0.6))
    listed = sorted(r.name for r in rows if r.volume_m3 is None and "on this element" in r.note)
    assert (measured, listed) == (["C0", "C2", "C3", "C4", "C6", "C7", "C9"], ["C1", "C5", "C8"])


def test_the_kernel_runs_more_workers_than_cores() -> None:
    """ifcopenshell's iterator hands out elements from a thread that polls its workers without
    sleeping, so embodied runs four workers a core, at most 8 more than cores: 2 cores -> min(2 x 4,
    2 + 8) = 8, 3 -> min(12, 11) = 11, 16 -> min(64, 24) = 24; one core meshes in one thread."""
    assert [geom.kernel_threads(n) for n in (1, 2, 3, 4, 16)] == [1, 8, 11, 12, 24]


def test_volumes_give_the_kernel_its_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """`threads` (--jobs) counts cores; the iterator gets kernel_threads of them, and the volumes are
    the same: 0.4 x 0.5 x 3.0 = 0.6 m³ a column."""
    model = small_model()
    seen: list[int] = []
    iterate = geom._iterate

    def spy(file: Any, include: list[Any], threads: int, *rest: Any) -> Any:
        seen.append(threads)
        return iterate(file, include, threads, *rest)

    monkeypatch.setattr(geom, "_iterate", spy)
    columns = model.file.by_type("IfcColumn")
    got = geom.volumes(model.file, columns, threads=2)
    assert seen == [8]
    assert [got[c.id()].volume_m3 for c in columns] == [pytest.approx(0.6), pytest.approx(0.6)]
