"""Fuzzing in the suite: the mutations of tests/fuzz/fuzz_pipeline.py on a tiny model, in process, and
the replay of every failing input the fuzzer has kept (tests/bad_inputs/found/) through the CLI.

A mutated model must give a report whose numbers are finite and whose totals add up, or an
EmbodiedError (one line, exit 2 at the CLI): nothing else, and within a deadline.

A kept input that still fails is listed in KNOWN_FAILURES, by file stem, with what goes wrong: its
replay is then a strict xfail, which turns into a failure the moment the bug is fixed, as a reminder
to remove the entry.
"""

from __future__ import annotations

import json
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import modelkit as mk
import pytest
from fuzz import fuzz_pipeline as fz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embodied.errors import EmbodiedError
from embodied.pipeline import run_calculate
from embodied.report.model import build
from embodied.report.render_json import render
from embodied.takeoff import TakeoffOptions

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out

FOUND = Path(__file__).resolve().parent / "bad_inputs" / "found"
EXAMPLE_SECONDS = 60  # one mutated tiny model through the whole pipeline; far above a normal one
KNOWN_FAILURES: dict[str, str] = {
    # "<file stem>": "what goes wrong (the fuzzer's signature)",
}


@cache
def tiny_model() -> bytes:
    """A few kB of IFC4 (mm): a layered wall with an opening, a slab with quantities and a density,
    an I-beam with a profile set, a column of two constituents, a roof of two slabs."""
    model = mk.new_model("IFC4", "MILLIMETRE", project="Tiny")
    mk.material(model, "C30混凝土", density=2400.0)
    wall = mk.add_wall(model, [("水泥砂浆", 0.02), ("加气混凝土砌块", 0.2)], size=(5.0, 3.0), name="W1")
    mk.add_opening(model, wall, size=(1.2, 1.5), at=(1.0, 0.9))
    mk.add_slab(model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S1", quantities=True)
    shape = mk.IShape(depth=0.3, width=0.15, web=0.0065, flange=0.009, name="HN300")
    mk.add_beam(model, "Q355钢", shape, length=6.0, name="B1")
    mix = [mk.Constituent("C40混凝土", 0.97), mk.Constituent("HRB400钢筋", 0.03)]
    mk.add_column(model, mix, size=(0.4, 0.4, 3.0), name="C1", quantities=True)
    roof = [
        mk.add_slab(model, "C30混凝土", size=(3.0, 4.0, 0.15), name=f"R{i}", predefined_type="ROOF")
        for i in (1, 2)
    ]
    mk.add_aggregate(model, "IfcRoof", roof, name="Roof")
    folder = Path(tempfile.mkdtemp(prefix="fuzz-tiny-"))
    return mk.save(model, folder / "tiny.ifc", seed="tiny").read_bytes()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the test when `seconds` pass (checked when Python code runs)."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no result within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


MUTATIONS = st.lists(
    st.builds(fz.Mutation, st.sampled_from(sorted(fz.MUTATORS)), st.integers(0, 2**32 - 1)),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=30,
    deadline=timedelta(seconds=EXAMPLE_SECONDS),
    derandomize=True,  # the same 30 cases every run; tests/fuzz/fuzz_pipeline.py explores
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutations=MUTATIONS)
def test_mutated_model_gives_a_finite_report_or_one_error(mutations: list[Any]) -> None:
    """The whole pipeline on a mutated tiny model: a report whose numbers are finite and add up, or an
    EmbodiedError with a one-line message."""
    data, done = fz.mutate(tiny_model(), mutations)
    folder = Path(tempfile.mkdtemp(prefix="fuzz-case-"))
    try:
        path = folder / "case.ifc"
        path.write_bytes(data)
        with time_limit(EXAMPLE_SECONDS):
            try:
                calc = run_calculate(path, TakeoffOptions(threads=1))
                report = build(calc.match, calc.lifecycle, calc.settings, calc.database)
                render(report, folder / "case.json")  # raises ValueError on NaN or infinity
            except EmbodiedError as error:
                assert "\n" not in error.one_line(), (done, error.one_line())
                return
        doc = json.loads((folder / "case.json").read_text(encoding="utf-8"))
        assert fz.report_problems(doc) == [], done
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _replay_params() -> list[Any]:
    params = []
    for path in fz.iter_found(FOUND):
        reason = KNOWN_FAILURES.get(path.stem)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("found", _replay_params())
def test_found_input_is_reported_or_refused_in_one_line(found: Path, tmp_path: Path) -> None:
    """`embodied report` on an input the fuzzer once failed on: a finite report, or exit 2 with one
    "embodied: error:" line; no traceback, hang, partial file or other exit code."""
    sidecar = found.with_suffix(".json")
    meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
    formats = meta.get("formats", fz.BASE_FORMATS)
    case = tmp_path / "in" / found.name
    case.parent.mkdir()
    shutil.copyfile(found, case)
    run = fz.run_cli(case, tmp_path / "out", formats, timeout=120)
    outcome = fz.classify(run, formats, case.stem)
    assert outcome.ok, f"{outcome.signature}: {outcome.detail}\n{run.stderr[-3000:]}"


def test_known_failures_are_kept_inputs() -> None:
    """Every KNOWN_FAILURES entry names a file in tests/bad_inputs/found (remove fixed ones from both)."""
    stems = {p.stem for p in fz.iter_found(FOUND)}
    assert set(KNOWN_FAILURES) <= stems
