"""Regenerate the golden report of the sample building: `python tests/golden/regenerate.py`.

The golden file is never edited by hand: when a change moves a number on purpose, run this, read the
diff of sample_report.json, and commit both. Volatile fields (the creation time) are fixed here.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
GOLDEN = Path(__file__).resolve().parent / "sample_report.json"
CREATED = "(fixed for the golden file)"


def sample_document() -> dict[str, Any]:
    """The JSON report of examples/sample_building.ifc with examples/embodied.toml, as run from the repo."""
    from embodied.pipeline import run_report
    from embodied.report.render_json import document

    cwd = Path.cwd()
    os.chdir(REPO)  # paths in the report are file names, but run it the same way every time
    try:
        report = run_report(Path("examples/sample_building.ifc"), lang="zh+en")
    finally:
        os.chdir(cwd)
    doc = document(report)
    doc["fingerprint"]["created"] = CREATED
    return doc


def main() -> int:
    GOLDEN.write_text(json.dumps(sample_document(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
