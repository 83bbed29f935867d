"""Benchmark the take-off: wall time and peak memory per model, phase by phase.

    .venv/bin/python bench/bench_takeoff.py [MODEL ...] [--repeat N] [--threads N]

Without models it measures a fixed set from ../shared/ifc (a small, the medium and the large one).
Prints one JSON object per model; speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

from embodied import reading, takeoff

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "ifc"
DEFAULT = [
    "small/revit2022_CPM.ifc",
    "medium/revit2021_example.ifc",
    "medium/archicad20_AC20-FZK-Haus.ifc",
    "medium/geometrygym_great_court_roof.ifc",
    "large/revit2012_janesville_restaurant.ifczip",
]


def measure(path: Path, repeat: int, threads: int | None) -> dict[str, object]:
    opens, takes, geometry_off = [], [], []
    rows = elements = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        model = reading.open_model(path)
        t1 = time.perf_counter()
        result = takeoff.run(model, takeoff.TakeoffOptions(threads=threads))
        t2 = time.perf_counter()
        takeoff.run(model, takeoff.TakeoffOptions(use_geometry=False))
        t3 = time.perf_counter()
        opens.append(t1 - t0)
        takes.append(t2 - t1)
        geometry_off.append(t3 - t2)
        rows, elements = len(result.rows), len(result.element_ids)
    median_take = statistics.median(takes)
    return {
        "model": str(path),
        "elements": elements,
        "rows": rows,
        "open_s": round(statistics.median(opens), 3),
        "takeoff_s": round(median_take, 3),
        "takeoff_without_geometry_s": round(statistics.median(geometry_off), 3),
        "elements_per_s": round(elements / median_take, 1) if median_take else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "repeat": repeat,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    models = args.models or [SHARED / rel for rel in DEFAULT if (SHARED / rel).exists()]
    if not models:
        print("no models given and ../shared/ifc is absent", file=sys.stderr)
        return 2
    for path in models:
        print(json.dumps(measure(path, args.repeat, args.threads)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
