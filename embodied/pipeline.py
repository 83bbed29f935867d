"""The one place that calls the stages in order. The CLI and library users call this."""

from __future__ import annotations

from pathlib import Path

from embodied import reading, takeoff
from embodied.records import TakeoffResult
from embodied.takeoff.core import DEFAULT_TOLERANCE, Progress


def run_takeoff(
    model_path: Path | str,
    *,
    use_geometry: bool = True,
    prefer_geometry: bool = False,
    tolerance: float = DEFAULT_TOLERANCE,
    threads: int | None = None,
    on_progress: Progress | None = None,
) -> TakeoffResult:
    """Read an IFC model and take off its quantities per element and material part."""
    model = reading.open_model(model_path)
    return takeoff.run(
        model,
        use_geometry=use_geometry,
        prefer_geometry=prefer_geometry,
        tolerance=tolerance,
        threads=threads,
        on_progress=on_progress,
    )
