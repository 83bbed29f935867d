"""The 3D view's geometry: every element's triangulated body in world coordinates (metres), from the
ifcopenshell kernel, as one compact binary the page's viewer (templates/web/static/viewer.js) reads.

Format (little-endian): ``b"EMB3"``, uint32 header length, the header (UTF-8 JSON, padded with
spaces to a multiple of 4 bytes), Float32 positions (x, y, z per vertex, y up: IFC (x, y, z) is
written (x, z, -y), less ``origin``), then Uint32 triangle indices into the positions. The header::

    {"format": 4, "origin": [x, y, z], "vertex_count": N, "index_count": M,
     "bbox": [[x, y, z], [x, y, z]] (world, y up), "skipped": K,
     "elements": [{"id": GlobalId, "class": "IfcWall", "name": ..., "first_vertex": i,
                   "vertex_count": n, "first_index": j, "index_count": m}, ...]}

Elements are sorted by GlobalId (the same model gives the same bytes); ``skipped`` counts the elements
with a representation the kernel built no triangles for. The kernel runs in a child process, as the
take-off's does (embodied.takeoff.geometry): an element it crashes or hangs on stops the 3D view, never
the server. It is forked, like the take-off's: a spawned process would run the caller's main module
again (an unguarded script, or the server itself), and the child takes no lock of the server's threads
(it opens the model and runs the kernel only). The result is cached by the model's bytes, the format
and the ifcopenshell version.
"""

from __future__ import annotations

import contextlib
import faulthandler
import hashlib
import json
import multiprocessing
import os
import struct
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import ifcopenshell
import numpy as np

from embodied import reading
from embodied.errors import InputError
from embodied.takeoff.select import EXCLUDED_CLASSES

SCENE_FORMAT = 4  # 2: meshes placed by their matrix; 3: "origin"; 4: the take-off's elements only
# (a new format is a new cache key: older scenes are not served)
MAGIC = b"EMB3"
FAR_M = 10_000.0  # a model further from its origin than this is written from an origin of its own
# an element's GlobalId, class, name, vertices (n × 3, IFC axes, m) and triangles (m × 3)
Shape = tuple[str, str, str | None, np.ndarray, np.ndarray]
DEFLECTION = (0.5, 0.01)  # (angular rad, linear m): coarser than the take-off's, for the eye only


def scene_bytes(model_path: Path, cache_dir: Path | None = None, timeout_s: float = 600.0) -> bytes:
    """The scene of the model at `model_path` (from `cache_dir` when it is there). A model the kernel
    cannot build is an InputError naming it."""
    reading.check_file(model_path)  # a file that is not IFC: the CLI's one line, before any process
    key = _key(model_path)
    cached = cache_dir / f"scene-{key}.bin" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        with contextlib.suppress(OSError):
            return cached.read_bytes()
    tmp = _scratch(cache_dir)
    if cache_dir is not None and tmp.parent != cache_dir:
        cached = None  # a cache folder that cannot be written: the scene is built, not kept
    try:
        _build_apart(model_path, tmp, timeout_s)
        data = tmp.read_bytes()
        if cached is not None:
            with contextlib.suppress(OSError):
                os.replace(tmp, cached)
        return data
    finally:
        tmp.unlink(missing_ok=True)


def _scratch(cache_dir: Path | None) -> Path:
    """An empty file for the child to write the scene into: in `cache_dir` (so that the finished
    scene is moved into place in one step), else, or if it cannot be written, in the temp folder."""
    if cache_dir is not None:
        with contextlib.suppress(OSError):
            cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, name = tempfile.mkstemp(prefix=".scene-", suffix=".part", dir=cache_dir)
            os.close(fd)
            return Path(name)
    fd, name = tempfile.mkstemp(prefix="embodied-scene-", suffix=".part")
    os.close(fd)
    return Path(name)


def _key(model_path: Path) -> str:
    try:
        sha256 = reading.file_digest(model_path)[0]
    except OSError as error:
        raise InputError(f"{model_path.name}: 3D view: cannot be read ({error.strerror or error})") from None
    return hashlib.sha256(f"{sha256}|{SCENE_FORMAT}|{ifcopenshell.version}".encode()).hexdigest()


def _build_apart(model_path: Path, out: Path, timeout_s: float) -> None:
    """Build the scene in a child process, which writes it to `out`; its failure is one line."""
    context = multiprocessing.get_context("fork")  # see the module's docstring
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(str(model_path), str(out), send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout_s):
            child.kill()
            raise InputError(
                f"{model_path.name}: 3D view: the geometry kernel gave no result in {timeout_s:g} s"
            )
        message = receive.recv()
    except EOFError:  # the child ended without a word: a crash of the kernel
        child.join(5)
        message = f"the geometry kernel stopped (exit code {child.exitcode})"
    finally:
        child.join(5)
        if child.is_alive():
            child.kill()
        receive.close()
    if message != "ok":
        raise InputError(f"{model_path.name}: 3D view: {message}")


def _child(path: str, out: str, send: Connection) -> None:
    faulthandler.disable()  # a crash of the kernel is reported by the parent, not dumped on the terminal
    try:
        model = reading.open_model(path)
        Path(out).write_bytes(build(model.file))
        send.send("ok")
    except InputError as error:
        send.send(error.one_line())
    except Exception as error:  # the parent says it in one line
        send.send(f"{type(error).__name__}: {error}")
    finally:
        send.close()


def elements_of(file: Any) -> list[Any]:
    """The elements shown: those the take-off counts (IfcElement but the classes it leaves out:
    features, virtual and geographic elements, `takeoff.select.EXCLUDED_CLASSES`) with a representation
    of their own (an aggregate without one, a roof of slabs, is drawn by its parts)."""
    return [
        e
        for e in file.by_type("IfcElement")
        if e.Representation is not None and not any(e.is_a(c) for c in EXCLUDED_CLASSES)
    ]


def build(file: Any, threads: int | None = None) -> bytes:
    """The scene of an opened ifcopenshell file. The kernel meshes in the elements' own coordinates
    and each mesh is placed here by its matrix: in world coordinates the kernel would mesh every
    instance of a mapped representation (a family of furniture, say) again, 8 times slower on the
    largest shared model (185 s against 23 s)."""
    import ifcopenshell.geom
    import ifcopenshell.util.shape

    from embodied.takeoff.geometry import kernel_threads

    settings = ifcopenshell.geom.settings()
    settings.set("weld-vertices", True)
    settings.set("mesher-angular-deflection", DEFLECTION[0])
    settings.set("mesher-linear-deflection", DEFLECTION[1])
    include = elements_of(file)
    shapes: dict[int, Shape] = {}  # by step id: two elements may share a GlobalId in a damaged model
    if include:
        workers = kernel_threads(threads or multiprocessing.cpu_count())
        iterator = ifcopenshell.geom.iterator(settings, file, workers, include=include)
        if iterator.initialize():
            while True:
                shape = iterator.get()
                verts = np.asarray(ifcopenshell.util.shape.get_vertices(shape.geometry), dtype=np.float64)
                faces = np.asarray(ifcopenshell.util.shape.get_faces(shape.geometry), dtype=np.uint32)
                if len(verts) and len(faces):
                    matrix = np.asarray(ifcopenshell.util.shape.get_shape_matrix(shape), dtype=np.float64)
                    placed = verts @ matrix[:3, :3].T + matrix[:3, 3]
                    faces = faces.reshape(-1, 3)
                    if np.linalg.det(matrix[:3, :3]) < 0:  # a mirrored placement turns the faces inside out
                        faces = faces[:, ::-1]
                    shapes[shape.id] = (shape.guid, shape.type, shape.name or None, placed, faces)
                if not iterator.next():
                    break
    # by step id: elements sharing a GlobalId come in the same order every time (pack's sort is stable)
    return pack([shapes[i] for i in sorted(shapes)], skipped=len(include) - len(shapes))


def pack(shapes: list[Shape], skipped: int = 0) -> bytes:
    """The binary of the scene from each element's (GlobalId, class, name, vertices in IFC axes,
    triangles), in the order of their GlobalIds."""
    elements, positions, indices = [], [], []
    vertex_count = index_count = 0
    for gid, ifc_class, name, verts, faces in sorted(shapes, key=lambda s: s[0]):
        y_up = np.column_stack((verts[:, 0], verts[:, 2], -verts[:, 1]))
        elements.append(
            {
                "id": gid,
                "class": ifc_class,
                "name": name,
                "first_vertex": vertex_count,
                "vertex_count": len(y_up),
                "first_index": index_count,
                "index_count": faces.size,
            }
        )
        positions.append(y_up)
        indices.append((faces + vertex_count).astype(np.uint32))
        vertex_count += len(y_up)
        index_count += faces.size
    all_positions = np.concatenate(positions) if positions else np.zeros((0, 3), np.float64)
    bbox = (
        [all_positions.min(axis=0).tolist(), all_positions.max(axis=0).tolist()]
        if len(all_positions)
        else [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    )
    # Float32 keeps about 7 digits: a model placed far from its origin (map coordinates, 10⁶ m) would
    # lose centimetres to metres, so its positions are written from a whole-kilometre origin nearby.
    far = len(all_positions) and float(np.abs(all_positions).max()) > FAR_M
    origin = (np.floor(all_positions.min(axis=0) / 1000.0) * 1000.0) if far else np.zeros(3)
    all_positions = all_positions - origin
    header = {
        "format": SCENE_FORMAT,
        "origin": origin.tolist(),  # world (y-up) = position + origin
        "vertex_count": vertex_count,
        "index_count": index_count,
        "bbox": bbox,
        "skipped": skipped,
        "elements": elements,
    }
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    body = all_positions.astype("<f4").tobytes()
    body += (np.concatenate(indices) if indices else np.zeros(0, np.uint32)).astype("<u4").tobytes()
    return MAGIC + struct.pack("<I", len(text)) + text + body


def unpack(data: bytes) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """The header, positions (N × 3) and indices of a scene (for tests and tools)."""
    if data[:4] != MAGIC:
        raise ValueError("not a scene")
    (length,) = struct.unpack("<I", data[4:8])
    header: dict[str, Any] = json.loads(data[8 : 8 + length])
    start = 8 + length
    positions = np.frombuffer(data, "<f4", header["vertex_count"] * 3, start).reshape(-1, 3)
    indices = np.frombuffer(data, "<u4", header["index_count"], start + positions.nbytes)
    return header, positions, indices
