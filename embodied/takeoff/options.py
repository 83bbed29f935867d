"""How to take off: `TakeoffOptions`, with the defaults some of them read from the environment.

Tolerance of the base-quantity / geometry cross-check, whether to compute geometry and prefer it, the
cores to use, the geometry kernel's time-out (``EMBODIED_GEOMETRY_TIMEOUT``) and the model size from
which a model is read lazily, its geometry measured apart (``EMBODIED_LOW_MEMORY_BYTES``). A setting
that makes no sense is an `InputError` when the options are made.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from embodied.errors import InputError
from embodied.takeoff.geometry import DEFAULT_STALL_S

DEFAULT_TOLERANCE = 0.05
DEFAULT_LOW_MEMORY_BYTES = 100_000_000  # plain IFC files this large or larger are read lazily


def _env_seconds(name: str) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_STALL_S
    except ValueError:
        raise InputError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise InputError(f"{name} must be more than 0 seconds, not {raw}")
    return value


def _env_bytes(name: str) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return DEFAULT_LOW_MEMORY_BYTES
    if not raw.isdigit():
        raise InputError(f"{name}={raw!r} is not a number of bytes")
    return int(raw)


@dataclass(frozen=True, slots=True)
class TakeoffOptions:
    """How to take off. `prefer_geometry` uses the geometry volume, where there is one, even when a
    base quantity exists (the check against the base quantity is still recorded)."""

    use_geometry: bool = True
    prefer_geometry: bool = False
    tolerance: float = DEFAULT_TOLERANCE  # relative base/geometry difference listed as a disagreement
    threads: int | None = None  # cores (--jobs): geometry threads, row workers; None: all cores
    # seconds without a new shape before the geometry kernel is stopped (EMBODIED_GEOMETRY_TIMEOUT)
    geometry_timeout_s: float = field(default_factory=lambda: _env_seconds("EMBODIED_GEOMETRY_TIMEOUT"))
    # a plain .ifc of this size or more is read lazily (the low-memory path, see reading.open_model),
    # its geometry measured apart (takeoff.apart); EMBODIED_LOW_MEMORY_BYTES, 0 for every file
    low_memory_bytes: int = field(default_factory=lambda: _env_bytes("EMBODIED_LOW_MEMORY_BYTES"))

    def reads_lazily(self, size_bytes: int) -> bool:
        """Whether a model of `size_bytes` is read on the low-memory path (a plain .ifc only: see
        reading.open_model). With geometry, the geometry is then measured in a process of its own
        (`core.measure_apart`)."""
        return size_bytes >= self.low_memory_bytes

    def __post_init__(self) -> None:
        if self.tolerance < 0:
            raise InputError(f"the tolerance must be 0 or more, not {self.tolerance:g}")
        if self.prefer_geometry and not self.use_geometry:
            raise InputError(
                "preferring geometry needs geometry: --prefer-geometry and --no-geometry exclude each other"
            )
