"""JSON report: stable keys with a ``schema_version``; totals in kgCO2e over the whole study period,
intensities apart; a stage or module not computed is null, never 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embodied.report.files import dumps, write_json
from embodied.report.model import as_data
from embodied.report.records import ReportModel


def document(report: ReportModel) -> dict[str, Any]:
    data = as_data(report)
    fp = data["fingerprint"]
    return {
        "schema_version": report.schema_version,
        "title": report.title,
        "input": {
            "file": fp["model_file"],
            "sha256": fp["model_sha256"],
            "config_file": fp["config_file"],
            "config_sha256": fp["config_sha256"],
            "mapping_sha256": fp["mapping_sha256"],
            "packs": fp["packs"],
        },
        "fingerprint": fp,
        "project": data["project"],
        "operation": data["operation"],
        "standards": data["standards"],
        "scope": {"switches": data["switches"]},
        "totals": {
            "stages": {s["key"]: s["kgco2e"] for s in data["stages"]},
            "modules": {m["key"]: m["kgco2e"] for m in data["modules"]},
            "embodied_kgco2e": data["embodied_kgco2e"],
            "total_kgco2e": data["total_kgco2e"],
            "beside_gbt51366": data["beside_gbt"],
            "separate": data["separate"],
        },
        "intensity_kgco2e_per_m2": data["intensity_kgco2e_per_m2"],
        "intensity_kgco2e_per_m2a": data["intensity_kgco2e_per_m2a"],
        "operational_kgco2_per_m2a": data["operational_kgco2_per_m2a"],
        "embodied_kgco2e_per_m2": data["embodied_kgco2e_per_m2"],
        "signoff": data["signoff"],
        "assumption_effects": data["assumption_effects"],
        "uncertainty": data["uncertainty"],
        "readiness": data["readiness"],
        "stages": data["stages"],
        "modules": data["modules"],
        "materials": data["materials"],
        "hotspots": {"materials": data["hotspot_materials"], "ifc_classes": data["hotspot_classes"]},
        "defaults_used": data["defaults_used"],
        "grid": data["grid"],
        "plausibility": data["plausibility"],
        "plausibility_summary": data["plausibility_summary"],
        "coverage": data["coverage"],
        "unmatched": data["unmatched"],
        "defects": data["defects"],
        "excluded": data["excluded"],
        "assumptions": data["assumptions"],
        "issues": data["issues"],
        "sources": data["sources"],
        "zero_carbon_tiers": data["tiers"],
        "gb55015": data["gb55015"],
        "lines": data["lines"],
        "elements": data["elements"],
    }


def render(report: ReportModel, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        write_json(document(report), fh)


__all__ = ["document", "dumps", "render", "write_json"]
