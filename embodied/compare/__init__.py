"""`embodied compare`: two or more variants calculated, and each consecutive difference explained by
cause (embodied.compare.causes), per stage, module, material and element, the causes summing exactly
to the difference. ``records``: the records; ``causes``: the attribution; ``document``: the table and
JSON; ``render``: the HTML/PDF page with its waterfall; ``run`` here: calculate and compare."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from embodied.compare.causes import explain, variant_total
from embodied.compare.records import Cause, CauseLine, Comparison, Step, VariantSpec, VariantTotal
from embodied.errors import InputError
from embodied.pipeline import Calculation, MatchOptions, TakeoffCache, TakeoffOptions, run_calculate
from embodied.takeoff.core import Progress


def compare_calculations(specs: Sequence[VariantSpec], calcs: Sequence[Calculation]) -> Comparison:
    """Each variant's total and each consecutive step's causes."""
    if len(calcs) < 2:
        raise InputError("compare: give two or more variants")
    totals = tuple(
        VariantTotal(
            spec.label,
            str(spec.model),
            str(spec.config) if spec.config else None,
            str(spec.mapping) if spec.mapping else None,
            variant_total(calc),
            tuple(calc.lifecycle.stages.items()),
        )
        for spec, calc in zip(specs, calcs, strict=True)
    )
    steps = tuple(
        explain(calcs[i], calcs[i + 1], specs[i].label, specs[i + 1].label) for i in range(len(calcs) - 1)
    )
    return Comparison(totals, steps)


def run(
    specs: Sequence[VariantSpec],
    options: TakeoffOptions | None = None,
    match_options: MatchOptions | None = None,
    *,
    packs: Sequence[Path] = (),
    cache: TakeoffCache | None = None,
    on_progress: Progress | None = None,
) -> Comparison:
    """Calculate every variant (as `embodied calculate` would) and compare them in order."""
    if len(specs) < 2:
        raise InputError("compare: give two or more variants (models)")
    calcs = [
        run_calculate(
            spec.model,
            options,
            match_options,
            config_path=spec.config,
            mapping_path=spec.mapping,
            packs=packs,
            database=spec.database,
            on_progress=on_progress,
            cache=cache,
        )
        for spec in specs
    ]
    return compare_calculations(specs, calcs)


__all__ = [
    "Cause",
    "CauseLine",
    "Comparison",
    "Step",
    "VariantSpec",
    "VariantTotal",
    "compare_calculations",
    "explain",
    "run",
]
