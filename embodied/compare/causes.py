"""The difference between two calculations, by cause, per module, material and element; exact.

Each variant's counted modules (GB/T 51366 stages, and module D when ``include_module_d``) are split
into element parts — an element's share of a material's lines (``by_element.element_shares``), with
its share of the material's quantity — and the rest, the lines not tied to an element (operation
B6, construction A5, demolition C1, a material's lines no element carries). Elements are paired by
GlobalId, else by IFC class + type name + storey + volume (rounded to 1e-6 m³), in GlobalId order.
For one step A → B:

* an element only in A: ``element removed`` (−its parts), only in B: ``element added`` (+its parts);
* a paired element with a material only in A or only in B, or whose factor id or declared unit
  changed: ``material changed``, one net line per element and module (kgCO2e_B − kgCO2e_A of those
  materials, named "C30混凝土 → C40混凝土"; a change that nets to 0, such as A4 at one density, has none);
* the same material and factor id: the change of Q × F split in this order — quantity effect
  ``(Q_B − Q_A) × F_A`` (``quantity changed``), then factor effect ``Q_B × (F_B − F_A)``, computed as
  the remainder Δ − quantity effect so that the two add up exactly; it is ``factor changed`` in
  A1-A3 (another factor value: data version, pack) and ``setting changed`` in the other modules
  (transport distance or mode, density …). F is the line's kgCO2e per unit of the material's quantity;
* per module, everything else — module total_B − module total_A minus the element causes of that
  module — is ``setting changed`` (grid factor, design life, site energy, switches).

So the causes of a module add up to its change, and all causes to total_B − total_A, by construction
(floating point aside, checked to 1e-6). B4 and D (beside GB/T 51366) are left out unless D is netted
into the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from embodied.compare.records import Cause, CauseLine, Step
from embodied.errors import EmbodiedError, InputError
from embodied.lifecycle.by_element import element_shares
from embodied.pipeline import Calculation
from embodied.records import MODULE_STAGE, Module, TakeoffRow

NOISE = 1e-9  # kgCO2e: a cause smaller than this is float noise, left out (the setting line absorbs it)
VOLUME_DIGITS = 6  # m³: volumes equal to 1e-6 pair elements whose GlobalIds differ


@dataclass(frozen=True, slots=True)
class Part:
    """One element's share of one material's line in one module."""

    kgco2e: float
    quantity: float  # the element's quantity of the material, in the factor's declared unit
    factor_id: str | None
    unit: str | None


Parts = dict[str, dict[tuple[str, str], Part]]  # global_id -> (material, module) -> Part


def counted_modules(calc: Calculation) -> dict[str, str]:
    """module -> stage of every module that makes up the variant's total."""
    netted_d = calc.settings.scope.include_module_d
    found = {}
    for module in Module:
        stage = MODULE_STAGE[module]
        if stage is not None:
            found[module.value] = stage.value
        elif module is Module.D and netted_d:
            found[module.value] = "D"
    return found


def module_totals(calc: Calculation) -> dict[str, float]:
    return {m: calc.lifecycle.modules.get(m) or 0.0 for m in counted_modules(calc)}


def variant_total(calc: Calculation) -> float:
    """The variant's total in scope; a variant with none (nothing computed) cannot be compared: an
    InputError naming its model, never a total of 0."""
    total = calc.lifecycle.total_kgco2e
    if total is None:
        model = calc.match.takeoff.model.path
        raise InputError(
            f"{model}: no total was computed (nothing in scope): this variant cannot be compared"
        )
    return total


def element_parts(calc: Calculation) -> Parts:
    """Every element's parts of the counted modules (an excluded module carries none)."""
    counted = {m for m in counted_modules(calc) if calc.lifecycle.modules.get(m) is not None}
    rows_of: dict[str, list[TakeoffRow]] = defaultdict(list)
    for row in calc.match.takeoff.rows:
        rows_of[row.global_id].append(row)
    per_material: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in calc.lifecycle.lines:
        if line.material_index is None or line.kgco2e is None or line.separate:
            continue
        if line.module.value in counted:
            per_material[line.material_index][line.module.value] += line.kgco2e
    parts: Parts = defaultdict(dict)
    for index, amounts in sorted(per_material.items()):
        material = calc.match.materials[index]
        quantity = material.quantity or 0.0
        for gid, share in element_shares(material, rows_of).items():
            for module, kgco2e in amounts.items():
                key = (material.material, module)
                old = parts[gid].get(key)
                part = Part(kgco2e * share, quantity * share, material.factor_id, material.declared_unit)
                if old is not None:  # one material name in several rows (per IFC class)
                    part = Part(
                        old.kgco2e + part.kgco2e, old.quantity + part.quantity, old.factor_id, old.unit
                    )
                parts[gid][key] = part
    return dict(parts)


def shape_key(rows: list[TakeoffRow]) -> tuple[str, str, str, float]:
    first = rows[0]
    volume = sum(r.volume_m3 or 0.0 for r in rows)
    return (first.ifc_class, first.type_name or "", first.storey or "", round(volume, VOLUME_DIGITS))


def pair_elements(a: Calculation, b: Calculation, ids_a: set[str], ids_b: set[str]) -> dict[str, str]:
    """B's GlobalId -> A's of the paired elements: the same GlobalId, else the same shape key."""
    pairs = {gid: gid for gid in ids_a & ids_b}
    rows_a: dict[str, list[TakeoffRow]] = defaultdict(list)
    rows_b: dict[str, list[TakeoffRow]] = defaultdict(list)
    for row in a.match.takeoff.rows:
        if row.global_id in ids_a and row.global_id not in pairs:
            rows_a[row.global_id].append(row)
    for row in b.match.takeoff.rows:
        if row.global_id in ids_b and row.global_id not in pairs:
            rows_b[row.global_id].append(row)
    waiting: dict[tuple[str, str, str, float], list[str]] = defaultdict(list)
    for gid in sorted(rows_a):
        waiting[shape_key(rows_a[gid])].append(gid)
    for gid in sorted(rows_b):
        candidates = waiting.get(shape_key(rows_b[gid]))
        if candidates:
            pairs[gid] = candidates.pop(0)
    return pairs


def swap_name(changes: list[tuple[str, str, float]]) -> str:
    """ "C30混凝土 → C40混凝土" (the materials before, then after; one side may be empty)."""
    before = " + ".join(dict.fromkeys(m for side, m, _ in changes if side == "A")) or "(none)"
    after = " + ".join(dict.fromkeys(m for side, m, _ in changes if side == "B")) or "(none)"
    return before if before == after else f"{before} → {after}"


def classes(calc: Calculation) -> dict[str, str]:
    return {row.global_id: row.ifc_class for row in calc.match.takeoff.rows}


def explain(a: Calculation, b: Calculation, before: str = "A", after: str = "B") -> Step:
    """The step from `a` to `b`, its causes summing to total_B − total_A (an EmbodiedError if not)."""
    stage_of = {**counted_modules(a), **counted_modules(b)}
    parts_a, parts_b = element_parts(a), element_parts(b)
    pairs = pair_elements(a, b, set(parts_a), set(parts_b))
    class_a, class_b = classes(a), classes(b)
    lines: list[CauseLine] = []

    def add(
        cause: Cause,
        module: str,
        material: str | None,
        gid: str | None,
        cls: str | None,
        kg: float,
        note: str = "",
    ) -> None:
        if abs(kg) > NOISE:
            lines.append(
                CauseLine(before, after, cause, stage_of[module], module, material, gid, cls, kg, note)
            )

    paired_a = set(pairs.values())
    for gid in sorted(set(parts_a) - paired_a):
        for (material, module), part in sorted(parts_a[gid].items()):
            add(Cause.REMOVED, module, material, gid, class_a.get(gid), -part.kgco2e)
    for gid in sorted(parts_b):
        cls = class_b.get(gid)
        if gid not in pairs:
            for (material, module), part in sorted(parts_b[gid].items()):
                add(Cause.ADDED, module, material, gid, cls, part.kgco2e)
            continue
        was = pairs[gid]
        note = "" if was == gid else f"paired with {was} by class, type, storey and volume"
        old, new = parts_a[was], parts_b[gid]
        swapped: dict[str, list[tuple[str, str, float]]] = defaultdict(list)  # module -> (side, material, kg)
        for key in sorted(set(old) | set(new)):
            material, module = key
            pa, pb = old.get(key), new.get(key)
            if pa is None or pb is None or pa.factor_id != pb.factor_id or pa.unit != pb.unit:
                if pa is not None:
                    swapped[module].append(("A", material, -pa.kgco2e))
                if pb is not None:
                    swapped[module].append(("B", material, pb.kgco2e))
                continue
            change = pb.kgco2e - pa.kgco2e
            by_quantity = (pb.quantity - pa.quantity) * (pa.kgco2e / pa.quantity) if pa.quantity else change
            rate_cause = Cause.FACTOR if module == Module.A1_A3.value else Cause.SETTING
            add(Cause.QUANTITY, module, material, gid, cls, by_quantity, note)
            add(rate_cause, module, material, gid, cls, change - by_quantity, note)
        for module, changes in swapped.items():  # one net line per element and module: "C30 → C40"
            add(Cause.MATERIAL, module, swap_name(changes), gid, cls, sum(c[2] for c in changes), note)
    totals_a, totals_b = module_totals(a), module_totals(b)
    tied: dict[str, float] = defaultdict(float)
    for line in lines:
        tied[line.module] += line.kgco2e
    for module in stage_of:
        rest = totals_b.get(module, 0.0) - totals_a.get(module, 0.0) - tied[module]
        add(Cause.SETTING, module, None, None, None, rest, "lines not tied to an element")
    difference = variant_total(b) - variant_total(a)
    explained = sum(line.kgco2e for line in lines)
    if abs(explained - difference) > 1e-6:
        raise EmbodiedError(
            f"compare {before}→{after}: the causes sum to {explained!r}, the difference is {difference!r}"
        )
    shape_pairs = sum(1 for gid, was in pairs.items() if gid != was)
    return Step(before, after, difference, tuple(lines), shape_pairs)
