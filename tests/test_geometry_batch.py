"""The geometry checks of a batch of meshes (geometry.batch_volumes) give what the one-mesh checks
(geometry.mesh_result) give, mesh by mesh, on closed, open, misoriented, degenerate, empty and
non-finite meshes mixed in one batch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embodied.takeoff.geometry import ORIENTATION_PROBLEM, batch_volumes, mesh_result

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


def _variants() -> list[tuple[np.ndarray, np.ndarray]]:
    flipped = BOX_F.copy()
    flipped[0] = flipped[0][::-1]  # one triangle turned: closed, not oriented
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
    assert "not a closed solid" in batch[2].note and batch[3].note.startswith(ORIENTATION_PROBLEM)
    assert "no faces" in batch[4].note and "no faces" in batch[5].note and "not finite" in batch[6].note
    assert batch_volumes([]) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.floats(0.001, 1000)), min_size=1, max_size=12))
def test_any_mix_matches_one_by_one(picks: list[tuple[int, float]]) -> None:
    """Meshes welded in one batch never weld across meshes: a batch of copies, scaled or not,
    equals each mesh checked alone."""
    variants = _variants()
    meshes = [(variants[i][0] * scale, variants[i][1]) for i, scale in picks]
    _same(batch_volumes(meshes), [mesh_result(v, f) for v, f in meshes])
