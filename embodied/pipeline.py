"""The one place that calls the stages in order. The CLI and library users call this."""

from __future__ import annotations

from pathlib import Path

from embodied import reading, takeoff
from embodied.records import TakeoffResult
from embodied.takeoff.core import Progress, TakeoffOptions


def run_takeoff(
    model_path: Path | str, options: TakeoffOptions | None = None, *, on_progress: Progress | None = None
) -> TakeoffResult:
    """Read an IFC model and take off its quantities per element and material part."""
    return takeoff.run(reading.open_model(model_path), options, on_progress=on_progress)
