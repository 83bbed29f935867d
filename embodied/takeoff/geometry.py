"""Volumes from the body geometry, computed by ifcopenshell.geom (openings subtracted).

The iterator runs on every core. A volume is only trusted from a closed triangle mesh: each edge of
a closed shell is shared by two triangles (after welding coincident vertices), and of several closed
shells touching along a face (Revit writes one shell per layer) by an even number. An open mesh,
such as a surface-modelled window or a furniture block of loose faces, gives no volume and says so.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.shape
import numpy as np
import shapely
from shapely.ops import polygonize

from embodied.takeoff.validity import body_problem

DEFAULT_STALL_S = 300.0  # seconds without a new shape before the geometry kernel is stopped
STALLED = "the geometry kernel gave no result for"
# After a crash, the elements not yet measured are run again, halves by halves, to find the ones that
# crash the kernel; at most this many extra kernel runs (each costs a process start and the elements'
# meshing again), then the elements still unresolved are listed with the crash.
MAX_ISOLATION_RUNS = 16
FOOTPRINT_CLASSES = ("IfcSlab",)  # elements whose top-view area is their area when no base quantity gives it
ORIENTATION_PROBLEM = "body geometry is not consistently oriented"
WELD_M = 1e-6  # vertices within a micrometre of each other are one
# Curves are meshed finely enough that a round column's volume is within 0.2 % (the kernel's default
# 0.5 rad makes 13-gons, 3.8 % short); profile outlines, which are cheap, finer still.
SOLID_DEFLECTION = (0.1, 0.0005)  # (angular rad, linear m)
PROFILE_DEFLECTION = (0.01, 0.00001)


@dataclass(frozen=True, slots=True)
class GeometryVolume:
    volume_m3: float | None  # None when the mesh is not a closed solid
    note: str = ""
    footprint_m2: float | None = None  # top-view area, computed for slabs only (FOOTPRINT_CLASSES)


def _settings(deflection: tuple[float, float] = SOLID_DEFLECTION, *, reorient: bool = False) -> Any:
    settings = ifcopenshell.geom.settings()
    settings.set("weld-vertices", True)
    settings.set("reorient-shells", reorient)
    settings.set("mesher-angular-deflection", deflection[0])
    settings.set("mesher-linear-deflection", deflection[1])
    return settings


def _welded_triangles(verts: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, int]:
    """Triangles re-indexed onto welded vertices (within WELD_M), degenerate ones dropped."""
    grid = np.round(verts.reshape(-1, 3) / WELD_M).astype(np.int64)
    keys = np.ascontiguousarray(grid).view(np.dtype((np.void, grid.dtype.itemsize * 3))).ravel()
    _, welded = np.unique(keys, return_inverse=True)
    tri = welded.reshape(-1)[faces.reshape(-1, 3)]
    keep = (tri[:, 0] != tri[:, 1]) & (tri[:, 1] != tri[:, 2]) & (tri[:, 0] != tri[:, 2])
    return tri[keep], int(welded.max(initial=-1)) + 1


def solid_problem(verts: np.ndarray, faces: np.ndarray) -> str | None:
    """Why the triangle mesh is not a closed, consistently oriented solid; None when it is.

    Closed: every edge borders an even number of triangles (2, or 4 where closed shells touch), so
    no edge is a free border. Oriented: each edge is walked as often in one direction as in the
    other, so the signed volume is meaningful.
    """
    if len(faces) == 0:
        return "body geometry has no faces"
    tri, n = _welded_triangles(verts, faces)
    if len(tri) == 0:
        return "body geometry has no faces"
    start = tri.reshape(-1)
    end = tri[:, [1, 2, 0]].reshape(-1)
    edge = np.minimum(start, end) * n + np.maximum(start, end)  # one integer per undirected edge
    _, inverse, counts = np.unique(edge, return_inverse=True, return_counts=True)
    if np.any(counts % 2):
        return "body geometry is not a closed solid"
    forward = np.bincount(inverse, weights=start < end, minlength=len(counts))
    if np.any(2 * forward != counts):
        return ORIENTATION_PROBLEM
    return None


def is_closed(verts: np.ndarray, faces: np.ndarray) -> bool:
    """True when the mesh is a closed, consistently oriented solid (see `solid_problem`)."""
    return solid_problem(verts, faces) is None


def mesh_volume(verts: np.ndarray, faces: np.ndarray) -> float:
    """Volume enclosed by a closed, oriented triangle mesh: the sum of the signed tetrahedra
    (origin, p1, p2, p3), as ifcopenshell.util.shape.get_volume computes it, vectorised (that
    function loops in Python, which dominated the take-off of large models)."""
    p = verts.reshape(-1, 3)[faces.reshape(-1, 3)]
    return abs(float(np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], p[:, 2])).sum()) / 6.0)


def shape_volume(geometry: Any) -> GeometryVolume:
    verts = ifcopenshell.util.shape.get_vertices(geometry)
    faces = ifcopenshell.util.shape.get_faces(geometry).astype(np.int64)
    problem = solid_problem(verts, faces)
    if problem is not None:
        return GeometryVolume(None, f"{problem}: no volume from geometry")
    if not np.all(np.isfinite(verts)):
        return GeometryVolume(None, "body geometry has coordinates that are not finite numbers: no volume")
    volume = mesh_volume(verts, faces)
    box = float(np.prod(verts.max(axis=0) - verts.min(axis=0)))
    if volume > box * 1.001:
        return GeometryVolume(
            None, f"body geometry gives {volume:.3f} m³, more than its bounding box ({box:.3f} m³): no volume"
        )
    return GeometryVolume(volume)


def _measure(file: Any, shape: Any, seen: dict[int, str | None]) -> GeometryVolume:
    element = file.by_id(shape.id)
    invalid = body_problem(element, seen)
    if invalid is not None:
        return GeometryVolume(None, f"{invalid}: no volume from geometry")
    measured = shape_volume(shape.geometry)
    if element.is_a() in FOOTPRINT_CLASSES and len(shape.geometry.faces):
        footprint = float(ifcopenshell.util.shape.get_footprint_area(shape.geometry))
        measured = replace(measured, footprint_m2=footprint if footprint > 0 else None)
    return measured


def _child(file: Any, ids: list[int], threads: int, reorient: bool, conn: Connection) -> None:
    """In the forked geometry process: mesh and measure, send (id, volume) per shape, then None; on
    an error, its text instead (never a traceback on the user's terminal)."""
    try:
        include = [file.by_id(i) for i in ids]
        seen: dict[int, str | None] = {}
        iterator = ifcopenshell.geom.iterator(_settings(reorient=reorient), file, threads, include=include)
        if iterator.initialize():
            while True:
                shape = iterator.get()
                conn.send((shape.id, _measure(file, shape, seen)))
                if not iterator.next():
                    break
        conn.send(None)
    except BaseException as error:
        conn.send(f"the geometry kernel failed ({type(error).__name__}: {error})")
    finally:
        conn.close()


def _iterate(
    file: Any, include: list[Any], threads: int, reorient: bool, tick: Callable[[], None], stall_s: float
) -> tuple[dict[int, GeometryVolume], str | None]:
    """Run the kernel in a forked child process, so that an element it hangs on (no result for
    `stall_s` seconds) or crashes on (a segmentation fault in OpenCASCADE) stops only the geometry,
    never the run. Returns the volumes received and, if the child failed, why."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(file, [e.id() for e in include], threads, reorient, send), daemon=True
    )
    child.start()
    send.close()
    result: dict[int, GeometryVolume] = {}
    failure: str | None = None
    while True:
        if not receive.poll(stall_s):
            failure = f"{STALLED} {stall_s:g} s and was stopped"
            child.kill()
            break
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
        shape_id, measured = message
        result[shape_id] = measured
        tick()
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

    `on_progress` is called with the number of shapes done so far. The kernel runs in a child process
    (see `_iterate`): `stall_s` seconds without a new shape stop it, and the elements it had not
    reached are listed as such. A crash stops no more than the elements that cause it (`_isolate`).

    Revit and furniture breps often have faces turned the wrong way. The kernel can turn them back
    (``reorient-shells``), but doing that for every element cost 75 % more time on the Janesville
    restaurant; so a second pass re-meshes, reoriented, only the elements whose first mesh was
    inconsistently oriented (295 of 1514 there: 19.2 s + 4.1 s instead of 31.5 s, same volumes).
    """
    include = [e for e in elements if getattr(e, "Representation", None) is not None]
    if not include:
        return {}
    threads = threads or multiprocessing.cpu_count()
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done)

    result, failure = _iterate(file, include, threads, False, tick, stall_s)
    if failure is not None and not failure.startswith(STALLED):  # a crash: find the element(s) causing it
        found, culprits = _isolate(file, [e for e in include if e.id() not in result], tick, stall_s)
        result.update(found)
        result.update(culprits)
        failure = failure if len(result) < len(include) else None
    misoriented = [file.by_id(i) for i, v in result.items() if v.note.startswith(ORIENTATION_PROBLEM)]
    if misoriented and failure is None:
        done -= len(misoriented)
        again, failure = _iterate(file, misoriented, threads, True, tick, stall_s)
        result.update(again)
    missing = failure or "the geometry kernel could not build its body"
    for element in include:
        result.setdefault(element.id(), GeometryVolume(None, f"no geometry: {missing}"))
    return result


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
