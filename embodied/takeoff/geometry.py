"""Volumes from the body geometry, computed by ifcopenshell.geom (openings subtracted).

The iterator runs on every core. A volume is only trusted from a closed triangle mesh: each edge of
a closed shell is shared by two triangles (after welding coincident vertices), and of several closed
shells touching along a face (Revit writes one shell per layer) by an even number. An open mesh,
such as a surface-modelled window or a furniture block of loose faces, gives no volume and says so.
A closed mesh with triangles turned the wrong way (Revit breps often have some) is measured with each
of its shells turned outwards (`outward_faces`), or else re-meshed by the kernel with its shells
reoriented (`volumes`).
"""

from __future__ import annotations

import bisect
import faulthandler
import multiprocessing
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
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
from embodied.takeoff.validity import body_problem

DEFAULT_STALL_S = 300.0  # seconds without a new shape before the geometry kernel is stopped
STALLED = "the geometry kernel gave no result for"
# After a crash, the elements not yet measured are run again, halves by halves, to find the ones that
# crash the kernel; at most this many extra kernel runs (each costs a process start and the elements'
# meshing again), then the elements still unresolved are listed with the crash.
MAX_ISOLATION_RUNS = 16
# shapes measured and sent together (see batch_volumes): at most BATCH shapes, BATCH_TRIANGLES
# triangles (a batch of large breps held at once cost the Janesville restaurant 0.5 GB and 40 % more
# time) or BATCH_S seconds of waiting
BATCH, BATCH_TRIANGLES, BATCH_S = 128, 20_000, 0.5
# elements whose top-view area is their area when no base quantity gives it (spaces: see `spaces`)
FOOTPRINT_CLASSES = ("IfcSlab", "IfcSpace")
ORIENTATION_PROBLEM = "body geometry is not consistently oriented"
WELD_M = 1e-6  # vertices within a micrometre of each other are one
# Curves are meshed finely enough that a round column's volume is within 0.2 % (the kernel's default
# 0.5 rad makes 13-gons, 3.8 % short); profile outlines, which are cheap, finer still.
SOLID_DEFLECTION = (0.1, 0.0005)  # (angular rad, linear m)
PROFILE_DEFLECTION = (0.01, 0.00001)
# The multi-threaded iterator of ifcopenshell 0.9 hands the elements to its worker threads from one
# thread that polls them without ever sleeping (Iterator.cpp, process_concurrently). With as many
# workers as cores, that thread takes a core's share from them, and while the scheduler has set it
# aside a worker that finished waits for its next element. More workers than cores hide both: on
# 2 cores, 8 workers meshed the 10k grid in 8.0 s instead of 15.6 s and the Janesville restaurant
# in 15.7 s instead of 23.1 s, for 180 MB more there (shapes in progress at once). See `kernel_threads`.
WORKERS_PER_CORE, EXTRA_WORKERS_MAX = 4, 8


Repairs = dict[int, tuple[int, ...]]  # step id -> positions of attributes to set to unset (`unbuilt`)


@dataclass(frozen=True, slots=True)
class GeometryVolume:
    volume_m3: float | None  # None when the mesh is not a closed solid
    note: str = ""
    footprint_m2: float | None = None  # top-view area, computed for slabs only (FOOTPRINT_CLASSES)


class PackedVolumes(Mapping[int, GeometryVolume]):
    """Geometry volumes by element step id, packed for the take-off of a large model (takeoff.apart):
    the step ids and volumes in two arrays, and whole only the volumes with a note or a footprint. A
    volume is made again when it is asked for. The 100 000 volumes of the 100k grid (15 000 slabs
    with a footprint) take 3.9 MB instead of 16 MB (an object, its float, its key and a dictionary
    entry each)."""

    def __init__(self, volumes: Mapping[int, GeometryVolume]) -> None:
        plain = {i: v.volume_m3 for i, v in volumes.items() if v == GeometryVolume(v.volume_m3)}
        ids = sorted(i for i, volume in plain.items() if volume is not None)
        self._ids = array("q", ids)
        self._volumes = array("d", [plain[i] or 0.0 for i in ids])
        self._whole = {i: v for i, v in volumes.items() if plain.get(i) is None}

    def __getitem__(self, eid: int) -> GeometryVolume:
        whole = self._whole.get(eid)
        if whole is not None:
            return whole
        at = bisect.bisect_left(self._ids, eid)
        if at == len(self._ids) or self._ids[at] != eid:
            raise KeyError(eid)
        return GeometryVolume(self._volumes[at])

    def __iter__(self) -> Iterator[int]:
        yield from self._ids
        yield from self._whole

    def __len__(self) -> int:
        return len(self._ids) + len(self._whole)


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


def _welded_triangles(verts: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Triangles re-indexed onto welded vertices (within WELD_M), degenerate ones dropped; the mask of
    the triangles kept; the number of welded vertices."""
    verts = verts.reshape(-1, 3)
    welded = _weld(verts, np.zeros(len(verts), dtype=np.int64))
    tri = welded[faces.reshape(-1, 3)]
    keep = (tri[:, 0] != tri[:, 1]) & (tri[:, 1] != tri[:, 2]) & (tri[:, 0] != tri[:, 2])
    return tri[keep], keep, int(welded.max(initial=-1)) + 1


def _weld(verts: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """One id per vertex, shared by the vertices of the same mesh within WELD_M of each other (on
    the same point of a grid of WELD_M): a lexicographic sort of (mesh, x, y, z) on that grid."""
    with np.errstate(invalid="ignore"):
        grid = np.round(verts / WELD_M).astype(np.int64)
    order = np.lexsort((grid[:, 2], grid[:, 1], grid[:, 0], mesh))
    keyed = np.column_stack([mesh, grid])[order]
    welded = np.empty(len(order), dtype=np.int64)
    if len(order):
        welded[order] = np.cumsum(np.concatenate(([True], (keyed[1:] != keyed[:-1]).any(axis=1)))) - 1
    return welded


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order that sorts `values`; where, in that order, each run of equal values starts; and each
    run's length."""
    order = np.argsort(values)
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if len(values) else order
    return order, starts, np.diff(np.append(starts, len(values)))


def solid_problem(verts: np.ndarray, faces: np.ndarray) -> str | None:
    """Why the triangle mesh is not a closed, consistently oriented solid; None when it is.

    Closed: every edge borders an even number of triangles (2, or 4 where closed shells touch), so
    no edge is a free border. Oriented: each edge is walked as often in one direction as in the
    other, so the signed volume is meaningful.
    """
    if len(faces) == 0:
        return "body geometry has no faces"
    tri, _, n = _welded_triangles(verts, faces)
    if len(tri) == 0:
        return "body geometry has no faces"
    start = tri.reshape(-1)
    end = tri[:, [1, 2, 0]].reshape(-1)
    order, starts, counts = _runs(np.minimum(start, end) * n + np.maximum(start, end))  # edge: one integer
    if np.any(counts % 2):
        return "body geometry is not a closed solid"
    forward = np.add.reduceat((start < end)[order].astype(np.int64), starts)
    if np.any(2 * forward != counts):
        return ORIENTATION_PROBLEM
    return None


def outward_faces(verts: np.ndarray, faces: np.ndarray) -> np.ndarray | None:
    """The faces of a closed mesh that is not consistently oriented, with triangles turned so that each
    closed shell faces outwards, as the kernel's ``reorient-shells`` turns them; None when that does
    not give a consistently oriented mesh (a non-orientable shell, or shells meeting along an edge
    that they do not walk as often one way as the other: the kernel then re-meshes the element).
    Degenerate triangles are left out (they enclose nothing). See `_turned`."""
    verts, faces = verts.reshape(-1, 3), faces.reshape(-1, 3)
    tri, keep, _ = _welded_triangles(verts, faces)
    if len(tri) == 0:
        return None
    kept = faces[keep]
    turn, failed = _turned(tri, _signed(verts[kept]), np.zeros(len(tri), dtype=np.int64))
    return None if len(failed) else np.where(turn[:, None], kept[:, [0, 2, 1]], kept)


def _signed(corners: np.ndarray) -> np.ndarray:
    """Six times the signed volume of the tetrahedron (origin, p1, p2, p3) of each triangle."""
    return np.einsum("ij,ij->i", corners[:, 0], np.cross(corners[:, 1], corners[:, 2]))


def _turned(tri: np.ndarray, signed: np.ndarray, mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For closed triangle meshes (welded vertex indices, unique across meshes; `signed` as `_signed`
    gives; `mesh` the mesh of each triangle): which triangles to turn so that every shell faces
    outwards, and the meshes for which that does not give a consistently oriented mesh.

    Checked against the kernel on the Janesville restaurant, whose Revit breps are often turned inside
    out: of its 295 such meshes, 288 get the kernel's volume to 1e-6 and the other 7 fail here. Re-meshing
    all of them cost a fifth of its geometry time; this is a few numpy passes per batch of meshes.

    Two triangles sharing an edge that borders only them are one shell and must walk that edge in
    opposite directions. In the doubled graph whose nodes are (triangle as it is, triangle turned),
    such an edge joins t to u, and t turned to u turned, when they walk it in opposite directions, and
    t to u turned (and t turned to u) when they walk it the same way. A shell is orientable when no
    triangle is in the component of itself turned. The component holding the lowest node of a shell
    holds its lowest triangle as it is: a triangle is turned to agree with that one when its turned
    node is there. Then a shell enclosing a negative volume is turned as a whole. Edges bordering
    more than two triangles (closed shells touching) are checked last: each must be walked as often one
    way as the other."""
    start = tri.reshape(-1)
    end = tri[:, [1, 2, 0]].reshape(-1)
    forward = start < end
    n = int(tri.max()) + 1
    order, first, counts = _runs(np.minimum(start, end) * n + np.maximum(start, end))
    pairs = first[counts == 2]
    a, b = order[pairs], order[pairs + 1]  # the two half-edges of each edge bordering two triangles
    same_way = (forward[a] == forward[b]).astype(np.int64)
    ta, tb = a // 3, b // 3
    root = _components(
        2 * len(tri),
        np.concatenate([2 * ta, 2 * ta + 1]),
        np.concatenate([2 * tb + same_way, 2 * tb + 1 - same_way]),
    )
    as_is, turned = root[0::2], root[1::2]
    turn = as_is > turned
    shell = np.minimum(as_is, turned)
    enclosed = np.bincount(shell, weights=np.where(turn, -signed, signed), minlength=len(root))
    turn ^= enclosed[shell] < 0
    walked = np.add.reduceat((forward ^ np.repeat(turn, 3))[order].astype(np.int64), first)
    unbalanced = order[first[2 * walked != counts]] // 3
    failed = np.union1d(mesh[as_is == turned], mesh[unbalanced])
    return turn, failed


def _components(count: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The lowest node of each node's connected component in the graph of edges (u[i], v[i]): roots are
    hooked onto lower roots along every edge that still joins two, then paths are compressed; a few
    rounds, each a numpy pass over the edges."""
    root = np.arange(count)
    while True:
        ru, rv = root[u], root[v]
        low, high = np.minimum(ru, rv), np.maximum(ru, rv)
        joins = low != high
        if not joins.any():
            return root
        np.minimum.at(root, high[joins], low[joins])
        while True:
            hop = root[root]
            if np.array_equal(hop, root):
                break
            root = hop


def mesh_volume(verts: np.ndarray, faces: np.ndarray) -> float:
    """Volume enclosed by a closed, oriented triangle mesh: the sum of the signed tetrahedra
    (origin, p1, p2, p3), as ifcopenshell.util.shape.get_volume computes it, vectorised (that
    function loops in Python, which dominated the take-off of large models)."""
    return abs(float(_signed(verts.reshape(-1, 3)[faces.reshape(-1, 3)]).sum()) / 6.0)


def mesh_result(verts: np.ndarray, faces: np.ndarray) -> GeometryVolume:
    """The volume of one mesh, or why it has none (`batch_volumes` does the same for many). A closed
    mesh whose shells are not consistently oriented is measured with its shells turned outwards
    (`outward_faces`), where that can be done."""
    with np.errstate(invalid="ignore"):
        problem = solid_problem(verts, faces)
    finite = bool(np.all(np.isfinite(verts)))
    if problem == ORIENTATION_PROBLEM and finite:
        outward = outward_faces(verts, faces)
        problem, faces = (problem, faces) if outward is None else (None, outward)
    if problem is not None:
        return GeometryVolume(None, f"{problem}: no volume from geometry")
    if not finite:
        return GeometryVolume(None, "body geometry has coordinates that are not finite numbers: no volume")
    return _closed_volume(verts.reshape(-1, 3), faces.reshape(-1, 3))


def batch_volumes(
    meshes: Sequence[tuple[np.ndarray, np.ndarray]], footprints: Sequence[bool] = ()
) -> list[GeometryVolume]:
    """`mesh_result` of many meshes (vertices, faces) at once: the same checks and numbers, in a
    few numpy calls for the whole batch instead of twenty per mesh (which cost as much as a tenth of
    the kernel's own time on simple extrusions). Vertices are welded within their own mesh only.
    The meshes flagged in `footprints` also get their top-view area (`footprint_area`), of the mesh
    as measured (with its shells turned outwards, where they were)."""
    count = len(meshes)
    if count == 0:
        return []
    verts = [np.asarray(v, dtype=float).reshape(-1, 3) for v, _ in meshes]
    faces = [np.asarray(f, dtype=np.int64).reshape(-1, 3) for _, f in meshes]
    n_verts = np.array([len(v) for v in verts], dtype=np.int64)
    n_faces = np.array([len(f) for f in faces], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(n_verts)[:-1]))
    all_verts = np.concatenate(verts) if n_verts.sum() else np.zeros((0, 3))
    tri_mesh = np.repeat(np.arange(count), n_faces)
    all_faces = (
        np.concatenate(faces) + np.repeat(offsets, n_faces)[:, None]
        if n_faces.sum()
        else np.zeros((0, 3), int)
    )
    vert_mesh = np.repeat(np.arange(count), n_verts)
    welded = _weld(all_verts, vert_mesh)
    tri = welded[all_faces]
    keep = (tri[:, 0] != tri[:, 1]) & (tri[:, 1] != tri[:, 2]) & (tri[:, 0] != tri[:, 2])
    tri, tri_mesh_kept = tri[keep], tri_mesh[keep]
    no_faces = np.bincount(tri_mesh_kept, minlength=count) == 0
    # edges: each undirected edge is one integer; a mesh is closed when each of its edges borders an
    # even number of triangles, oriented when each is walked as often one way as the other
    n = int(welded.max(initial=-1)) + 1
    start = tri.reshape(-1)
    end = tri[:, [1, 2, 0]].reshape(-1)
    order, starts, counts = _runs(np.minimum(start, end) * n + np.maximum(start, end))
    mesh_of_edge = np.repeat(tri_mesh_kept, 3)[order[starts]]
    open_mesh = np.bincount(mesh_of_edge[counts % 2 == 1], minlength=count) > 0
    forward = np.add.reduceat((start < end)[order].astype(np.int64), starts) if len(starts) else counts
    misoriented = np.bincount(mesh_of_edge[2 * forward != counts], minlength=count) > 0
    finite = np.bincount(vert_mesh[~np.isfinite(all_verts).all(axis=1)], minlength=count) == 0
    # closed meshes not consistently oriented: their shells turned outwards, where that can be done
    outward: dict[int, np.ndarray] = {}
    turnable = misoriented & ~open_mesh & finite
    if turnable.any():
        chosen = turnable[tri_mesh_kept]
        chosen_faces, meshes_of = all_faces[keep][chosen], tri_mesh_kept[chosen]  # in mesh order
        turn, failed = _turned(tri[chosen], _signed(all_verts[chosen_faces]), meshes_of)
        local = chosen_faces - offsets[meshes_of][:, None]
        local[turn] = local[turn][:, [0, 2, 1]]
        bounds = np.searchsorted(meshes_of, np.arange(count + 1))
        for i in set(np.flatnonzero(turnable).tolist()) - set(failed.tolist()):
            outward[i] = local[bounds[i] : bounds[i + 1]]
    # six times the volume each mesh encloses, as `mesh_volume` sums it (one numpy pass for the batch)
    with np.errstate(invalid="ignore", over="ignore"):  # meshes with coordinates not finite are listed
        enclosed = np.bincount(tri_mesh, weights=_signed(all_verts[all_faces]), minlength=count)
    results: list[GeometryVolume] = []
    for i in range(count):
        mesh_faces = outward.get(i, faces[i])
        if n_faces[i] == 0 or no_faces[i]:
            problem: str | None = "body geometry has no faces"
        elif open_mesh[i]:
            problem = "body geometry is not a closed solid"
        elif misoriented[i] and i not in outward:
            problem = ORIENTATION_PROBLEM
        else:
            problem = None
        if problem is not None:
            results.append(GeometryVolume(None, f"{problem}: no volume from geometry"))
        elif not finite[i]:
            results.append(
                GeometryVolume(None, "body geometry has coordinates that are not finite numbers: no volume")
            )
        else:
            volume = None if i in outward else float(abs(enclosed[i]) / 6.0)
            results.append(_closed_volume(verts[i], mesh_faces, volume))
        if i < len(footprints) and footprints[i] and len(mesh_faces):
            results[-1] = replace(results[-1], footprint_m2=footprint_area(verts[i], mesh_faces) or None)
    return results


def _closed_volume(verts: np.ndarray, faces: np.ndarray, volume: float | None = None) -> GeometryVolume:
    """The volume of a closed, oriented mesh (`mesh_volume`, unless given), unless it exceeds the
    mesh's bounding box."""
    volume = mesh_volume(verts, faces) if volume is None else volume
    box = float(np.prod(verts.max(axis=0) - verts.min(axis=0)))
    if volume > box * 1.001:
        return GeometryVolume(
            None, f"body geometry gives {volume:.3f} m³, more than its bounding box ({box:.3f} m³): no volume"
        )
    return GeometryVolume(volume)


def footprint_area(verts: np.ndarray, faces: np.ndarray) -> float:
    """The top-view area of a mesh, as ``ifcopenshell.util.shape.get_footprint_area`` computes it along
    Z (the union of the triangles facing up, normal z above 0.01, projected on the plan), in a few
    numpy and shapely calls per mesh instead of a Python loop per vertex (2.6 s for the 1 500 slabs of
    the 10k grid, on the geometry process's one thread that every shape passes through)."""
    corners = verts.reshape(-1, 3)[faces.reshape(-1, 3)]
    normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    with np.errstate(invalid="ignore", divide="ignore"):
        up = normal[:, 2] / np.linalg.norm(normal, axis=1) > 0.01
    if not up.any():
        return 0.0
    return float(shapely.union_all(shapely.polygons(corners[up][:, [0, 1, 2, 0], :2])).area)


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
    (``reorient-shells``), but doing that for every element cost 75 % more time on the Janesville
    restaurant; so their shells are turned outwards on the mesh (`outward_faces`: 288 of the 295
    such elements there), and a second pass re-meshes, reoriented, only the elements whose mesh could
    not be turned so (7 there; re-meshing all 295 took 4.1 s).
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
