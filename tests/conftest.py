"""Test-session settings: the take-off cache is off unless a test turns it on with a folder of its own
(tests/test_cache.py), so that no test reads another's take-off or the developer's ~/.cache.

Session fixtures hold what several test files compute the same way, so that it is computed once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ["EMBODIED_CACHE"] = "off"

if TYPE_CHECKING:
    from embodied.pipeline import Calculation

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sample_building.ifc"


@pytest.fixture(scope="session")
def sample_calculation() -> Calculation:
    """examples/sample_building.ifc taken off, matched and calculated under examples/embodied.toml, with
    the default options: what the HTML, PDF and Excel report tests render. Its records are frozen; a
    test that needs another one makes it with dataclasses.replace."""
    from embodied.pipeline import run_calculate  # after EMBODIED_CACHE is set

    return run_calculate(SAMPLE)
