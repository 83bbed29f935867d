"""Every real model of ../shared/ifc through the whole pipeline: what was found, matched and flagged.

    .venv/bin/python bench/realmodels.py [--no-geometry] [--json FILE] [MODEL ...]

One line per model (a Markdown table on stdout): elements counted, the share of them with a volume
and the volume found, the mass matched (explicit and defaulted) against the mass of every material
(unknown mass estimated by category where the report does so), the floor area and its source, the
A1-A3 intensity per m² of floor area, and the plausibility findings (implausible / warning). With
`--json FILE` the same and each model's findings go to FILE, for comparing a change before and after.

It runs the library pipeline, the same as `embodied report` (project defaults: no embodied.toml is
beside these models), with geometry unless `--no-geometry`, without the take-off cache.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from embodied import pipeline
from embodied.records import MatchMethod, VolumeOrigin
from embodied.takeoff import TakeoffOptions

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "ifc"


def models() -> list[Path]:
    found = sorted(p for p in SHARED.rglob("*") if p.suffix.lower() in (".ifc", ".ifczip"))
    return [p for p in found if "unsupported-schema" not in p.parts]


def measure(path: Path, geometry: bool) -> dict[str, Any]:
    started = time.perf_counter()
    calc = pipeline.run_calculate(path, TakeoffOptions(use_geometry=geometry))
    seconds = time.perf_counter() - started
    match, life = calc.match, calc.lifecycle
    rows = [r for r in match.takeoff.rows if r.volume_origin is not VolumeOrigin.PARTS]
    elements = {r.global_id for r in rows}
    with_volume = {r.global_id for r in rows if r.volume_m3}
    coverage = match.coverage
    area = life.floor_area_m2
    a1a3 = life.modules.get("A1-A3")
    findings = list(calc.plausibility.findings) if calc.plausibility is not None else []
    record: dict[str, Any] = {
        "model": str(path.relative_to(SHARED)),
        "seconds": round(seconds, 1),
        "elements": len(elements),
        "with_volume": len(with_volume),
        "volume_m3": round(sum(r.volume_m3 or 0.0 for r in rows), 3),
        "materials": len(match.materials),
        "matched": sum(1 for m in match.materials if m.factor_id),
        "mass_total_kg": round(coverage.total_mass_kg, 1),
        "mass_matched_kg": round(coverage.matched_mass_kg, 1),
        "mass_share": None if coverage.share is None else round(coverage.share, 4),
        "unknown_mass_materials": len(coverage.unknown_mass),
        "floor_area_m2": None if area is None else round(area, 1),
        "floor_area_source": life.floor_area_source,
        "a1a3_kgco2e": None if a1a3 is None else round(a1a3, 1),
        "a1a3_per_m2": None if a1a3 is None or not area else round(a1a3 / area, 1),
        "findings": [_finding(f) for f in findings],
    }
    extra = getattr(coverage, "estimated_mass_kg", None)
    if extra is not None:
        record["mass_estimated_kg"] = round(extra, 1)
    by_origin: dict[str, float] = {}
    for r in rows:
        if r.volume_m3:
            key = str(r.volume_origin)
            source = r.quantity_source or ""
            named = source[len("base:") :].split(".")[0] if source.startswith("base:") else ""
            if key == "base" and named and not named.startswith(("Qto_", "BaseQuantities")):
                key = "base (other set)"
            by_origin[key] = by_origin.get(key, 0.0) + r.volume_m3
    record["volume_by_origin"] = {k: round(v, 3) for k, v in sorted(by_origin.items())}
    defaulted = [m for m in match.materials if m.factor_id and _is_default(m)]
    record["defaulted"] = len(defaulted)
    record["mass_default_kg"] = round(sum(m.mass_kg or 0.0 for m in defaulted), 1)
    return record


def _is_default(material: Any) -> bool:
    """A material matched through a declared default (a family named without a grade)."""
    return bool(material.method is MatchMethod.DEFAULT)


def _area_source(text: str) -> str:
    """The floor area's source in a word, from the start of its text: project, spaces, slabs, footprint."""
    low = text.lower()
    if "project file" in low[:40]:
        return "project"
    if low.startswith("sum of") and "ifcspace" in low.split(";")[0]:
        return "spaces"
    if "slab" in low.split(";")[0]:
        return "slabs"
    return "footprint" if "footprint" in low.split(";")[0] else "—"


def _finding(finding: Any) -> dict[str, Any]:
    keep = ("check", "severity", "material", "kgco2e_affected", "message")
    return {k: getattr(finding, k, None) for k in keep}


def _pct(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def table(records: list[dict[str, Any]]) -> str:
    """One Markdown line per model. "mass matched" is the GB/T 51366 share (— when it cannot be
    established, with the count of materials of unknown mass); "explicit / default / unmatched" splits
    the mass of known mass: matched by name or grade, matched by a declared default, not matched."""
    head = (
        "| model | elements | with volume | volume m³ (from) | mass matched | explicit / default / unmatched "
        "| floor area m² (from) | A1-A3 kgCO2e/m² | findings (implausible / warning) |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in records:
        share = "—" if r["mass_share"] is None else f"{r['mass_share']:.0%}"
        if r["unknown_mass_materials"]:
            share += f" ({r['unknown_mass_materials']} of unknown mass)"
        bad = sum(1 for f in r["findings"] if f["severity"] == "implausible")
        warn = sum(1 for f in r["findings"] if f["severity"] == "warning")
        area = "—" if r["floor_area_m2"] is None else f"{r['floor_area_m2']:,.0f}"
        area += f" ({_area_source(r['floor_area_source'])})" if r["floor_area_m2"] is not None else ""
        per_m2 = "—" if r["a1a3_per_m2"] is None else f"{r['a1a3_per_m2']:,.0f}"
        total = r["volume_m3"]
        origin = ", ".join(
            f"{k} {_pct(v, total)}"
            for k, v in r.get("volume_by_origin", {}).items()
            if total and v / total >= 0.005
        )
        known = r["mass_total_kg"]
        default = r.get("mass_default_kg", 0.0)
        split = (
            f"{_pct(r['mass_matched_kg'] - default, known)} / {_pct(default, known)} / "
            f"{_pct(known - r['mass_matched_kg'], known)}"
            if known
            else "—"
        )
        lines.append(
            f"| {r['model']} | {r['elements']} | {_pct(r['with_volume'], r['elements'])} "
            f"| {total:,.1f} ({origin or '—'}) | {share} | {split} | {area} | {per_m2} | {bad} / {warn} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="*", type=Path)
    parser.add_argument("--no-geometry", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    paths = args.models or models()
    if not paths:
        print(f"no models given and {SHARED} is absent", file=sys.stderr)
        return 2
    records = []
    for path in paths:
        print(f"{path.name} ...", file=sys.stderr, flush=True)
        records.append(measure(path, not args.no_geometry))
    print(table(records))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
