"""Matching, end to end on models built in code: methods, quantities, rebar, coverage by hand."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import modelkit as mk
import pytest

from embodied import factors, matching
from embodied.matching.core import REBAR_ESTIMATE, MatchOptions
from embodied.matching.mapping import MappingError
from embodied.matching.mapping import read as read_mapping
from embodied.matching.quantities import NO_MATERIAL
from embodied.reading import open_model
from embodied.records import MatchMethod, MatchResult, MaterialMatch, ProblemKind
from embodied.takeoff import run as take_off

REL = 1e-6
DB = factors.load()


def matched(model: Any, mapping: Any = None, options: MatchOptions | None = None) -> MatchResult:
    with tempfile.TemporaryDirectory() as tmp:
        path = mk.save(model, Path(tmp) / "m.ifc")
        return matching.run(take_off(open_model(path)), DB, mapping, options)


def row(result: MatchResult, material: str) -> MaterialMatch:
    (found,) = [m for m in result.materials if m.material == material]
    return found


def box(model: Any, cls: str, spec: Any, size: tuple[float, float, float], x: float, name: str) -> Any:
    return mk.add_box(model, cls, spec, size=size, position=(x, 0.0, 0.0), name=name)


@pytest.mark.parametrize(
    ("name", "ifc_class", "factor_id", "method"),
    [
        ("现浇混凝土 C30", "IfcColumn", "gbt51366:D:concrete_c30", MatchMethod.GRADE),
        ("Concrete C30/37", "IfcSlab", "gbt51366:D:concrete_c30", MatchMethod.GRADE),
        ("C40 商品混凝土", "IfcBeam", "derived:concrete_c40", MatchMethod.GRADE),
        ("HRB400 钢筋", "IfcReinforcingBar", "gbt51366:D:steel_rebar", MatchMethod.GRADE),
        ("Q355B 钢梁", "IfcBeam", "gbt51366:D:steel_hr_h_section", MatchMethod.GRADE),
        ("聚苯乙烯泡沫保温板", "IfcCovering", "gbt51366:D:insulation_eps", MatchMethod.ALIAS),
        ("M10 水泥砂浆", "IfcCovering", "derived:cement_mortar_m10", MatchMethod.GRADE),
        ("Beton C25/30", "IfcWall", "derived:concrete_c25", MatchMethod.GRADE),
        ("steel", "IfcReinforcingBar", "gbt51366:D:steel_rebar", MatchMethod.ALIAS),
    ],
)
def test_issue_cases_match_through_the_whole_stage(
    name: str, ifc_class: str, factor_id: str, method: MatchMethod
) -> None:
    """The issue's hand-checked names reach their factor with the method that explains it."""
    model = mk.new_model("IFC4", "METRE")
    box(model, ifc_class, name, (1.0, 1.0, 1.0), 0.0, "E1")
    found = row(matched(model), name)
    assert (found.factor_id, found.method) == (factor_id, method)
    assert found.rule and found.confidence is not None and 0 < found.confidence <= 1
    assert found.factor_source and found.gwp_kgco2e_per_unit is not None


def test_unknown_material_is_unmatched_with_suggestions() -> None:
    """An unknown material gets no factor, a problem, and suggestions that were not applied."""
    model = mk.new_model("IFC4", "METRE")
    box(model, "IfcBuildingElementProxy", "Unobtainium 9000", (1.0, 1.0, 1.0), 0.0, "X")
    result = matched(model)
    found = row(result, "Unobtainium 9000")
    assert found.factor_id is None and found.method is MatchMethod.UNMATCHED
    assert any(p.kind is ProblemKind.UNMATCHED and "Unobtainium" in p.message for p in result.problems)


def test_accepted_suggestion_is_labelled_and_weak() -> None:
    """--accept-suggestions applies a close fuzzy match, as a suggestion with a low confidence."""
    model = mk.new_model("IFC4", "METRE")
    box(model, "IfcCovering", "岩棉保温板材", (1.0, 1.0, 0.1), 0.0, "X")
    result = matched(model, options=MatchOptions(accept_suggestions=True, suggestion_min_score=0))
    found = row(result, "岩棉保温板材")
    if found.method is MatchMethod.SUGGESTION:
        assert found.confidence is not None and found.confidence <= 0.6
        assert "accepted" in (found.rule or "")
    else:  # an alias already catches it; a suggestion is never stronger than a rule
        assert found.method in (MatchMethod.ALIAS, MatchMethod.GRADE)


def test_quantities_in_the_declared_unit_and_coverage_by_hand() -> None:
    """m³ factors take volume, t factors take mass/1000; the 95 % mass rule is computed by hand."""
    model = mk.new_model("IFC4", "METRE")
    mk.material(model, "C30混凝土", density=2400.0)
    mk.material(model, "Q355钢", density=7850.0)
    mk.material(model, "Unobtainium 9000", density=1000.0)
    box(model, "IfcColumn", "C30混凝土", (0.4, 0.4, 3.0), 0.0, "KZ1")  # 0.48 m³ -> 1152 kg
    box(model, "IfcBeam", "Q355钢", (0.1, 0.1, 2.0), 2.0, "GL1")  # 0.02 m³ -> 157 kg
    box(model, "IfcBuildingElementProxy", "Unobtainium 9000", (0.1, 0.1, 0.5), 4.0, "X")  # 0.005 m³ -> 5 kg
    result = matched(model, options=MatchOptions(rebar_estimate=False))
    concrete, steel = row(result, "C30混凝土"), row(result, "Q355钢")
    assert concrete.declared_unit == "m3" and concrete.quantity == pytest.approx(0.48, rel=REL)
    assert steel.declared_unit == "t" and steel.quantity == pytest.approx(0.02 * 7850 / 1000, rel=REL)
    coverage = result.coverage
    total = 0.48 * 2400 + 0.02 * 7850 + 0.005 * 1000  # 1152 + 157 + 5 = 1314 kg
    assert coverage.total_mass_kg == pytest.approx(total, rel=REL)
    assert coverage.matched_mass_kg == pytest.approx(1152 + 157, rel=REL)
    assert coverage.share == pytest.approx(1309 / 1314, rel=REL)  # 99.62 % >= 95 %
    assert coverage.rule_met
    assert coverage.unmatched_by_mass == (("Unobtainium 9000", pytest.approx(5.0, rel=REL)),)
    assert coverage.omissible == ()  # 5 / 1314 = 0.38 % is above the 0.1 % cut-off


def test_coverage_rule_fails_below_95_percent() -> None:
    """Unmatched material holding 10 % of the mass breaks the rule, and a coverage problem says so."""
    model = mk.new_model("IFC4", "METRE")
    mk.material(model, "C30混凝土", density=2400.0)
    mk.material(model, "Unobtainium 9000", density=2400.0)
    box(model, "IfcColumn", "C30混凝土", (1.0, 1.0, 0.9), 0.0, "A")  # 0.9 m³
    box(model, "IfcColumn", "Unobtainium 9000", (1.0, 1.0, 0.1), 2.0, "B")  # 0.1 m³: 10 % of the mass
    result = matched(model, options=MatchOptions(rebar_estimate=False))
    assert result.coverage.share == pytest.approx(0.9, rel=REL)
    assert not result.coverage.rule_met
    assert any(p.kind is ProblemKind.COVERAGE and "90.0%" in p.message for p in result.problems)


def test_two_materials_on_one_factor_stay_two_rows() -> None:
    """Two model materials matched to C30 keep their own rows and volumes; nothing is overwritten."""
    model = mk.new_model("IFC4", "METRE")
    box(model, "IfcColumn", "C30混凝土", (1.0, 1.0, 2.0), 0.0, "A")  # 2 m³
    box(model, "IfcColumn", "现浇混凝土 C30", (1.0, 1.0, 3.0), 2.0, "B")  # 3 m³
    result = matched(model, options=MatchOptions(rebar_estimate=False))
    rows = [m for m in result.materials if m.factor_id == "gbt51366:D:concrete_c30"]
    assert sorted(m.volume_m3 or 0 for m in rows) == [pytest.approx(2.0), pytest.approx(3.0)]
    assert sum(m.quantity or 0 for m in rows) == pytest.approx(5.0, rel=REL)


def test_rebar_estimate_when_rebar_is_not_modelled() -> None:
    """Concrete without modelled rebar adds one flagged line: volume x the class's kg/m³ ratio."""
    model = mk.new_model("IFC4", "METRE")
    box(model, "IfcSlab", "C30混凝土", (4.0, 5.0, 0.2), 0.0, "S")  # 4 m³
    box(model, "IfcColumn", "C30混凝土", (0.5, 0.5, 4.0), 6.0, "C")  # 1 m³
    result = matched(model)
    estimate = row(result, REBAR_ESTIMATE)
    ratios = DB.method["rebar_kg_per_m3"]["value"]  # kg of rebar per m³ of concrete, by IFC class

    def ratio(cls: str) -> float:
        return float(ratios.get(cls, ratios["default"]))

    expected = 4.0 * ratio("IfcSlab") + 1.0 * ratio("IfcColumn")  # e.g. 4 x 100 + 1 x 180 = 580 kg
    assert estimate.mass_kg == pytest.approx(expected, rel=REL)
    assert estimate.factor_id == "gbt51366:D:steel_rebar" and estimate.method is MatchMethod.ESTIMATE
    assert estimate.quantity == pytest.approx(expected / 1000, rel=REL)  # per tonne
    assert "not modelled" in estimate.note
    assert any(p.kind is ProblemKind.ASSUMPTION and "rebar" in p.message for p in result.problems)


def test_no_rebar_estimate_when_rebar_is_modelled() -> None:
    """A model with reinforcing bars gets no estimate line."""
    model = mk.new_model("IFC4", "METRE")
    box(model, "IfcSlab", "C30混凝土", (4.0, 5.0, 0.2), 0.0, "S")
    box(model, "IfcReinforcingBar", "HRB400 钢筋", (0.02, 0.02, 4.0), 0.0, "R")
    assert all(m.material != REBAR_ESTIMATE for m in matched(model).materials)


def test_mapping_file_comes_first(tmp_path: Path) -> None:
    """A user mapping overrides rules; it names its file and line as the rule."""
    mapping_file = tmp_path / "map.csv"
    mapping_file.write_text("material,factor_id\nC30混凝土,derived:concrete_c40\n", encoding="utf-8")
    mapping = read_mapping(mapping_file, DB.factors.keys())
    model = mk.new_model("IFC4", "METRE")
    box(model, "IfcColumn", "C30混凝土", (1.0, 1.0, 1.0), 0.0, "A")
    found = row(matched(model, mapping, MatchOptions(rebar_estimate=False)), "C30混凝土")
    assert (found.factor_id, found.method) == ("derived:concrete_c40", MatchMethod.MAPPING)
    assert found.rule == f"mapping {mapping_file}:2"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("material,factor_id\nC30混凝土,nope:x\n", ":2: unknown factor id 'nope:x'"),
        ("material,factor\nC30混凝土,gbt51366:D:concrete_c30\n", ":1: mapping header lacks factor_id"),
        ("material,factor_id\nC30混凝土,gbt51366:D:concrete_c30,extra\n", ":2: malformed row"),
        (
            "material,factor_id\na,gbt51366:D:concrete_c30\na,gbt51366:D:concrete_c50\n",
            ":3: 'a' is already mapped",
        ),
    ],
)
def test_bad_mapping_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    """A mapping with an unknown id or a malformed row is one error naming file and line."""
    path = tmp_path / "map.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        read_mapping(path, DB.factors.keys())
    assert str(path) + message in caught.value.message


def test_elements_without_material_are_one_unmatched_row() -> None:
    """Elements with no material are listed as one '(no material)' row, never dropped."""
    model = mk.new_model("IFC4", "METRE")
    box(model, "IfcBuildingElementProxy", None, (1.0, 1.0, 1.0), 0.0, "P")
    found = row(matched(model), NO_MATERIAL)
    assert found.elements == 1 and found.volume_m3 == pytest.approx(1.0) and found.factor_id is None
