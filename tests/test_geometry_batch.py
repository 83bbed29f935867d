"""The geometry checks of a batch of meshes (geometry.batch_volumes) give what the one-mesh checks
(geometry.mesh_result) give, mesh by mesh, on closed, open, misoriented, inside-out, non-orientable,
degenerate, empty and non-finite meshes mixed in one batch; a closed mesh with triangles turned the
wrong way is measured with its shells turned outwards."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import ifcopenshell.util.shape
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embodied.takeoff.mesh import (
    ORIENTATION_PROBLEM,
    GeometryVolume,
    PackedVolumes,
    batch_volumes,
    footprint_area,
    mesh_result,
    outward_faces,
)

# a 2 × 3 × 4 box: 8 corners, 12 outward triangles; volume 24
BOX_V = np.array(
    [[0, 0, 0], [2, 0, 0], [2, 3, 0], [0, 3, 0], [0, 0, 4], [2, 0, 4], [2, 3, 4], [0, 3, 4]], dtype=float
)
BOX_F = np.array(
    [
        [0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
        [1, 2, 6], [1, 6, 5], [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7],
    ],
    dtype=np.int64,
)  # fmt: skip
# the real projective plane, 6 vertices and 10 triangles (every edge borders two): closed, and no way
# of turning its triangles orients it
RP2_V = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1]], dtype=float)
RP2_F = np.array(
    [
        [0, 1, 2],
        [0, 2, 3],
        [0, 3, 4],
        [0, 4, 5],
        [0, 5, 1],
        [1, 2, 4],
        [2, 3, 5],
        [3, 4, 1],
        [4, 5, 2],
        [5, 1, 3],
    ],
    dtype=np.int64,
)


def _inside_out_pair() -> tuple[np.ndarray, np.ndarray]:
    """Two shells in one mesh: the 2 × 3 × 4 box wholly inside out (every triangle turned), and the box
    halved (1 × 1.5 × 2 = 3 m³) moved 10 m away, with two of its triangles turned."""
    small = BOX_F.copy()
    small[[1, 6]] = small[[1, 6]][:, ::-1]
    return np.vstack([BOX_V, BOX_V * 0.5 + 10.0]), np.vstack([BOX_F[:, ::-1], small + 8])


def _variants() -> list[tuple[np.ndarray, np.ndarray]]:
    flipped = BOX_F.copy()
    flipped[0] = flipped[0][::-1]  # one triangle turned: closed, not oriented (turned back: 24 m³)
    nan = BOX_V.copy()
    nan[3, 1] = np.nan
    return [
        (BOX_V, BOX_F),  # 24 m³
        (BOX_V * 0.5, BOX_F),  # 3 m³
        (BOX_V, BOX_F[:-1]),  # one triangle missing: open
        (BOX_V, flipped),
        (BOX_V, np.zeros((0, 3), dtype=np.int64)),  # no faces
        (BOX_V, np.array([[0, 0, 1]], dtype=np.int64)),  # only a degenerate triangle
        (nan, BOX_F),
        (
            np.vstack([BOX_V, BOX_V + np.array([0.0, 0.0, 4.0])]),
            np.vstack([BOX_F, BOX_F + 8]),
        ),  # two boxes stacked: 48
        _inside_out_pair(),  # 24 + 3 = 27
        (RP2_V, RP2_F),
    ]


def _same(batch: list, single: list) -> None:
    for got, want in zip(batch, single, strict=True):
        assert got.note == want.note
        assert (got.volume_m3 is None) == (want.volume_m3 is None)
        if want.volume_m3 is not None:
            assert got.volume_m3 == pytest.approx(want.volume_m3, rel=1e-12)


def test_each_kind_of_mesh_in_one_batch() -> None:
    meshes = _variants()
    batch = batch_volumes(meshes)
    _same(batch, [mesh_result(v, f) for v, f in meshes])
    assert [b.volume_m3 for b in batch[:2]] == [pytest.approx(24.0), pytest.approx(3.0)]
    assert batch[7].volume_m3 == pytest.approx(48.0)
    assert "not a closed solid" in batch[2].note
    # one triangle of 12 turned the wrong way: turned back, the box's 2 × 3 × 4 = 24 m³
    assert batch[3].volume_m3 == pytest.approx(24.0) and batch[3].note == ""
    # each shell turned outwards: 24 (inside out) + 3 (two triangles turned) = 27, never 24 - 3
    assert batch[8].volume_m3 == pytest.approx(27.0)
    assert batch[9].volume_m3 is None and batch[9].note.startswith(ORIENTATION_PROBLEM)
    assert "no faces" in batch[4].note and "no faces" in batch[5].note and "not finite" in batch[6].note
    assert batch_volumes([]) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.floats(0.001, 1000)), min_size=1, max_size=12))
def test_any_mix_matches_one_by_one(picks: list[tuple[int, float]]) -> None:
    """Meshes welded in one batch never weld across meshes: a batch of copies, scaled or not,
    equals each mesh checked alone."""
    variants = _variants()
    meshes = [(variants[i][0] * scale, variants[i][1]) for i, scale in picks]
    _same(batch_volumes(meshes), [mesh_result(v, f) for v, f in meshes])


def test_turned_faces_are_the_outward_box() -> None:
    """Turning triangles changes nothing but their direction: the box with 5 triangles turned comes
    back as the box's own 12 outward triangles (as sets of directed edges), and the RP2 gives None."""
    turned = BOX_F.copy()
    turned[[0, 3, 4, 8, 11]] = turned[[0, 3, 4, 8, 11]][:, ::-1]
    out = outward_faces(BOX_V, turned)
    assert out is not None

    def cycles(faces: np.ndarray) -> set[tuple[int, ...]]:
        return {min((int(f[i]), int(f[(i + 1) % 3]), int(f[(i + 2) % 3])) for i in range(3)) for f in faces}

    assert cycles(out) == cycles(BOX_F)
    assert outward_faces(RP2_V, RP2_F) is None
    # a box inside out as a whole is consistently oriented already: mesh_result measures it as it is
    assert mesh_result(BOX_V, BOX_F[:, ::-1]).volume_m3 == pytest.approx(24.0)


def test_footprint_is_ifcopenshells_and_of_the_turned_mesh() -> None:
    """A slab's top-view area: the 2 × 3 × 4 box covers 2 × 3 = 6 m²; a wedge (the box with its top
    edge at x = 2 lowered to z = 0) covers the same 6 m² with a sloped top. Both equal
    ifcopenshell.util.shape.get_footprint_area on the same mesh. With one of the top's two triangles
    turned the wrong way, the raw mesh would show 3 m² from above; measured turned back, 6 m²."""
    wedge = BOX_V.copy()
    wedge[[5, 6], 2] = 0.0
    # the x = 2 side collapses, and one triangle of each of the y = 0 and y = 3 sides: 8 triangles left
    wedge_faces = BOX_F[[0, 1, 2, 3, 5, 8, 10, 11]]
    for verts, faces in ((BOX_V, BOX_F), (wedge, wedge_faces)):
        shape = SimpleNamespace(verts_buffer=verts.tobytes(), faces_buffer=faces.astype(np.int32).tobytes())
        assert footprint_area(verts, faces) == pytest.approx(
            ifcopenshell.util.shape.get_footprint_area(shape)
        )
        assert footprint_area(verts, faces) == pytest.approx(6.0)
    assert mesh_result(wedge, wedge_faces).volume_m3 == pytest.approx(2 * 3 * 4 / 2)
    top_turned = BOX_F.copy()
    top_turned[2] = top_turned[2][::-1]
    (measured,) = batch_volumes([(BOX_V, top_turned)], [True])
    assert (measured.volume_m3, measured.footprint_m2) == (pytest.approx(24.0), pytest.approx(6.0))
    assert batch_volumes([(BOX_V, BOX_F)], [False])[0].footprint_m2 is None


def test_packed_volumes_give_back_every_volume() -> None:
    """PackedVolumes (the geometry process's answer for a large model) holds plain volumes in arrays
    and the rest whole; every one comes back equal, in and out of order, and an unknown id is no key."""
    volumes = {
        30: GeometryVolume(0.6),
        10: GeometryVolume(2.25),
        20: GeometryVolume(None, "body geometry is not a closed solid: no volume from geometry"),
        40: GeometryVolume(1.5, footprint_m2=4.0),
        50: GeometryVolume(0.125, "a note"),
    }
    packed = PackedVolumes(volumes)
    assert dict(packed) == volumes and len(packed) == 5
    assert packed.get(10) == GeometryVolume(2.25) and packed.get(25) is None and 25 not in packed
    assert pickle.loads(pickle.dumps(packed)) == packed
