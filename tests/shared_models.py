"""Where the real models of ../shared/ifc are, and what to do when they are not there.

Absent models skip the test with a reason on a developer's machine, and fail it under CI
(``CI=true``), where their absence means the checkout is broken.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_IFC = REPO.parent / "shared" / "ifc"


def require(path: Path) -> Path:
    if path.exists():
        return path
    message = f"real model {path} is absent"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (under CI it must be present)")
    pytest.skip(message)


def manifest() -> list[dict[str, Any]]:
    """Entries of ../shared/ifc/manifest.json; empty when the folder is absent."""
    path = SHARED_IFC / "manifest.json"
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8"))["files"])


def embodied(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the `embodied` command as a user would, in a child process (real exit codes, stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "embodied", *map(str, args)], capture_output=True, text=True, timeout=300
    )
