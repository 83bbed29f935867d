"""The 3D view's geometry (embodied.web.scene) on a model whose answer is known by hand."""

from __future__ import annotations

from pathlib import Path

import modelkit
import numpy as np
import pytest

from embodied.errors import InputError
from embodied.web import scene

pytestmark = pytest.mark.slow  # the kernel runs in a child process


def _volume(positions: np.ndarray, triangles: np.ndarray) -> float:
    """The volume of a closed mesh: the sum of the signed tetrahedra from the origin."""
    a, b, c = (positions[triangles[:, i]].astype(np.float64) for i in range(3))
    return float(abs(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) / 6.0)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
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


def test_two_elements_in_metres_y_up(model: tuple[Path, dict[str, str]]) -> None:
    path, ids = model
    header, positions, indices = scene.unpack(scene.scene_bytes(path))
    assert [e["id"] for e in header["elements"]] == sorted(ids.values())
    assert header["skipped"] == 0 and header["vertex_count"] == len(positions)
    assert int(indices.max()) < header["vertex_count"]
    by_id = {e["id"]: e for e in header["elements"]}

    def part(gid: str) -> tuple[np.ndarray, np.ndarray]:
        e = by_id[gid]
        tris = indices[e["first_index"] : e["first_index"] + e["index_count"]].reshape(-1, 3)
        return positions, tris

    slab = by_id[ids["slab"]]
    pts = positions[slab["first_vertex"] : slab["first_vertex"] + slab["vertex_count"]]
    # IFC x 0..10, y 0..8, z up 0..0.2 -> scene (x, z, -y): 10 × 0.2 × 8, in metres (not millimetres)
    extent = pts.max(axis=0) - pts.min(axis=0)
    assert extent.tolist() == pytest.approx([10.0, 0.2, 8.0], abs=1e-4)
    assert pts[:, 2].max() == pytest.approx(0.0, abs=1e-4) and pts[:, 2].min() == pytest.approx(
        -8.0, abs=1e-4
    )
    assert _volume(*part(ids["slab"])) == pytest.approx(16.0, rel=1e-4)
    assert _volume(*part(ids["column"])) == pytest.approx(0.6, rel=1e-4)
    assert slab["class"] == "IfcSlab" and slab["name"] == "slab"


def test_cached_by_the_models_bytes(model: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch) -> None:
    path, _ = model
    first = scene.scene_bytes(path, tmp_path)
    (entry,) = tmp_path.glob("scene-*.bin")
    assert entry.read_bytes() == first

    def no_kernel(*_args: object) -> None:
        raise AssertionError("the kernel ran again")

    monkeypatch.setattr(scene, "_build_apart", no_kernel)
    assert scene.scene_bytes(path, tmp_path) == first  # from the cache
    other = tmp_path / "copy.ifc"
    other.write_bytes(path.read_bytes() + b"\n")  # other bytes: another key
    with pytest.raises(AssertionError, match="kernel ran again"):
        scene.scene_bytes(other, tmp_path)


def test_a_file_that_is_not_ifc_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "notes.ifc"
    bad.write_text("hello", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        scene.scene_bytes(bad, tmp_path)
    assert caught.value.one_line() == f"{bad}: not an IFC file (no ISO-10303-21 header)"  # as the CLI says
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob("scene-*"))
