"""LCAx export (``--format lcax``): the project, one assembly per matched material with its factor as
generic data and its results by module, and the project's totals by module, written by the ``lcax``
library so the file is valid LCAx for other LCA tools."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lcax

from embodied.report.records import ReportModel

UNITS = {"m3": "M3", "m2": "M2", "m": "M", "kg": "KG", "t": "TONES", "piece": "PCS", "kWh": "KWH"}
MODULES = {"A1-A3": "A1A3", "A4": "A4", "A5": "A5", "B1": "B1", "B4": "B4", "B6": "B6", "C1": "C1", "D": "D"}


def _impacts(values: Mapping[str, float | None]) -> Any:
    known = {
        getattr(lcax.LifeCycleModule, MODULES[k]): v
        for k, v in values.items()
        if k in MODULES and v is not None
    }
    return lcax.Impacts({lcax.ImpactCategoryKey.GWP: lcax.ImpactCategory(known)})


def _unit(unit: str | None) -> Any:
    return getattr(lcax.Unit, UNITS.get(unit or "", "UNKNOWN"))


def project(report: ReportModel) -> Any:
    life = int(report.project.design_life_years)  # always set: the project's, else the method file's
    assemblies = []
    for index, row in enumerate(report.materials, start=1):
        if row.factor_id is None or row.factor_value is None:
            continue
        generic = lcax.GenericData(
            name=row.factor_name or row.factor_id,
            declared_unit=_unit(row.unit),
            impacts=_impacts({"A1-A3": row.factor_value}),
            id=row.factor_id,
            source=lcax.Source(name=row.source or row.factor_id),
        )
        product = lcax.Product(
            name=row.material,
            reference_service_life=life,
            impact_data=[generic],
            quantity=row.quantity or 0.0,
            unit=_unit(row.unit),
            id=f"product-{index}",
            results=_impacts(row.modules),
        )
        assemblies.append(
            lcax.Assembly(
                name=row.material,
                quantity=1.0,
                unit=lcax.Unit.PCS,
                products=[product],
                id=f"assembly-{index}",
                description=f"IFC classes: {row.ifc_classes}" if row.ifc_classes else None,
                results=_impacts(row.modules),
            )
        )
    totals = {m.key: m.kgco2e for m in report.modules}
    return lcax.Project(
        id=report.fingerprint.run_id,
        name=report.project.name or report.fingerprint.model_file,
        location=lcax.Location(country=lcax.Country.CHN, city=report.project.province),
        project_phase=lcax.ProjectPhase.TECHNICAL_DESIGN,
        software_info=lcax.SoftwareInfo("embodied", report.fingerprint.tool_version),
        life_cycle_modules=[
            getattr(lcax.LifeCycleModule, MODULES[k]) for k, v in totals.items() if v is not None
        ],
        impact_categories=[lcax.ImpactCategoryKey.GWP],
        assemblies=assemblies,
        reference_study_period=life,
        results=_impacts(totals),
        description=(
            f"{report.title}; material_db {report.fingerprint.data_version}; run {report.fingerprint.run_id}"
        ),
    )


def render(report: ReportModel, path: Path) -> None:
    path.write_text(str(project(report).dumps()), encoding="utf-8")
