"""The geometry kernel (ifcopenshell.geom), guarded: body volumes of many elements, and profile areas.

The kernel meshes the elements' body solids (openings subtracted) on every core, in a forked child
process that measures each mesh (``mesh``) and sends the volumes back by batches: an element it hangs
on or crashes on stops only the geometry, never the run, and after a crash the elements that cause it
are found by halving and listed (`_isolate`). The elements whose mesh could not be turned outwards are
re-meshed with their shells reoriented; those the kernel built no body for are built again with their
stray ``*`` read as unset (``unbuilt``), else listed with why. Also here: the kernel's settings and
threads, and the area of a profile's outline (`profile_area_m2`).
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.shape
import numpy as np
import shapely
from shapely.ops import polygonize

from embodied.takeoff import unbuilt
from embodied.takeoff.index import DAMAGE
from embodied.takeoff.mesh import ORIENTATION_PROBLEM, GeometryVolume, batch_volumes
from embodied.takeoff.validity import body_problem

DEFAULT_STALL_S = 300.0  # seconds without a new shape before the geometry kernel is stopped
STALLED = "the geometry kernel gave no result for"
# After a crash, the elements not yet measured are run again, halves by halves, to find the ones that
# crash the kernel; at most this many extra kernel runs (each costs a process start and the elements'
# meshing again), then the elements still unresolved are listed with the crash.
MAX_ISOLATION_RUNS = 16
# shapes measured and sent together (see mesh.batch_volumes): at most BATCH shapes, BATCH_TRIANGLES
# triangles (a batch of large breps held at once costs memory and time) or BATCH_S seconds of waiting
BATCH, BATCH_TRIANGLES, BATCH_S = 128, 20_000, 0.5
# elements whose top-view area is their area when no base quantity gives it (spaces: see `spaces`)
FOOTPRINT_CLASSES = ("IfcSlab", "IfcSpace")
# Curves are meshed finely enough that a round column's volume is within 0.2 % (the kernel's default
# 0.5 rad makes 13-gons, 3.8 % short); profile outlines, which are cheap, finer still.
SOLID_DEFLECTION = (0.1, 0.0005)  # (angular rad, linear m)
PROFILE_DEFLECTION = (0.01, 0.00001)
# The multi-threaded iterator of ifcopenshell 0.9 hands the elements to its worker threads from one
# thread that polls them without ever sleeping (Iterator.cpp, process_concurrently). With as many
# workers as cores, that thread takes a core's share from them, and while the scheduler has set it
# aside a worker that finished waits for its next element. More workers than cores hide both, for
# some more memory (shapes in progress at once). See `kernel_threads`.
WORKERS_PER_CORE, EXTRA_WORKERS_MAX = 4, 8


Repairs = dict[int, tuple[int, ...]]  # step id -> positions of attributes to set to unset (`unbuilt`)


def kernel_threads(cores: int) -> int:
    """The iterator's worker threads for `cores` cores (see WORKERS_PER_CORE): one core meshes in the
    calling thread, as the iterator does with one thread; more get up to four workers a core, and at
    most EXTRA_WORKERS_MAX more workers than cores (a many-core machine gives the polling thread a
    core of its own, and every worker holds a shape in memory)."""
    if cores <= 1:
        return 1
    return min(cores * WORKERS_PER_CORE, cores + EXTRA_WORKERS_MAX)


def _settings(deflection: tuple[float, float] = SOLID_DEFLECTION, *, reorient: bool = False) -> Any:
    settings = ifcopenshell.geom.settings()
    settings.set("weld-vertices", True)
    settings.set("reorient-shells", reorient)
    settings.set("mesher-angular-deflection", deflection[0])
    settings.set("mesher-linear-deflection", deflection[1])
    return settings


def _measure_batch(
    file: Any, batch: list[tuple[int, np.ndarray, np.ndarray]]
) -> list[tuple[int, GeometryVolume]]:
    """The volumes of a batch of (step id, vertices, faces), with a slab's top-view area."""
    slabs = [file.by_id(shape_id).is_a() in FOOTPRINT_CLASSES for shape_id, _, _ in batch]
    measured = batch_volumes([(v, f) for _, v, f in batch], slabs)
    return [(shape_id, volume) for (shape_id, _, _), volume in zip(batch, measured, strict=True)]


def _child(
    file: Any, ids: list[int], threads: int, reorient: bool, conn: Connection, repairs: Repairs | None = None
) -> None:
    """In the forked geometry process: mesh and measure, send a list of (id, volume) per batch of
    shapes (at most BATCH, or what BATCH_S seconds gave), then the kernel's messages about the elements
    it did not build ("errors", {id: text}), then None; on an error, its text instead (never a
    traceback on the user's terminal). `repairs` (step id -> attribute positions) are stray ``*`` set
    to unset first, in this process's copy of the model (see `unbuilt`)."""
    faulthandler.disable()  # a crash of the kernel is reported by the parent, not dumped on the terminal
    try:
        ifcopenshell.get_log()  # what the parent logged before the fork is not this run's
        include = [file.by_id(i) for i in ids]
        for eid, positions in (repairs or {}).items():
            unbuilt.repair(file.by_id(eid), positions)
        built: set[int] = set()
        iterator = ifcopenshell.geom.iterator(_settings(reorient=reorient), file, threads, include=include)
        batch: list[tuple[int, np.ndarray, np.ndarray]] = []
        triangles = 0
        last = time.monotonic()
        if iterator.initialize():
            while True:
                shape = iterator.get()
                faces = ifcopenshell.util.shape.get_faces(shape.geometry)
                batch.append((shape.id, ifcopenshell.util.shape.get_vertices(shape.geometry), faces))
                built.add(shape.id)
                triangles += len(faces)
                more = iterator.next()
                full = len(batch) >= BATCH or triangles >= BATCH_TRIANGLES
                if full or time.monotonic() - last > BATCH_S or not more:
                    conn.send(_measure_batch(file, batch))
                    batch, triangles, last = [], 0, time.monotonic()
                if not more:
                    break
        if len(built) < len(include):
            left = [e for e in include if e.id() not in built]
            conn.send(("errors", unbuilt.kernel_errors(ifcopenshell.get_log(), left)))
        conn.send(None)
    except BaseException as error:
        conn.send(f"the geometry kernel failed ({type(error).__name__}: {error})")
    finally:
        conn.close()


def _iterate(
    file: Any,
    include: list[Any],
    threads: int,
    reorient: bool,
    tick: Callable[[], None],
    stall_s: float,
    meanwhile: Iterator[object] | None = None,
    repairs: Repairs | None = None,
    errors: dict[int, str] | None = None,
) -> tuple[dict[int, GeometryVolume], str | None]:
    """Run the kernel in a forked child process, so that an element it hangs on (no result for
    `stall_s` seconds) or crashes on (a segmentation fault in OpenCASCADE) stops only the geometry,
    never the run. `meanwhile` is work for this process while the child runs, a step per `next`:
    done between the child's messages, so that the pipe never fills and holds the child up. Returns
    the volumes received and, if the child failed, why; the kernel's messages about the elements it
    did not build go into `errors` (see `_child` for `repairs`)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(file, [e.id() for e in include], threads, reorient, send, repairs), daemon=True
    )
    child.start()
    send.close()
    result: dict[int, GeometryVolume] = {}
    failure: str | None = None
    work = meanwhile if meanwhile is not None else iter(())
    working, last = True, time.monotonic()  # last: when the child was last heard from
    while True:
        if working and not receive.poll(0):
            working = next(work, None) is not None
            if time.monotonic() - last <= stall_s:
                continue
        if not receive.poll(max(0.0, stall_s - (time.monotonic() - last))):
            failure = f"{STALLED} {stall_s:g} s and was stopped"
            child.kill()
            break
        last = time.monotonic()
        try:
            message = receive.recv()
        except EOFError:
            failure = "the geometry kernel stopped abnormally (crashed)"
            break
        if message is None:
            break
        if isinstance(message, str):
            failure = message
            break
        if isinstance(message, tuple):  # ("errors", {step id: the kernel's message})
            if errors is not None:
                errors.update(message[1])
            continue
        for shape_id, measured in message:
            result[shape_id] = measured
            tick()
    for _ in work:  # what is left of it when the child ended early
        pass
    child.join(timeout=10)
    if child.is_alive():
        child.kill()
    receive.close()
    return result, failure


def volumes(
    file: Any,
    elements: Iterable[Any],
    *,
    threads: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    stall_s: float = DEFAULT_STALL_S,
) -> dict[int, GeometryVolume]:
    """Geometry volume by element step id for every element that has a body representation; one the
    kernel could not build gets a volume of None and a note saying why.

    `threads` is the cores to use (all, when None): the kernel runs `kernel_threads(threads)` workers
    on them, in a child process (see `_iterate`). `on_progress` is called with the number of shapes
    done so far. `stall_s` seconds without a new shape stop the kernel, and the elements it had not
    reached are listed as such. A crash stops no more than the elements that cause it (`_isolate`).

    Revit and furniture breps often have faces turned the wrong way. The kernel can turn them back
    (``reorient-shells``), but doing that for every element costs much time; so their shells are
    turned outwards on the mesh (`mesh.outward_faces`: most such elements), and a second pass
    re-meshes, reoriented, only the elements whose mesh could not be turned so.
    """
    include = [e for e in elements if getattr(e, "Representation", None) is not None]
    if not include:
        return {}
    threads = kernel_threads(threads or multiprocessing.cpu_count())
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done)

    invalid: dict[int, str] = {}  # the bodies that are invalid IFC, read here while the kernel meshes

    errors: dict[int, str] = {}  # the kernel's messages about the elements it built no body for
    result, failure = _iterate(
        file, include, threads, False, tick, stall_s, _invalid_bodies(include, invalid), None, errors
    )
    if failure is not None and not failure.startswith(STALLED):  # a crash: find the element(s) causing it
        found, culprits = _isolate(file, [e for e in include if e.id() not in result], tick, stall_s)
        result.update(found)
        result.update(culprits)
        failure = failure if len(result) < len(include) else None
    for shape_id in invalid.keys() & result.keys():  # meshed, but not to be trusted
        result[shape_id] = GeometryVolume(None, invalid[shape_id])
    misoriented = [file.by_id(i) for i, v in result.items() if v.note.startswith(ORIENTATION_PROBLEM)]
    if misoriented and failure is None:
        done -= len(misoriented)
        again, failure = _iterate(file, misoriented, threads, True, tick, stall_s)
        result.update(again)
    if failure is None and len(result) < len(include):
        left = [e for e in include if e.id() not in result]
        _build_again(file, left, threads, tick, stall_s, result, errors)
    for element in include:
        if element.id() not in result:
            why = failure or _why_unbuilt(element, errors.get(element.id()))
            result[element.id()] = GeometryVolume(None, f"no geometry: {why}")
    return result


def _build_again(
    file: Any,
    left: list[Any],
    threads: int,
    tick: Callable[[], None],
    stall_s: float,
    result: dict[int, GeometryVolume],
    errors: dict[int, str],
) -> None:
    """Mesh again the elements the kernel built no body for: with their stray ``*`` set to unset
    (`unbuilt.bare_stars`), and on two threads at least (on one, the iterator builds nothing of a run
    when one element throws). The kernel's messages about those still not built go into `errors`."""
    repairs: Repairs = {}
    for element in left:
        try:
            if positions := unbuilt.bare_stars(element):
                repairs[element.id()] = positions
        except DAMAGE:
            continue
    if not repairs and threads > 1:  # nothing to repair, and each failure was the element's own
        return
    again, _ = _iterate(file, left, max(threads, 2), False, tick, stall_s, None, repairs, errors)
    for eid, measured in again.items():
        if eid in repairs and measured.volume_m3 is not None:
            names = ", ".join(file.by_id(eid).attribute_name(i) for i in repairs[eid])
            note = f"{names} written as * (the STEP mark of a derived value): read as unset to measure it"
            measured = replace(measured, note=note)
        result[eid] = measured


def _why_unbuilt(element: Any, message: str | None) -> str:
    """Why the kernel built no body for an element: its own message, if it gave one, and the body."""
    try:
        body = unbuilt.describe_body(element)
    except DAMAGE as error:
        body = f"its body could not be read ({type(error).__name__}: {error})"
    said = f": {message}" if message else ""
    return f"the geometry kernel could not build its body{said} ({body})"


def _invalid_bodies(elements: list[Any], invalid: dict[int, str], step: int = 256) -> Iterator[object]:
    """Note in `invalid` why the body of each element whose body is invalid IFC gives no volume (see
    `validity`), `step` elements per `next`."""
    seen: dict[int, str | None] = {}
    for start in range(0, len(elements), step):
        for element in elements[start : start + step]:
            try:
                problem = body_problem(element, seen)
            except DAMAGE as error:  # a damaged entity in the representation
                problem = f"body geometry could not be read ({type(error).__name__}: {error})"
            if problem is not None:
                invalid[element.id()] = f"{problem}: no volume from geometry"
        yield start


def _isolate(
    file: Any, suspects: list[Any], tick: Callable[[], None], stall_s: float
) -> tuple[dict[int, GeometryVolume], dict[int, GeometryVolume]]:
    """After the kernel crashed, measure the elements it had not reached: run them again on one
    thread, and split the unmeasured ones of every run that crashes in halves, until each element
    that crashes the kernel is alone (it is listed) and every other one is measured. A stall ends the
    search (another run would wait as long again). Returns (volumes, the culprits' notes)."""
    measured: dict[int, GeometryVolume] = {}
    culprits: dict[int, GeometryVolume] = {}
    queue = [suspects] if suspects else []
    runs = 0
    while queue and runs < MAX_ISOLATION_RUNS:
        group = queue.pop(0)
        runs += 1
        got, failure = _iterate(file, group, 1, False, tick, stall_s)
        measured.update(got)
        if failure is None:
            continue
        left = [e for e in group if e.id() not in got]
        if len(left) == 1:
            note = f"no geometry: {failure} on this element (the others were measured without it)"
            culprits[left[0].id()] = GeometryVolume(None, note)
        elif left and not failure.startswith(STALLED):
            queue += [left[: len(left) // 2], left[len(left) // 2 :]]
        elif left:
            return measured, culprits
    return measured, culprits


def profile_area_m2(profile: Any) -> float | None:
    """Area of an IfcProfileDef in m², from the outline ifcopenshell draws for it.

    The outline comes back as edges (outer boundary and voids); the area is the even-odd union of
    the rings they close, so a hollow section's void is subtracted. None when it cannot be drawn.
    """
    try:
        shape: Any = ifcopenshell.geom.create_shape(_settings(PROFILE_DEFLECTION), profile)
    except (RuntimeError, ValueError, ifcopenshell.Error):
        return None
    verts = np.asarray(shape.verts, dtype=float).reshape(-1, 3)[:, :2]
    edges = np.asarray(shape.edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) == 0:
        return None
    lines = [shapely.LineString([verts[a], verts[b]]) for a, b in edges if a != b]
    faces = list(polygonize(lines))
    if not faces:
        return None
    # polygonize returns every face of the planar graph, voids included; a face is material when
    # it lies inside an odd number of rings, which the symmetric difference of the shells gives.
    shells = [shapely.Polygon(f.exterior) for f in faces]
    region = shells[0]
    for shell in shells[1:]:
        region = region.symmetric_difference(shell)
    area = float(region.area)
    return area if area > 0 else None
