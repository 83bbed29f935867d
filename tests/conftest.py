"""Test-session settings: the take-off cache is off unless a test turns it on with a folder of its own
(tests/test_cache.py), so that no test reads another's take-off or the developer's ~/.cache."""

from __future__ import annotations

import os

os.environ["EMBODIED_CACHE"] = "off"
