"""The take-off composer: one row per element x material part, every number with its source.

`run` selects the elements (``select``), has the geometry kernel measure their bodies (``geometry``;
for a lazily read model in a process of its own, ``apart``), then walks the elements: each gets its
rows from the `Taker` (``element``, which picks its volume, shares it among its material parts and
adds mass and notes), in forked worker processes for a large model without geometry, merged in
element order. A container of parts gets one row without quantities; an element too damaged to read,
one that says so. The parser's complaints and the run's assumptions become the result's problems.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from pathlib import Path
from typing import Any

from embodied.reading import Model, parse_log
from embodied.records import Problem, ProblemKind, TakeoffResult, TakeoffRow, VolumeCheck
from embodied.takeoff import apart
from embodied.takeoff import geometry as geom
from embodied.takeoff.element import Taker
from embodied.takeoff.index import DAMAGE, ModelIndex
from embodied.takeoff.mesh import GeometryVolume
from embodied.takeoff.options import TakeoffOptions
from embodied.takeoff.select import Selection, select
from embodied.takeoff.spaces import SpaceReader

# elements per row worker at least: below this a fork costs more than it saves (`_rows_in_parallel`)
PARALLEL_MIN_ELEMENTS = 10_000
Progress = Callable[[str, int, int], None]  # (phase, done, total)


def run(
    model: Model,
    options: TakeoffOptions | None = None,
    *,
    on_progress: Progress | None = None,
    measured: apart.Measured | None = None,
) -> TakeoffResult:
    """Take off `model`: one row per element x material part (see ``element``).

    `measured` is the geometry of a lazily read model, measured before it was opened
    (`measure_apart`); without it, such a model's geometry is measured apart here."""
    options = options or TakeoffOptions()
    if options.use_geometry and model.lazy and measured is None:
        measured = measure_apart(model.info.path, options, on_progress)
    with collector_paused():
        return _run(model, options, on_progress, measured)


def measure_apart(path: str | Path, options: TakeoffOptions, on_progress: Progress | None) -> apart.Measured:
    """The geometry of a model to be read lazily, measured in a process of its own (takeoff.apart):
    called before the model is opened, so that the two never hold it at once."""
    return apart.measure(
        path,
        threads=options.threads,
        stall_s=options.geometry_timeout_s,
        on_progress=(lambda done, total: on_progress("geometry", done, total)) if on_progress else None,
    )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the take-off, back on after it if it was on.

    The take-off makes hundreds of thousands of objects that hold no reference cycles (rows, entity
    wrappers, step ids in dictionaries): reference counting frees each of them, and the collector's
    passes, started by the count of objects made, only walk them again: on a large model its full
    passes walk every live row."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(
    model: Model, options: TakeoffOptions, on_progress: Progress | None, measured: apart.Measured | None
) -> TakeoffResult:
    file, units = model.file, model.info.units
    index = ModelIndex(file)
    selection = select(file, index)
    problems: list[Problem] = [Problem(ProblemKind.UNITS, text) for text in units.assumed]
    # what the parser read around: the model taken off is not quite the file
    problems += [Problem(ProblemKind.DAMAGE, text) for text in model.damage]
    problems += [
        Problem(ProblemKind.DAMAGE, f"{text}: the elements it relates are taken off without it")
        for text in index.damage
    ]
    if not selection.counted and not selection.containers:
        message = "no element to take off: the model holds no physical element (IfcElement)"
        problems.append(Problem(ProblemKind.NO_QUANTITY, message))
    spaces = SpaceReader(file, index, units)
    volumes: Mapping[int, GeometryVolume] = {}
    if options.use_geometry and measured is not None:
        volumes = _measured_volumes(measured, selection, file)
    elif options.use_geometry:
        wanted = [file.by_id(i) for i in selection.counted] + [c for c, _ in selection.containers]
        wanted += spaces.wanted  # (for their footprint only: spaces are not taken off)
        total = len(wanted)
        volumes = geom.volumes(
            file,
            wanted,
            threads=options.threads,
            on_progress=(lambda done: on_progress("geometry", done, total)) if on_progress else None,
            stall_s=options.geometry_timeout_s,
        )
    taker = Taker(units, index, volumes, options, problems)
    # a lazily read model is never shared with forked workers: they would read its file through one
    # shared file offset (and each would parse what it reads again)
    jobs = (
        1
        if model.lazy
        else min(options.threads or os.cpu_count() or 1, len(selection.counted) // PARALLEL_MIN_ELEMENTS)
    )
    late: list[str] = []  # the parser's complaints while the rows were made (a lazily read model)
    if jobs > 1:
        rows = _rows_in_parallel(taker, selection.counted, jobs, late, on_progress)
    else:
        rows = _rows(taker, selection.counted, 0, on_progress)
    for container, parts in selection.containers:
        try:
            rows.append(taker.container_row(container, parts))
        except DAMAGE as error:
            rows.append(taker.unreadable_row(container, error))
    if model.lazy:  # parsed as it was used: the parser's complaints since the model was opened
        late += parse_log(parser_only=True)
        if measured is not None:  # and those of the geometry process's parse, once each
            late += [text for text in measured.damage if text not in late and text not in model.damage]
        problems += [Problem(ProblemKind.DAMAGE, text) for text in late]
        problems.append(Problem(ProblemKind.ASSUMPTION, _low_memory_note(model, measured is not None)))
    return TakeoffResult(
        model=model.info,
        rows=tuple(rows),
        problems=tuple(problems),
        checks=tuple(taker.checks),
        excluded=selection.excluded,
        tolerance=options.tolerance,
        geometry_used=options.use_geometry,
        settings=asdict(options),
        spaces=spaces.finish(volumes),
    )


def _measured_volumes(
    measured: apart.Measured, selection: Selection, file: Any
) -> Mapping[int, GeometryVolume]:
    """The volumes the geometry process sent; an element it did not measure (none, when it failed)
    gets a note saying why, as `geometry.volumes` notes an element the kernel did not reach."""
    volumes = measured.volumes
    why = measured.failure or "the geometry process did not measure it"
    missing = {
        eid: GeometryVolume(None, f"no geometry: {why}")
        for eid in [*selection.counted, *(c.id() for c, _ in selection.containers)]
        if eid not in volumes and getattr(file.by_id(eid), "Representation", None) is not None
    }
    return {**volumes, **missing} if missing else volumes  # (missing: only when the process failed)


def _low_memory_note(model: Model, geometry: bool) -> str:
    megabytes = model.info.size_bytes / 1e6
    if not geometry:
        return (
            f"low-memory reading ({megabytes:,.0f} MB model, no geometry): each entity was parsed when "
            "the take-off used it, so damage in entities it did not use (geometry) was not looked "
            "for; EMBODIED_LOW_MEMORY_BYTES sets the size from which models are read so"
        )
    return (
        f"low-memory reading ({megabytes:,.0f} MB model): the geometry was measured in a process of its "
        "own that parsed all but the property and quantity sets, then each entity was parsed when the "
        "take-off used it, so damage in property sets it did not use was not looked for; "
        "EMBODIED_LOW_MEMORY_BYTES sets the size from which models are read so"
    )


def _rows(
    taker: Taker, elements: Sequence[int], done: int, on_progress: Progress | None, total: int = 0
) -> list[TakeoffRow]:
    """The rows of the elements of these step ids."""
    rows: list[TakeoffRow] = []
    total = total or len(elements)
    by_id = taker.index.file.by_id
    for eid in elements:
        element = by_id(eid)
        try:
            rows.extend(taker.element_rows(element))
        except DAMAGE as error:  # a damaged entity (wrong types, dangling references) of one element
            rows.append(taker.unreadable_row(element, error))
        done += 1
        if on_progress is not None:
            on_progress("elements", done, total)
    return rows


# The state a forked row worker reads (set just before the workers are forked, never pickled).
_WORK: tuple[Taker, Sequence[int]] | None = None


def _rows_of(span: tuple[int, int]) -> tuple[list[TakeoffRow], list[Problem], list[VolumeCheck], list[str]]:
    """In a forked worker: the rows of elements[start:stop], and what the taker noted on the way."""
    assert _WORK is not None
    taker, elements = _WORK
    problems_before, checks_before = len(taker.problems), len(taker.checks)
    rows = _rows(taker, elements[span[0] : span[1]], 0, None)
    late = list(parse_log(parser_only=True))
    return rows, taker.problems[problems_before:], taker.checks[checks_before:], late


def _rows_in_parallel(
    taker: Taker, elements: Sequence[int], jobs: int, late: list[str], on_progress: Progress | None
) -> list[TakeoffRow]:
    """The rows of `elements` made by `jobs` forked processes, chunk by chunk, merged in element
    order: the same rows, problems and checks as one process makes (a material without density is
    reported once, at its first element). The per-element Python work is most of the take-off of a
    large model without geometry; the model (read, indexed) is shared with the workers by the fork."""
    global _WORK
    chunks = jobs * 4
    size = -(-len(elements) // chunks)
    spans = [(start, min(start + size, len(elements))) for start in range(0, len(elements), size)]
    _WORK = (taker, elements)
    rows: list[TakeoffRow] = []
    seen_density = {p.message for p in taker.problems if p.kind is ProblemKind.DENSITY}
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            for (_, stop), (part, problems, checks, parsed) in zip(
                spans, pool.map(_rows_of, spans), strict=True
            ):
                rows.extend(part)
                for problem in problems:
                    if problem.kind is ProblemKind.DENSITY:
                        if problem.message in seen_density:
                            continue
                        seen_density.add(problem.message)
                    taker.problems.append(problem)
                taker.checks.extend(checks)
                late.extend(parsed)
                if on_progress is not None:
                    on_progress("elements", stop, len(elements))
    except BrokenProcessPool:  # a worker died (a crash in the parser): one process, as before
        del rows[:]
        return _rows(taker, elements, 0, on_progress)
    finally:
        _WORK = None
    return rows
