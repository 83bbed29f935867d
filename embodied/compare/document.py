"""The comparison as a ``Document`` (CSV, XLSX: one row per cause; JSON: ``totals``, one number per
variant in order, and ``causes``, each with ``cause``, ``stage``, ``material``, ``global_id`` and
``kgco2e`` — a contract — plus ``step``, ``module``, ``ifc_class``, ``note``), and the summary lines."""

from __future__ import annotations

from typing import Any

from embodied.compare.records import CauseLine, Comparison
from embodied.report.files import Document, plain

COLUMNS = ("step", "cause", "stage", "module", "material", "global_id", "ifc_class", "kgco2e", "note")


def cause_row(line: CauseLine) -> dict[str, Any]:
    return {
        "step": f"{line.before}->{line.after}",
        "cause": line.cause.value,
        "stage": line.stage,
        "module": line.module,
        "material": line.material,
        "global_id": line.global_id,
        "ifc_class": line.ifc_class,
        "kgco2e": plain(line.kgco2e),
        "note": line.note,
    }


def summary_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """Per step, the sum of each (cause, stage)."""
    return [
        {"step": f"{s.before}->{s.after}", "cause": cause, "stage": stage, "kgco2e": plain(kg)}
        for s in comparison.steps
        for (cause, stage), kg in s.by_cause().items()
    ]


def document(comparison: Comparison) -> Document:
    rows = [cause_row(line) for step in comparison.steps for line in step.causes]
    variants = [
        {
            "label": v.label,
            "model": v.model,
            "config": v.config,
            "mapping": v.mapping,
            "total_kgco2e": plain(v.total_kgco2e),
            "stages": {k: plain(x) for k, x in v.stages},
        }
        for v in comparison.variants
    ]
    steps = [
        {
            "step": f"{s.before}->{s.after}",
            "difference_kgco2e": plain(s.difference_kgco2e),
            "paired_by_shape": s.paired_by_shape,
        }
        for s in comparison.steps
    ]
    data = {
        "totals": [plain(v.total_kgco2e) for v in comparison.variants],
        "variants": variants,
        "steps": steps,
        "by_cause": summary_rows(comparison),
        "causes": rows,
    }
    about = [(f"variant {v.label}", f"{v.model} ({v.total_kgco2e:,.3f} kgCO2e)") for v in comparison.variants]
    sheets = {"by_cause": summary_rows(comparison), "variants": [{**v, "stages": ""} for v in variants]}
    return Document(table_name="causes", columns=COLUMNS, rows=rows, data=data, sheets=sheets, about=about)


def summary(comparison: Comparison, top: int = 5) -> list[str]:
    """The lines said on stderr: each variant's total, then each step's difference and top causes."""
    lines = [f"{v.label}: {v.total_kgco2e:,.1f} kgCO2e  {v.model}" for v in comparison.variants]
    for step in comparison.steps:
        lines.append(f"{step.before}→{step.after}: {step.difference_kgco2e:+,.1f} kgCO2e")
        ranked = sorted(step.by_cause().items(), key=lambda kv: -abs(kv[1]))
        for (cause, stage), kg in ranked[:top]:
            lines.append(f"  {kg:+,.1f}  {cause} ({stage})")
    return lines
