"""Every breakdown of the report adds up to the total it breaks down, for any mix of elements.

Property: for a building of random boxes (classes, sizes, materials known, per-m², of estimated mass
and unknown), the GB/T 51366 stages sum to the total, each stage to its modules, each module to its
lines, the material rows to the production and transport stages, and the IFC-class hotspots (with
their "other classes" row) to the same two stages. "Exactly" is up to the report's rounding: every
value is rounded to 0.001 kgCO2e, so a sum of n rounded values may differ by n × 0.0005."""

from __future__ import annotations

import math
import tempfile
from collections import defaultdict
from pathlib import Path

import modelkit as mk
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embodied.pipeline import report_model, run_calculate
from embodied.records import MODULE_STAGE
from embodied.takeoff import TakeoffOptions

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out

CLASSES = ("IfcWall", "IfcSlab", "IfcColumn", "IfcBeam", "IfcFooting", "IfcCovering", "IfcMember")
MATERIALS = (
    "C30混凝土",  # m³ with a rebar estimate per class
    "Concrete - Cast-in-Place Concrete",  # an everyday name
    "钢筋",  # t
    "Aluminium",  # t, implausible as a solid block: a finding, never a changed number
    "铝塑复合板",  # m² (a box has no layer: no quantity)
    "Gypsum Wall Board",
    "Xyloquartz 7",  # unknown
)
box = st.tuples(
    st.sampled_from(CLASSES),
    st.sampled_from(MATERIALS),
    st.floats(0.1, 20.0),
    st.floats(0.1, 5.0),
    st.floats(0.05, 3.0),
)


def _close(a: float | None, b: float | None, terms: int) -> bool:
    if a is None or b is None:
        return a is None and b is None  # "not declared" is never 0, nor 0 "not declared"
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0005 * (terms + 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(box, min_size=1, max_size=6))
def test_every_breakdown_sums_to_its_total(boxes: list[tuple[str, str, float, float, float]]) -> None:
    model = mk.new_model("IFC4", "METRE")
    for i, (ifc_class, material, x, y, z) in enumerate(boxes):
        mk.add_box(model, ifc_class, material, size=(x, y, z), position=(30.0 * i, 0.0, 0.0))
    with tempfile.TemporaryDirectory() as folder:
        path = mk.save(model, Path(folder) / "boxes.ifc", seed="boxes")
        calc = run_calculate(path, TakeoffOptions())
    life = calc.lifecycle

    # each module is the sum of its lines (separate lines, green power and credits, never summed)
    per_module: dict[str, list[float]] = defaultdict(list)
    for line in life.lines:
        if line.kgco2e is not None and not line.separate:
            per_module[line.module.value].append(line.kgco2e)
    for key, value in life.modules.items():
        own = per_module.get(key)
        assert _close(value, sum(own) if own else None, 0), key

    # each GB/T 51366 stage is the sum of its modules; the total the sum of the stages (D not in scope)
    for stage, value in life.stages.items():
        parts = [life.modules[m.value] for m, s in MODULE_STAGE.items() if s is not None and s.value == stage]
        known = [p for p in parts if p is not None]
        assert _close(value, sum(known) if known else None, 0), stage
    stages = [v for v in life.stages.values() if v is not None]
    assert _close(life.total_kgco2e, sum(stages) if stages else None, 0)

    # the report: material rows and IFC-class hotspots add up to production + transport
    report = report_model(calc)
    by_key = {a.key: a.kgco2e for a in report.stages}
    product_transport = (by_key["production"] or 0.0) + (by_key["transport"] or 0.0)
    rows = [m.total_kgco2e or 0.0 for m in report.materials]
    assert _close(sum(rows), product_transport, len(rows) + 2)
    for module in ("A1-A3", "A4"):
        column = [m.modules[module] or 0.0 for m in report.materials]
        want = next(a.kgco2e for a in report.modules if a.key == module) or 0.0
        assert _close(sum(column), want, len(column) + 1), module
    classes = [h.kgco2e for h in report.hotspot_classes]
    if product_transport:
        assert _close(sum(classes), product_transport, len(classes) + 2)
        assert _close(sum(h.share for h in report.hotspot_classes), 1.0, 0)
    # the stage shares of the total add up to one whenever there is a total
    if report.total_kgco2e:
        shares = [a.share for a in report.stages if a.share is not None]
        assert math.isclose(sum(shares), 1.0, abs_tol=1e-6 * (len(shares) + 1))
