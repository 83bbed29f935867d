"""The report model with its codes and the stages' sentences in the report's language, for the
renderers that print fields as they are (the workbook). Codes the renderers decide on (module and
stage keys, scope switches, severities) stay codes; numbers, ids, names and formulas are untouched.
The HTML pages do the same through their jinja filters (render_html)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from embodied.report import i18n
from embodied.report.records import Amount, Issue, ReportModel


def localized(report: ReportModel) -> ReportModel:
    """`report` with what a reader reads in its language (report.lang)."""
    lang = report.lang

    def msg(text: str | None) -> Any:
        return i18n.message(text, lang) if text else text

    def code(value: str | None, group: str) -> Any:
        return i18n.term(value, group, lang) if value and i18n.known(value, group) else value

    def classes(text: str) -> str:
        return ", ".join(code(c, "ifc_class") for c in text.split(", ")) if text else text  # as joined

    def issues(rows: tuple[Issue, ...]) -> tuple[Issue, ...]:
        return tuple(
            dataclasses.replace(i, kind=code(i.kind, "issue_kind"), message=msg(i.message)) for i in rows
        )

    def amounts(rows: tuple[Amount, ...]) -> tuple[Amount, ...]:
        return tuple(dataclasses.replace(a, note=msg(a.note)) for a in rows)

    each: Callable[..., Any] = dataclasses.replace
    p = report.project
    return dataclasses.replace(
        report,
        project=each(
            p,
            building_type=code(p.building_type, "building_type"),
            climate_zone=code(p.climate_zone, "climate_zone"),
            province=code(p.province, "province"),
            length_unit=code(p.length_unit, "unit"),
            floor_area_source=msg(p.floor_area_source),
        ),
        stages=amounts(report.stages),
        modules=amounts(report.modules),
        switches=tuple(each(s, note=msg(s.note)) for s in report.switches),
        materials=tuple(
            each(
                m,
                ifc_classes=classes(m.ifc_classes),
                method=code(m.method, "method"),
                verification=code(m.verification, "verification"),
                data_type=code(m.data_type, "data_type"),
                mass_basis=code(m.mass_basis, "mass_basis"),
            )
            for m in report.materials
        ),
        lines=tuple(
            each(line, label=code(line.label, "line_label"), note=msg(line.note)) for line in report.lines
        ),
        elements=tuple(
            each(
                e,
                ifc_class=code(e.ifc_class, "ifc_class"),
                quantity_source=msg(e.quantity_source),
                note=msg(e.note),
            )
            for e in report.elements
        ),
        unmatched=tuple(
            each(u, ifc_classes=classes(u.ifc_classes), note=msg(u.note)) for u in report.unmatched
        ),
        defects=issues(report.defects),
        excluded=tuple(
            each(e, ifc_class=code(e.ifc_class, "ifc_class"), reason=msg(e.reason)) for e in report.excluded
        ),
        assumptions=issues(report.assumptions),
        issues=issues(report.issues),
        plausibility=tuple(each(f, message=msg(f.message), hint=msg(f.hint)) for f in report.plausibility),
        defaults_used=tuple(
            each(d, source=msg(d.source), replace_by=msg(d.replace_by)) for d in report.defaults_used
        ),
        grid=each(report.grid, note=msg(report.grid.note)) if report.grid is not None else None,
        tiers=tuple(each(t, reason=msg(t.reason)) for t in report.tiers),
        gb55015=each(report.gb55015, reason=msg(report.gb55015.reason))
        if report.gb55015 is not None
        else None,
    )
