"""The 3D view's geometry (embodied.web.scene) on a model whose answer is known by hand."""

from __future__ import annotations

import struct
from pathlib import Path

import modelkit
import numpy as np
import pytest

from embodied.errors import InputError
from embodied.web import scene

Model = tuple[Path, dict[str, str]]


def _volume(positions: np.ndarray, triangles: np.ndarray) -> float:
    """The volume of a closed mesh: the sum of the signed tetrahedra from the origin."""
    a, b, c = (positions[triangles[:, i]].astype(np.float64) for i in range(3))
    return float(abs(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) / 6.0)


def _triangles(header: dict[str, object], indices: np.ndarray, gid: str) -> np.ndarray:
    (e,) = [e for e in header["elements"] if e["id"] == gid]  # type: ignore[attr-defined,index]
    return indices[e["first_index"] : e["first_index"] + e["index_count"]].reshape(-1, 3)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    """In millimetres: a slab 10 m × 8 m × 0.2 m at the origin and a column 0.4 m × 0.5 m × 3 m
    centred on (20 m, 0, 0). Volumes 10 × 8 × 0.2 = 16 m³ and 0.4 × 0.5 × 3 = 0.6 m³."""
    m = modelkit.new_model("IFC4", "MILLIMETRE")
    modelkit.material(m, "C30混凝土", density=2400.0)
    slab = modelkit.add_slab(m, "C30混凝土", size=(10.0, 8.0, 0.2), name="slab")
    column = modelkit.add_column(
        m, "C30混凝土", size=(0.4, 0.5, 3.0), name="column", position=(20.0, 0.0, 0.0)
    )
    path = modelkit.save(m, tmp_path_factory.mktemp("scene") / "two.ifc", seed="scene")
    return path, {"slab": slab.GlobalId, "column": column.GlobalId}


@pytest.mark.slow  # the kernel runs in a child process
def test_two_elements_in_metres_y_up(model: Model) -> None:
    """A model in millimetres gives a scene in metres, y up, whose meshes hold the elements' volumes."""
    path, ids = model
    data = scene.scene_bytes(path)
    header, positions, indices = scene.unpack(data)
    assert [e["id"] for e in header["elements"]] == sorted(ids.values())
    assert header["format"] == scene.SCENE_FORMAT and header["skipped"] == 0
    assert header["vertex_count"] == len(positions) and header["index_count"] == len(indices)
    assert int(indices.max()) < header["vertex_count"] and len(indices) % 3 == 0
    # the layout: magic, length, header padded to 4 bytes, then 12 bytes a vertex and 4 an index
    (length,) = struct.unpack("<I", data[4:8])
    assert data[:4] == b"EMB3" and length % 4 == 0
    assert len(data) == 8 + length + 12 * header["vertex_count"] + 4 * header["index_count"]

    by_id = {e["id"]: e for e in header["elements"]}
    slab = by_id[ids["slab"]]
    assert slab["class"] == "IfcSlab" and slab["name"] == "slab"
    pts = positions[slab["first_vertex"] : slab["first_vertex"] + slab["vertex_count"]]
    # IFC x 0..10, y 0..8, z 0..0.2 -> scene (x, z, -y): x 0..10, y 0..0.2, z -8..0, in metres
    assert pts.min(axis=0).tolist() == pytest.approx([0.0, 0.0, -8.0], abs=1e-4)
    assert pts.max(axis=0).tolist() == pytest.approx([10.0, 0.2, 0.0], abs=1e-4)
    # the column, centred on IFC (20, 0), 3 m tall: scene x 19.8..20.2, y 0..3, z -0.25..0.25
    low, high = header["bbox"]
    assert low + high == pytest.approx([0.0, 0.0, -8.0, 20.2, 3.0, 0.25], abs=1e-4)
    slab_m3 = _volume(positions, _triangles(header, indices, ids["slab"]))
    column_m3 = _volume(positions, _triangles(header, indices, ids["column"]))
    assert slab_m3 == pytest.approx(16.0, rel=1e-4)  # 10 × 8 × 0.2
    assert column_m3 == pytest.approx(0.6, rel=1e-4)  # 0.4 × 0.5 × 3
    assert slab_m3 + column_m3 == pytest.approx(16.6, rel=1e-4)


@pytest.mark.slow
def test_cached_by_the_models_bytes(model: Model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second call reads the cache file; a model with other bytes is built again."""
    path, _ = model
    first = scene.scene_bytes(path, tmp_path)
    (entry,) = tmp_path.glob("scene-*.bin")
    assert entry.read_bytes() == first
    assert not list(tmp_path.glob("*.part"))  # the scratch file was moved into place

    def no_kernel(*_args: object) -> None:
        raise AssertionError("the kernel ran again")

    monkeypatch.setattr(scene, "_build_apart", no_kernel)
    assert scene.scene_bytes(path, tmp_path) == first  # from the cache
    other = tmp_path / "copy.ifc"
    other.write_bytes(path.read_bytes() + b"\n")  # other bytes: another key
    with pytest.raises(AssertionError, match="kernel ran again"):
        scene.scene_bytes(other, tmp_path)


@pytest.mark.slow
def test_a_cache_folder_that_cannot_be_written_is_not_used(model: Model, tmp_path: Path) -> None:
    """A cache folder that cannot be made (a file is in its place) gives the scene, uncached."""
    path, _ = model
    blocked = tmp_path / "cache"
    blocked.write_text("not a folder", encoding="utf-8")
    assert scene.scene_bytes(path, blocked) == scene.scene_bytes(path)
    assert blocked.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.slow
def test_a_kernel_that_takes_too_long_is_one_line(model: Model, tmp_path: Path) -> None:
    """A child process that gives no result in time is stopped; the error names the model."""
    path, _ = model
    with pytest.raises(InputError) as caught:
        scene.scene_bytes(path, tmp_path, timeout_s=0.01)
    assert caught.value.one_line() == "two.ifc: 3D view: the geometry kernel gave no result in 0.01 s"
    assert not list(tmp_path.iterdir())


def test_a_file_that_is_not_ifc_is_one_line(tmp_path: Path) -> None:
    """A file that is not IFC is refused, before any process, with the CLI's line naming it."""
    bad = tmp_path / "notes.ifc"
    bad.write_text("hello", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        scene.scene_bytes(bad, tmp_path)
    assert caught.value.one_line() == f"{bad}: not an IFC file (no ISO-10303-21 header)"  # as the CLI says
    assert "\n" not in str(caught.value) and bad.name in str(caught.value)
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob("scene-*"))


def test_pack_orders_by_globalid_and_keeps_ranges() -> None:
    """Elements come sorted by GlobalId (two sharing one both kept), with their vertex and index ranges
    and the triangles' indices moved to the whole array's."""
    tri = np.array([[0, 1, 2]], dtype=np.uint32)
    square = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.uint32)
    shapes: list[scene.Shape] = [
        ("b", "IfcWall", None, np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float), tri),
        ("a", "IfcSlab", "s", np.array([[0, 0, 0], [2, 0, 0], [2, 2, 0], [0, 2, 0]], float), square),
        ("b", "IfcBeam", None, np.array([[0, 0, 5], [1, 0, 5], [0, 0, 6]], float), tri),
    ]
    header, positions, indices = scene.unpack(scene.pack(shapes, skipped=3))
    assert [(e["id"], e["class"]) for e in header["elements"]] == [
        ("a", "IfcSlab"),
        ("b", "IfcWall"),
        ("b", "IfcBeam"),
    ]
    assert [
        (e["first_vertex"], e["vertex_count"], e["first_index"], e["index_count"]) for e in header["elements"]
    ] == [
        (0, 4, 0, 6),  # the square: 4 vertices, 2 triangles
        (4, 3, 6, 3),
        (7, 3, 9, 3),
    ]
    assert indices.tolist() == [0, 1, 2, 0, 2, 3, 4, 5, 6, 7, 8, 9]
    # IFC (x, y, z) -> (x, z, -y): the square's (2, 2, 0) is (2, 0, -2); the beam's top (0, 0, 6) is y 6
    assert positions[2].tolist() == [2.0, 0.0, -2.0] and positions[9].tolist() == [0.0, 6.0, 0.0]
    assert header["bbox"] == [[0.0, 0.0, -2.0], [2.0, 6.0, 0.0]] and header["skipped"] == 3


def test_an_empty_scene_packs() -> None:
    """A model with nothing to draw is a scene with no elements, not an error."""
    header, positions, indices = scene.unpack(scene.pack([]))
    assert header["elements"] == [] and len(positions) == 0 and len(indices) == 0


@pytest.mark.slow  # meshes the sample twice
def test_placed_meshes_match_the_kernels_world_coordinates() -> None:
    """Each mesh, meshed where its element is defined and placed by its matrix (turned walls among
    them), lies where the kernel's own world coordinates put it."""
    import ifcopenshell.geom

    from embodied import reading

    file = reading.open_model(Path(__file__).parents[1] / "examples" / "sample_building.ifc").file
    header, positions, _ = scene.unpack(scene.build(file, threads=1))
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    settings.set("weld-vertices", True)
    iterator = ifcopenshell.geom.iterator(settings, file, 1, include=scene.elements_of(file))
    world: dict[str, np.ndarray] = {}
    assert iterator.initialize()
    while True:
        shape = iterator.get()
        v = np.asarray(shape.geometry.verts, dtype=np.float64).reshape(-1, 3)
        world[shape.guid] = np.column_stack((v[:, 0], v[:, 2], -v[:, 1]))  # y up, as the scene
        if not iterator.next():
            break
    assert sorted(world) == [e["id"] for e in header["elements"]]
    for e in header["elements"]:
        placed = positions[e["first_vertex"] : e["first_vertex"] + e["vertex_count"]]
        assert placed == pytest.approx(world[e["id"]], abs=1e-4), e["id"]


def test_a_model_far_from_its_origin_keeps_its_precision() -> None:
    """A 1 m box at map coordinates (500,000 m E, 3,000,000 m N): Float32 alone keeps 0.25 m there.
    Written from the whole-kilometre origin below it, (500,000, 0, -3,001,000) in y-up axes (the box's
    -y is -3,000,001 to -3,000,000), its 1 mm offsets survive."""
    verts = np.array([[500000.001, 3000000.001, 0.0], [500001.0, 3000001.0, 1.0], [500000.5, 3000000.0, 0.5]])
    header, positions, _ = scene.unpack(scene.pack([("A", "IfcWall", None, verts, np.array([[0, 1, 2]]))]))
    assert header["origin"] == [500000.0, 0.0, -3001000.0]
    world = positions.astype(np.float64) + header["origin"]
    assert world[0].tolist() == pytest.approx([500000.001, 0.0, -3000000.001], abs=1e-4)
    assert header["bbox"][0] == pytest.approx([500000.001, 0.0, -3000001.0])
