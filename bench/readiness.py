"""`embodied check` on every real model of ../shared/ifc, compared with what the take-off reports.

    .venv/bin/python bench/readiness.py [--no-geometry] [--json FILE] [MODEL ...]

For each model (those of bench/realmodels.py: unsupported-schema left out): the load-bearing
elements, the readiness score and each requirement's failures (failed/applicable), then the take-off
(with geometry unless --no-geometry, no cache): its elements_without_material and
elements_without_quantity, and the same restricted to the load-bearing elements the check looks at,
against the check's material failures (IDS `material` + Python `material-wholes`) and
`quantity-or-body` failures. Writes bench/readiness.md (the table; the discussion under it is kept
from the previous file, below the marker line) and prints the table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from embodied import pipeline
from embodied.check import check_model
from embodied.check.python_checks import load_bearing
from embodied.reading import open_model
from embodied.records import ProblemKind
from embodied.takeoff import TakeoffOptions

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "ifc"
OUT = HERE / "readiness.md"
MARKER = "<!-- discussion: kept by bench/readiness.py -->"
MATERIAL = ("material", "material-wholes")


def models() -> list[Path]:
    found = sorted(p for p in SHARED.rglob("*") if p.suffix.lower() in (".ifc", ".ifczip"))
    return [p for p in found if "unsupported-schema" not in p.parts]


def measure(path: Path, geometry: bool) -> dict[str, Any]:
    started = time.perf_counter()
    readiness = check_model(path)
    check_seconds = time.perf_counter() - started
    reqs = {r.name: r for r in readiness.requirements}
    bearing = {str(e.GlobalId) for e in load_bearing(open_model(path).file)}
    started = time.perf_counter()
    takeoff = pipeline.run_takeoff(path, TakeoffOptions(use_geometry=geometry))
    takeoff_seconds = time.perf_counter() - started
    no_material = set(takeoff.elements_with(ProblemKind.NO_MATERIAL))
    no_quantity = set(takeoff.elements_with(ProblemKind.NO_QUANTITY))
    check_material = {g for n in MATERIAL if n in reqs for g in reqs[n].failed_global_ids}
    check_quantity = set(reqs["quantity-or-body"].failed_global_ids) if "quantity-or-body" in reqs else set()
    takeoff_ids = set(takeoff.element_ids)
    return {
        "model": str(path.relative_to(SHARED)),
        "elements": len(bearing),
        "score": round(readiness.score, 4),
        "requirements": {
            r.name: {"source": r.source, "applicable": r.applicable, "failed": r.failed}
            for r in readiness.requirements
        },
        "check_seconds": round(check_seconds, 1),
        "takeoff_seconds": round(takeoff_seconds, 1),
        "takeoff_elements": len(takeoff_ids),
        "takeoff_without_material": len(no_material),
        "takeoff_without_quantity": len(no_quantity),
        "material": _agreement(check_material, no_material & bearing),
        "quantity": _agreement(check_quantity, no_quantity & bearing),
        # load-bearing elements the take-off does not list by GlobalId (wholes it lists as containers)
        "bearing_not_in_takeoff": len(bearing - takeoff_ids),
    }


def _agreement(check: set[str], takeoff: set[str]) -> dict[str, int]:
    """Counts of the check's failures and the take-off's (load-bearing) problems: both, one only."""
    return {
        "check": len(check),
        "takeoff": len(takeoff),
        "both": len(check & takeoff),
        "check_only": len(check - takeoff),
        "takeoff_only": len(takeoff - check),
    }


def _failures(record: dict[str, Any]) -> str:
    parts = []
    for name, req in record["requirements"].items():
        if req["failed"]:
            parts.append(f"{name} {req['failed']}/{req['applicable']}")
    return ", ".join(parts) or "none"


def _pair(agreement: dict[str, int]) -> str:
    a = agreement
    only = f"check only {a['check_only']}, take-off only {a['takeoff_only']}"
    return f"{a['check']} / {a['takeoff']} (both {a['both']}, {only})"


def table(records: list[dict[str, Any]]) -> str:
    lines = [
        "| model | load-bearing elements | score | failures (failed/applicable) "
        "| material: check / take-off | quantity: check / take-off "
        "| take-off elements: no material, no quantity (all classes) |",
        "|---|---:|---:|---|---|---|---|",
    ]
    for r in records:
        if "error" in r:
            lines.append(f"| {r['model']} | | | error: {r['error']} | | | |")
            continue
        lines.append(
            f"| {r['model']} | {r['elements']} | {r['score']:.3f} | {_failures(r)} "
            f"| {_pair(r['material'])} | {_pair(r['quantity'])} "
            f"| {r['takeoff_elements']}: {r['takeoff_without_material']}, {r['takeoff_without_quantity']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="*", type=Path)
    parser.add_argument("--no-geometry", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/readiness.md")
    args = parser.parse_args()
    records = []
    for path in args.models or models():
        print(f"{path.name} ...", file=sys.stderr, flush=True)
        try:
            records.append(measure(path, not args.no_geometry))
        except Exception as exc:  # a bench: one bad model is a row, not the end of the run
            records.append({"model": str(path), "error": f"{type(exc).__name__}: {exc}"})
    text = table(records)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.no_write:
        discussion = ""
        if OUT.exists() and MARKER in OUT.read_text(encoding="utf-8"):
            discussion = OUT.read_text(encoding="utf-8").split(MARKER, 1)[1]
        head = (
            "# Model readiness (`embodied check`) on the real models\n\n"
            "Written by `bench/readiness.py` (ifctester 0.9.0, the shipped readiness.ids and the Python "
            f"checks; take-off {'without' if args.no_geometry else 'with'} geometry). "
            "material/quantity columns: the check's failures / the take-off's NO_MATERIAL / NO_QUANTITY "
            "problems among the same load-bearing elements.\n\n"
        )
        OUT.write_text(head + text + "\n" + MARKER + discussion, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
