"""Material lines: A1-A3 (M × F), A4 (t × km × mode factor), B4 (replacements) and D (credit).

One call per matched material, all lines written out:

- A1-A3 = quantity (declared unit) × F; with recycled feedstock of share r (GB/T 51366 §6.2),
  F × (1 − r) + F × r × 0.5 (× 0 for low-value waste). The 0.5 is ``recycled_feedstock_share`` of
  methods/gbt51366_2019.yaml.
- A4 = mass t × km × factor of ``gbt51366:E:<mode>``; km from the material's override, else the
  project's transport.concrete_km (category concrete*) or other_km, flagged as a default distance;
  the mode from the override, else transport.default_mode. A [transport] key the project file leaves
  out takes the method file's default (``transport_default_km``, GB/T 51366 §6.3, and
  ``transport_default_mode``, our assumption: the standard gives no vehicle), cited in the note.
- B4 = n × (A1-A3 + A4) with n = ⌈period / life⌉ − 1 replacements when the service life is shorter
  than the study period (the design life: building.design_life_years, else the method file's); the
  life comes from the override, else service_lives.csv by category, else the material lasts the
  study period (a flagged 0).
- D (GB/T 51366 §6.2: recyclable waste credited at 50 % of the virgin material it can replace) =
  −(mass t × recyclable share × substitution ratio × substituted factor per t × 0.5), only with a
  recyclable_share. What a recovered material replaces is data: substitutions.csv by category
  (longest prefix), e.g. crushed concrete → crushed stone 碎石 (2.18 kgCO2e/t), steel scrap → BOF
  steel 转炉碳钢 (1990 kgCO2e/t), never the material's own factor. A category without a row gets a
  D line of None ("no substitution data"). The 0.5 is ``recycling_credit_share``; the ratios are
  assumptions (unverified), so the lines are flagged. Reported beside the totals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from embodied.factors import Factor, FactorDB
from embodied.lifecycle.data import LifecycleData
from embodied.lifecycle.defaults import TRANSPORT_ID, Setting, Study
from embodied.lifecycle.results import ImpactLine, num
from embodied.project import MaterialOverride, ProjectSettings
from embodied.records import MatchMethod, MaterialMatch, Module

UNIT_TEXT = {"m3": "m³", "m2": "m²", "m3_gas": "m³", "t*km": "t·km"}
ESTIMATED = (MatchMethod.ESTIMATE, MatchMethod.SUGGESTION, MatchMethod.DEFAULT)  # a declared default too


def unit_text(unit: str) -> str:
    return UNIT_TEXT.get(unit, unit)


@dataclass(frozen=True, slots=True)
class _Material:
    match: MaterialMatch
    factor: Factor
    override: MaterialOverride | None
    mass_t: float | None  # None when unknown


def material_lines(
    match: MaterialMatch, db: FactorDB, settings: ProjectSettings, data: LifecycleData, study: Study
) -> list[ImpactLine]:
    """The A1-A3, A4, B4 (and D) lines of one matched material; [] for a material without a factor."""
    factor = db.factors.get(match.factor_id) if match.factor_id else None
    if factor is None:
        return []
    m = _Material(match, factor, settings.override_for(match.material), _mass_t(match, factor))
    production = _production(m, db)
    transport = _transport(m, db, study)
    lines = [production, transport, _replacement(m, production, transport, study, data)]
    if m.override is not None and m.override.recyclable_share is not None:
        lines.append(_credit(m, m.override.recyclable_share, db, data))
    return lines


def transport_settings(
    match: MaterialMatch, db: FactorDB, settings: ProjectSettings, study: Study
) -> tuple[Setting[float] | None, Setting[str] | None]:
    """The project-wide [transport] settings a material's A4 takes: its distance (None: the material
    gives its own transport_km, or it has no factor) and its mode (None: its own transport_mode)."""
    factor = db.factors.get(match.factor_id) if match.factor_id else None
    if factor is None:
        return None, None
    return _project_transport(factor, settings.override_for(match.material), study)


def _project_transport(
    factor: Factor, o: MaterialOverride | None, study: Study
) -> tuple[Setting[float] | None, Setting[str] | None]:
    concrete = factor.category == "concrete" or factor.category.startswith("concrete/")
    own_km = o is not None and o.transport_km is not None
    km = None if own_km else (study.concrete_km if concrete else study.other_km)
    mode = None if o is not None and o.transport_mode else study.transport_mode
    return km, mode


def _mass_t(match: MaterialMatch, factor: Factor) -> float | None:
    if match.mass_kg is not None:
        return match.mass_kg / 1000.0
    if match.quantity is not None and factor.declared_unit in ("t", "kg"):
        return match.quantity if factor.declared_unit == "t" else match.quantity / 1000.0
    return None


def _line(
    m: _Material,
    module: Module,
    kgco2e: float | None,
    formula: str,
    *,
    factor: Factor | None = None,
    quantity: float | None = None,
    unit: str | None = None,
    factor_value: float | None = None,
    flagged: bool = False,
    note: str = "",
) -> ImpactLine:
    return ImpactLine(
        module=module,
        label=m.match.material,
        kgco2e=kgco2e,
        formula=formula,
        factor_id=factor.factor_id if factor is not None else None,
        quantity=quantity,
        unit=unit,
        factor_value=factor_value,
        material=m.match.material,
        flagged=flagged,
        note=note,
    )


def _production(m: _Material, db: FactorDB) -> ImpactLine:
    f, q, unit = m.factor.gwp_kgco2e_per_unit, m.match.quantity, unit_text(m.factor.declared_unit)
    flagged = m.match.method in ESTIMATED
    notes = [f"estimate (matched by {m.match.method})"] if flagged else []
    if q is None:
        why = f"quantity in {unit} unknown ({m.match.note or 'no quantity for the declared unit'})"
        formula = f"? {unit} × {num(f)} kgCO2e/{unit}: {why}"
        return _line(m, Module.A1_A3, None, formula, factor=m.factor, unit=unit, factor_value=f, note=why)
    share = m.override.recycled_share if m.override is not None else None
    if not share:
        value = q * f
        formula = f"{num(q)} {unit} × {num(f)} kgCO2e/{unit} = {num(value)} kgCO2e"
    else:
        low = m.override is not None and m.override.recycled_low_value
        rate = 0.0 if low else db.parameter("recycled_feedstock_share")
        value = q * f * ((1 - share) + share * rate)
        what = "low-value waste: upstream ignored" if low else "recycled feedstock, GB/T 51366 §6.2"
        formula = (
            f"{num(q)} {unit} × {num(f)} kgCO2e/{unit} × ((1 − {num(share)}) virgin + {num(share)} "
            f"recycled × {num(rate)}) = {num(value)} kgCO2e"
        )
        notes.append(f"recycled share {num(share)} ({what})")
    return _line(
        m, Module.A1_A3, value, formula, factor=m.factor, quantity=q, unit=unit, factor_value=f,
        flagged=flagged, note="; ".join(notes),
    )  # fmt: skip


def _transport(m: _Material, db: FactorDB, study: Study) -> ImpactLine:
    o = m.override
    distance, vehicle = _project_transport(m.factor, o, study)
    mode = vehicle.value if vehicle is not None else (o.transport_mode if o is not None else None) or ""
    mode_factor = db.factors.get(mode if ":" in mode else TRANSPORT_ID.format(mode))
    notes: list[str] = []
    if distance is None:  # the material's own transport_km
        km = o.transport_km if o is not None and o.transport_km is not None else math.nan
    else:
        km = distance.value
        notes.append(f"default distance ({distance.key} = {num(km)} km: {_origin(distance)})")
    if vehicle is not None and vehicle.default is not None:
        notes.append(f"default vehicle ({vehicle.key} = {mode}: {_origin(vehicle)})")
    flagged = bool(notes)
    if mode_factor is None or mode_factor.module != "A4":
        why = f"transport mode {mode!r} is not a Table E.0.1 factor (gbt51366:E:<mode>)"
        formula = f"? t × {num(km)} km × ?: {why}"
        return _line(m, Module.A4, None, formula, quantity=m.mass_t, unit="t", note=why)
    f = mode_factor.gwp_kgco2e_per_unit
    if m.mass_t is None:
        notes.insert(0, "mass unknown (no density for the material): transport not computable")
        formula = f"? t × {num(km)} km × {num(f)} kgCO2e/(t·km): {notes[0]}"
        return _line(
            m, Module.A4, None, formula, factor=mode_factor, unit="t", factor_value=f, flagged=flagged,
            note="; ".join(notes),
        )  # fmt: skip
    value = m.mass_t * km * f
    formula = f"{num(m.mass_t)} t × {num(km)} km × {num(f)} kgCO2e/(t·km) = {num(value)} kgCO2e"
    return _line(
        m, Module.A4, value, formula, factor=mode_factor, quantity=m.mass_t, unit="t", factor_value=f,
        flagged=flagged, note="; ".join(notes),
    )  # fmt: skip


def replacements(period: float, life: float) -> int:
    """⌈period / life⌉ − 1 when the life is shorter than the period, else 0 (1e-9 absorbs float noise)."""
    return max(math.ceil(period / life - 1e-9) - 1, 0) if life < period else 0


def _origin(setting: Setting[float] | Setting[str]) -> str:
    """Where a [transport] setting came from: 'GB/T 51366-2019 §6.3, methods/gbt51366_2019.yaml
    transport_default_km.concrete, recollection' (the method file's default), or 'project file'."""
    d = setting.default
    if d is None:
        return "project file"
    return f"{d.cite} {d.source_ref}, {d.file} {d.key}, {d.verification}"


def _replacement(
    m: _Material,
    production: ImpactLine,
    transport: ImpactLine,
    study: Study,
    data: LifecycleData,
) -> ImpactLine:
    period, o = study.design_life.value, m.override
    row = data.service_life_for(m.factor.category)
    if o is not None and o.service_life_years is not None:
        life, flagged = o.service_life_years, False
        source = "the project file (materials.service_life_years)"
    elif row is not None:
        life, flagged = row.service_life_years, row.verification not in ("verified_x2", "verified")
        source = f"service_lives.csv:{row.category} ({row.source_id}, {row.verification})"
    else:
        note = f"assumed to last the study period (no service life for category {m.factor.category!r})"
        formula = f"lasts the study period of {num(period)} a: 0 replacements = 0 kgCO2e"
        return _line(m, Module.B4, 0.0, formula, quantity=0.0, unit="replacements", flagged=True, note=note)
    what = "typical service life, unverified" if flagged else "service life"
    n = replacements(period, life)
    count = f"⌈{num(period)} a / {num(life)} a⌉ − 1 = {n} replacement{'' if n == 1 else 's'}"

    def line(value: float | None, formula: str, note: str) -> ImpactLine:
        return _line(
            m, Module.B4, value, formula, quantity=float(n), unit="replacements", factor_value=life,
            flagged=flagged, note=note,
        )  # fmt: skip

    if n == 0:
        formula = f"service life {num(life)} a ≥ study period {num(period)} a: 0 replacements = 0 kgCO2e"
        return line(0.0, formula, f"{what} ({num(life)} a from {source})")
    if production.kgco2e is None:
        why = f"A1-A3 unknown: not computable ({count})"
        return line(None, f"{n} × (A1-A3 ?): {why}", why)
    parts, value = f"A1-A3 {num(production.kgco2e)} kgCO2e", production.kgco2e
    notes = [f"{what} ({num(life)} a from {source})"]
    if transport.kgco2e is not None:
        parts += f" + A4 {num(transport.kgco2e)} kgCO2e"
        value += transport.kgco2e
    else:
        notes.append("A4 unknown: the replacements' transport is not included")
    value *= n
    return line(value, f"{count}: {n} × ({parts}) = {num(value)} kgCO2e", "; ".join(notes))


def _credit(m: _Material, share: float, db: FactorDB, data: LifecycleData) -> ImpactLine:
    """Module D: −(mass t × recyclable share × ratio × substituted factor per t × credit share)."""
    rate = db.parameter("recycling_credit_share")
    category = m.factor.category
    row = data.substitution_for(category)
    substituted = db.factors.get(row.substituted_factor_id) if row is not None else None
    if row is None or substituted is None:
        why = (
            f"no substitution data for category {category}: module D not computed; add a row to "
            "material_db/substitutions.csv"
            if row is None
            else f"substituted factor {row.substituted_factor_id} (substitutions.csv:{row.category}) is "
            "not in the database: module D not computed"
        )
        formula = f"−(? t × {num(share)} recyclable × ? × ? kgCO2e/t × {num(rate)}): {why}"
        return _line(m, Module.D, None, formula, quantity=m.mass_t, unit="t", note=why)
    per_t, how = _per_t(substituted)
    what = f"{substituted.name_zh or substituted.name_en} ({substituted.factor_id})"
    source = f"substitutions.csv:{row.category}, {row.source_id}, {row.verification}"
    if m.mass_t is None or per_t is None:
        why = (
            "mass unknown: the recyclable mass cannot be credited"
            if m.mass_t is None
            else f"{substituted.factor_id} is declared per {substituted.declared_unit}, not per t or kg"
        )
        formula = f"−(? t × {num(share)} recyclable × {num(row.substitution_ratio)} t/t × {what}): {why}"
        return _line(m, Module.D, None, formula, factor=substituted, unit="t", note=why)
    value = -(m.mass_t * share * row.substitution_ratio * per_t * rate)
    formula = (
        f"−({num(m.mass_t)} t × {num(share)} recyclable × {num(row.substitution_ratio)} t/t substitution × "
        f"{num(per_t)} kgCO2e/t {what}{how} × {num(rate)} credit) = {num(value)} kgCO2e"
    )
    note = (
        f"substitutes {what} at {num(row.substitution_ratio)} t per t recovered ({source}); "
        "module D (GB/T 51366 §6.2): reported beside the totals, netted only with scope.include_module_d"
    )
    return _line(
        m, Module.D, value, formula, factor=substituted, quantity=m.mass_t, unit="t", factor_value=per_t,
        flagged=not row.verified, note=note,
    )  # fmt: skip


def _per_t(factor: Factor) -> tuple[float | None, str]:
    """The factor per t (and how it was converted); None when it is not declared per mass."""
    f = factor.gwp_kgco2e_per_unit
    if factor.declared_unit == "t":
        return f, ""
    if factor.declared_unit == "kg":
        return f * 1000.0, f" ({num(f)} kgCO2e/kg × 1000)"
    return None, ""
