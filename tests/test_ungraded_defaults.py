"""Names of a grade family without a grade take the family's declared default (grades.yaml defaults):
matched, flagged, with the effect of one grade up and down, computed by hand."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any

import modelkit as mk
import pytest
from shared_models import embodied

from embodied import factors, matching
from embodied.errors import DatabaseError
from embodied.factors import DEFAULT_ROOT
from embodied.matching import defaults
from embodied.matching.core import MatchOptions
from embodied.matching.mapping import read as read_mapping
from embodied.pipeline import run_calculate
from embodied.reading import open_model
from embodied.records import MatchMethod, MatchResult, MaterialMatch, ProblemKind
from embodied.takeoff import TakeoffOptions
from embodied.takeoff import run as take_off

DB = factors.load()
C30, C35, C25 = 295.0, 317.5, 272.5  # kgCO2e/m³: App. D C30; derived 295 ± 5 × 4.5
M10, M15, M7_5 = 216.8399, 246.2399, 194.7899  # kgCO2e/m³, derived mixes (material_db/README.md)


def matched(boxes: list[tuple[str, str, float]], db: Any = DB, mapping: Any = None) -> MatchResult:
    """Match a model of boxes (IFC class, material, volume in m³ as a 1 × 1 × v box)."""
    model = mk.new_model("IFC4", "METRE")
    for i, (ifc_class, name, volume) in enumerate(boxes):
        mk.add_box(model, ifc_class, name, size=(1.0, 1.0, volume), position=(3.0 * i, 0.0, 0.0))
    with tempfile.TemporaryDirectory() as tmp:
        path = mk.save(model, Path(tmp) / "m.ifc", seed="defaults")
        takeoff = take_off(open_model(path), TakeoffOptions())
    return matching.run(takeoff, db, mapping, MatchOptions(rebar_estimate=False))


def row(result: MatchResult, name: str) -> MaterialMatch:
    (found,) = [m for m in result.materials if m.material == name]
    return found


def test_100_m3_of_concrete_without_grade_is_c30_with_its_steps(tmp_path: Path) -> None:
    """100 m³ 混凝土 → C30: 100 × 295 = 29 500 kgCO2e; C35 would add 100 × (317.5 − 295) = +2 250,
    C25 100 × (272.5 − 295) = −2 250; the assumption is a problem worded for the user."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_box(model, "IfcWall", "混凝土", size=(10.0, 1.0, 10.0))
    path = mk.save(model, tmp_path / "concrete.ifc", seed="concrete")
    calc = run_calculate(path, TakeoffOptions())
    concrete = row(calc.match, "混凝土")
    assert concrete.method is MatchMethod.DEFAULT and concrete.factor_id == "gbt51366:D:concrete_c30"
    assert concrete.quantity == pytest.approx(100.0)
    assert concrete.default_grade == "C30" and concrete.default_source == "embodied_assumption"
    assert (concrete.step_up_grade, concrete.step_up_factor_id) == ("C35", "derived:concrete_c35")
    assert (concrete.step_down_grade, concrete.step_down_factor_id) == ("C25", "derived:concrete_c25")
    assert concrete.step_up_kgco2e == pytest.approx(100 * (C35 - C30))  # +2 250
    assert concrete.step_down_kgco2e == pytest.approx(100 * (C25 - C30))  # −2 250
    assert concrete.kind == "concrete" and concrete.confidence == 0.6
    assert "grades.yaml defaults.concrete" in (concrete.rule or "")
    [line] = [x for x in calc.lifecycle.lines if x.material == "混凝土" and x.module.value == "A1-A3"]
    assert line.kgco2e == pytest.approx(100 * C30)  # 29 500
    message = (
        "混凝土: no grade, C30 assumed — set it in the mapping file; one grade up (C35) +2,250 kgCO2e, "
        "one grade down (C25) −2,250 kgCO2e"
    )
    assert any(p.kind is ProblemKind.ASSUMPTION and p.message == message for p in calc.match.problems)
    assert concrete.note.startswith(
        "no grade: C30 assumed (embodied_assumption); one grade up (C35) +2,250 kgCO2e, one grade down (C25) "
        "−2,250 kgCO2e"
    )


@pytest.mark.parametrize(
    "name",
    [
        "混凝土",
        "Concrete",
        "Beton",
        "Stahlbeton",
        "Бетон",
        "Железобетон",
        "钢筋混凝土",
        "Reinforced concrete",
    ],
)
def test_concrete_named_without_grade_is_c30(name: str) -> None:
    """Every language's plain concrete, reinforced or not, takes the declared C30."""
    found = row(matched([("IfcSlab", name, 2.0)]), name)
    assert (found.factor_id, found.method, found.default_grade) == (
        "gbt51366:D:concrete_c30",
        MatchMethod.DEFAULT,
        "C30",
    )
    assert found.step_up_kgco2e == pytest.approx(2 * (C35 - C30))  # +45
    assert found.step_down_kgco2e == pytest.approx(2 * (C25 - C30))  # −45


@pytest.mark.parametrize("name", ["水泥砂浆", "Mortar", "Cement screed", "Estrich"])
def test_mortar_named_without_grade_is_m10(name: str) -> None:
    """A mortar or screed without grade takes M10: 2 m³ → M15 +2 × 29.4 = +58.8, M7.5 2 × −22.05 = −44.1."""
    found = row(matched([("IfcCovering", name, 2.0)]), name)
    assert (found.factor_id, found.method) == ("derived:cement_mortar_m10", MatchMethod.DEFAULT)
    assert (found.step_up_grade, found.step_down_grade) == ("M15", "M7.5")
    assert found.quantity == pytest.approx(2.0)
    assert found.step_up_kgco2e == pytest.approx(2 * (M15 - M10))  # +58.8
    assert found.step_down_kgco2e == pytest.approx(2 * (M7_5 - M10))  # −44.1


@pytest.mark.parametrize(
    ("ifc_class", "factor_id"),
    [
        ("IfcBeam", "gbt51366:D:steel_hr_h_section"),
        ("IfcPlate", "gbt51366:D:steel_hr_plate"),
        ("IfcReinforcingBar", "gbt51366:D:steel_rebar"),
        ("IfcWall", "gbt51366:D:steel_average"),
    ],
)
def test_plain_steel_defaults_by_class_when_no_alias_catches_it(ifc_class: str, factor_id: str) -> None:
    """Without aliases, "Steel" takes the declared product of its class; it has no grade steps."""
    db = dataclasses.replace(DB, aliases=())
    found = row(matched([(ifc_class, "Steel", 1.0)], db=db), "Steel")
    assert (found.factor_id, found.method) == (factor_id, MatchMethod.DEFAULT)
    assert found.step_up_kgco2e is None and found.step_down_kgco2e is None


def test_explicit_grade_mapping_and_alias_win(tmp_path: Path) -> None:
    """A grade in the name, a mapping row and an alias each come before the default."""
    mapping_file = tmp_path / "mapping.csv"
    mapping_file.write_text("material,factor_id\nStahlbeton,derived:concrete_c40\n", encoding="utf-8")
    mapping = read_mapping(mapping_file, DB.factors.keys())
    result = matched(
        [("IfcWall", "C40 混凝土", 1.0), ("IfcWall", "Stahlbeton", 1.0), ("IfcBeam", "Steel", 1.0)],
        mapping=mapping,
    )
    graded, mapped, steel = row(result, "C40 混凝土"), row(result, "Stahlbeton"), row(result, "Steel")
    assert (graded.factor_id, graded.method) == ("derived:concrete_c40", MatchMethod.GRADE)
    assert (mapped.factor_id, mapped.method) == ("derived:concrete_c40", MatchMethod.MAPPING)
    assert steel.method is MatchMethod.ALIAS
    assert all(m.default_grade is None and m.step_up_kgco2e is None for m in (graded, mapped, steel))
    assert not any("assumed — set it" in p.message for p in result.problems)


@pytest.mark.parametrize(
    "name",
    [
        "加气混凝土砌块",  # a block: the kind is masonry, not concrete
        "Concrete block",
        "Leichtbeton",  # lightweight concrete: an `unless` word
        "Beton B25",  # a grade written another way
        "Concrete 35 MPa",
        "C80混凝土",  # a grade is named, even if no factor has it
        "Lime mortar",
        "Concrete Masonry, Floor Block",  # guard words of grades.yaml: a block ...
        "Concrete, Sand/Cement Screed",  # ... concrete or screed? neither is assumed
        "STEEL/NEOPRENE",  # a bearing pad
    ],
)
def test_no_default_where_the_name_says_more(name: str) -> None:
    """Another kind, a guard word, an `unless` word or pattern, or a grade of the family: no default."""
    found = row(matched([("IfcWall", name, 1.0)]), name)
    assert found.method is not MatchMethod.DEFAULT and found.default_grade is None


def test_a_default_named_by_the_material_category() -> None:
    """A name that tells nothing, with IfcMaterial.Category "concrete", takes C30 too (said in the rule)."""
    found = defaults.find_default("Material 1", "IfcWall", DB, "Concrete")
    assert found is not None and found.factor_id == "gbt51366:D:concrete_c30"
    assert "named by IfcMaterial.Category 'Concrete' 'concrete'" in found.rule
    assert defaults.find_default("Material 1", "IfcWall", DB) is None


def test_a_malformed_default_names_file_and_line(tmp_path: Path) -> None:
    """A step of another declared unit and a default without reason are both reported, with
    grades.yaml and their lines, when the matcher first reads them."""
    root = tmp_path / "material_db"
    shutil.copytree(DEFAULT_ROOT, root)
    grades = root / "grades.yaml"
    text = grades.read_text(encoding="utf-8")
    step = "    step_up: {grade: C35, factor_id: 'derived:concrete_c35'}\n"
    assert step in text
    text = text.replace(step, "    step_up: {grade: C35, factor_id: 'gbt51366:D:steel_rebar'}\n", 1)
    reason = "    reason: >-\n      M10 is a common grade"
    assert reason in text
    text = text.replace(reason, "    because: >-\n      M10 is a common grade", 1)
    grades.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    step_line = next(i for i, line in enumerate(lines, 1) if "'gbt51366:D:steel_rebar'}" in line)
    because = next(i for i, line in enumerate(lines, 1) if line.startswith("    because:"))
    mortar = next(i for i, line in enumerate(lines, 1) if line == "  mortar:" and i > step_line)
    db = factors.load(root)
    with pytest.raises(DatabaseError) as caught:
        matched([("IfcWall", "混凝土", 1.0)], db=db)
    assert [str(p) for p in caught.value.problems] == [
        f"material_db/grades.yaml:{step_line}: defaults.concrete.step_up.factor_id: gbt51366:D:steel_rebar "
        "is per t, the default's factor per m3: not comparable",
        f"material_db/grades.yaml:{because}: defaults.mortar.because: unknown key (known: by_class, "
        "confidence, factor_id, grade, reason, source, step_down, step_up, unless, unless_patterns)",
        f"material_db/grades.yaml:{mortar}: defaults.mortar.reason: must say why this default, as text",
    ]


def test_match_ends_with_the_next_step(tmp_path: Path) -> None:
    """`embodied match` says how many materials are unmatched and defaulted, their share of the mass, and
    the command that writes the mapping file: 100 m³ 混凝土 at 2400 kg/m³ = 240 000 kg defaulted and
    10 m³ Unobtainium at 1000 kg/m³ = 10 000 kg unmatched: 240 000 / 250 000 = 96 %,
    10 000 / 250 000 = 4 %."""
    model = mk.new_model("IFC4", "METRE")
    mk.material(model, "混凝土", density=2400.0)
    mk.material(model, "Unobtainium 9000", density=1000.0)
    mk.add_box(model, "IfcWall", "混凝土", size=(10.0, 1.0, 10.0))
    mk.add_box(model, "IfcWall", "Unobtainium 9000", size=(10.0, 1.0, 1.0), position=(20.0, 0.0, 0.0))
    path = mk.save(model, tmp_path / "next.ifc", seed="next")
    done = embodied("match", path, "--no-rebar-estimate", "--no-cache", "-o", tmp_path / "m.json")
    assert done.returncode == 0, done.stderr
    assert (
        "next: 1 material unmatched (4 % of the mass), 1 material defaulted (96 % of the mass) — write the "
        f"mapping file with `embodied match {path} --write-mapping mapping.csv`, fill factor_id (a defaulted "
        "row: the factor of its real grade), then rerun with `--mapping mapping.csv`"
    ) in done.stderr


def test_classes_defaulted_alike_share_one_row() -> None:
    """混凝土 on a wall (2 m³) and a slab (3 m³) is one C30 row of 5 m³: C35 +5 × 22.5 = +112.5 kgCO2e;
    steel on a beam and a column is one H-section row."""
    result = matched([("IfcWall", "混凝土", 2.0), ("IfcSlab", "混凝土", 3.0)])
    concrete = row(result, "混凝土")
    assert concrete.ifc_classes == ("IfcSlab", "IfcWall") and concrete.quantity == pytest.approx(5.0)
    assert concrete.step_up_kgco2e == pytest.approx(5 * (C35 - C30))  # +112.5
    db = dataclasses.replace(DB, aliases=())
    steel = row(matched([("IfcBeam", "Steel", 1.0), ("IfcColumn", "Steel", 1.0)], db=db), "Steel")
    assert steel.ifc_classes == ("IfcBeam", "IfcColumn")
    assert steel.factor_id == "gbt51366:D:steel_hr_h_section"
