"""Measuring triangle meshes: a body's volume, or why it has none, and a slab's top-view area.

A volume is only trusted from a closed triangle mesh: each edge of a closed shell is shared by two
triangles (after welding coincident vertices), and of several closed shells touching along a face
(Revit writes one shell per layer) by an even number. An open mesh, such as a surface-modelled window
or a furniture block of loose faces, gives no volume and says so. A closed mesh with triangles turned
the wrong way (Revit breps often have some) is measured with each of its shells turned outwards
(`outward_faces`), where that can be done (else ``geometry`` re-meshes it). The meshes come from the
geometry kernel (``geometry``); this module holds the measures and their record, `GeometryVolume`.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely

ORIENTATION_PROBLEM = "body geometry is not consistently oriented"
WELD_M = 1e-6  # vertices within a micrometre of each other are one


@dataclass(frozen=True, slots=True)
class GeometryVolume:
    volume_m3: float | None  # None when the mesh is not a closed solid
    note: str = ""
    footprint_m2: float | None = None  # top-view area, slabs only (geometry.FOOTPRINT_CLASSES)


class PackedVolumes(Mapping[int, GeometryVolume]):
    """Geometry volumes by element step id, packed for the take-off of a large model (takeoff.apart):
    the step ids and volumes in two arrays, and whole only the volumes with a note or a footprint. A
    volume is made again when it is asked for: far less memory than an object, its float, its key and
    a dictionary entry for each volume."""

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

    Checked against the kernel on a Revit model whose breps are often turned inside out: the meshes
    turned here get the kernel's volume to 1e-6, the few others fail here. Re-meshing them all costs
    much of the geometry time; this is a few numpy passes per batch of meshes.

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
    few numpy calls for the whole batch instead of twenty per mesh. Vertices are welded within their
    own mesh only. The meshes flagged in `footprints` also get their top-view area (`footprint_area`),
    of the mesh as measured (with its shells turned outwards, where they were)."""
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
    numpy and shapely calls per mesh instead of a Python loop per vertex (on the geometry process's one
    thread that every shape passes through)."""
    corners = verts.reshape(-1, 3)[faces.reshape(-1, 3)]
    normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    with np.errstate(invalid="ignore", divide="ignore"):
        up = normal[:, 2] / np.linalg.norm(normal, axis=1) > 0.01
    if not up.any():
        return 0.0
    return float(shapely.union_all(shapely.polygons(corners[up][:, [0, 1, 2, 0], :2])).area)
