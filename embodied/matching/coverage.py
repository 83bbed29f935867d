"""The coverage of the matching (GB/T 51366 §6.1) and the problems it reports about it.

Coverage counts every mass: an unmatched material's mass, when the model gives none, is estimated
from the category its name suggests (``quantities``), flagged; unmatched volume whose mass stays
unknown makes the share not established, never 100 % over the known mass alone. Materials under the
cut-off share of the total mass may be omitted. The problems: each unmatched material (with its
suggestions, or why there are none, and its estimated or unknown mass), each suggestion applied, the
estimated masses, and a coverage rule not shown to be met.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from embodied.factors import FactorDB
from embodied.matching.quantities import Tally
from embodied.records import Coverage, MatchMethod, MaterialMatch, Problem, ProblemKind


def coverage_of(built: Sequence[tuple[MaterialMatch, Tally]], db: FactorDB) -> Coverage:
    """The coverage of the output rows `built` (each with its `Tally`), by the method file's shares."""
    required = db.parameter("coverage_min_mass_share")
    cutoff = db.parameter("cutoff_mass_share")
    materials = [m for m, _ in built]
    total = sum(m.mass_kg or 0.0 for m in materials)  # estimated masses included
    matched = sum(m.mass_kg or 0.0 for m in materials if m.factor_id)
    estimated = sum(t.estimated_kg for m, t in built if not m.factor_id)
    unknown = tuple(dict.fromkeys(m.material for m, t in built if t.unknown_volume_m3 > 0))
    volumes: dict[str, float] = defaultdict(float)  # one name may have several unmatched rows
    for m, t in built:
        if not m.factor_id and t.unknown_volume_m3 > 0:
            volumes[m.material] += t.unknown_volume_m3
    unknown_volume = tuple(sorted(volumes.items(), key=lambda item: (-item[1], item[0])))
    lower_bound = any(m.factor_id and t.parts_without_mass for m, t in built)
    unmatched = sorted(
        ((m.material, m.mass_kg) for m in materials if not m.factor_id and m.mass_kg),
        key=lambda item: -item[1],
    )
    omissible = tuple(name for name, kg in unmatched if total > 0 and kg / total < cutoff)
    return Coverage(
        total_mass_kg=total,
        matched_mass_kg=matched,
        required_share=required,
        cutoff_share=cutoff,
        unknown_mass=unknown,
        unmatched_by_mass=tuple(unmatched),
        omissible=omissible,
        unknown_volume_materials=unknown_volume,
        share_is_lower_bound=lower_bound,
        estimated_mass_kg=estimated,
    )


def coverage_problems(built: Sequence[tuple[MaterialMatch, Tally]], coverage: Coverage) -> list[Problem]:
    """The problems of the unmatched rows, the suggestions applied, estimated masses and the coverage."""
    problems = []
    for m, t in built:
        if m.factor_id:
            continue
        message = f"material {m.material!r} ({', '.join(m.ifc_classes)}, {m.elements} elements) has no factor"
        if m.suggestions:
            message += f"; suggestions: {', '.join(m.suggestions)}"
        elif t.advice:
            message += f"; {t.advice}"
        if t.guess is not None:
            message += (
                f"; its mass ({t.estimated_kg:,.0f} kg) is estimated: the name suggests {t.guess[0]} "
                f"(keyword '{t.guess[1]}')"
            )
        elif t.unknown_volume_m3 > 0:
            message += f"; its mass is unknown ({t.unknown_volume_m3:,.3f} m³ without a density)"
        problems.append(Problem(ProblemKind.UNMATCHED, message))
    problems += [
        Problem(ProblemKind.ASSUMPTION, f"material {m.material!r}: {m.rule}")
        for m, _ in built
        if m.method is MatchMethod.SUGGESTION
    ]
    if coverage.estimated_mass_kg > 0:
        count = sum(1 for m, t in built if not m.factor_id and t.estimated_kg > 0)
        problems.append(
            Problem(
                ProblemKind.ASSUMPTION,
                f"the mass of {count} unmatched material(s) is estimated from their names "
                f"({coverage.estimated_mass_kg:,.0f} kg of the {coverage.total_mass_kg:,.0f} kg total, "
                "mass_basis 'estimate'): volume × the density of the category the name suggests",
            )
        )
    share = coverage.share
    if not coverage.rule_met:
        if share is not None:
            bound = "at least " if coverage.share_is_lower_bound else ""
            why = (
                f"matched materials hold {bound}{share:.1%} of the mass, "
                f"under the required {coverage.required_share:.0%}"
            )
            if coverage.estimated_mass_kg > 0:
                why += f" ({coverage.estimated_mass_kg:,.0f} kg of the total estimated from names)"
        else:
            why = f"the matched share {coverage.share_text}"
        problems.append(Problem(ProblemKind.COVERAGE, f"GB/T 51366 §6.1 coverage rule not shown: {why}"))
    return problems
