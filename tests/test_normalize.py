"""Name normalisation, word matching and grade-token parsing (embodied.matching.normalize)."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embodied.matching.normalize import (
    canonical_class,
    default_table,
    find,
    grade_table,
    load_grades,
    normalize,
    parse_grades,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ｃ３０混凝土（现浇）", "c30 混凝土 现浇"),  # full width to half width, brackets to spaces
        ("C30混凝土", "c30 混凝土"),  # a space between Chinese and Latin/digit runs
        ("Concrete C30/37", "concrete c30/37"),  # "/" kept between digits
        ("Concrete, Sand/Cement Screed", "concrete sand cement screed"),  # ... and dropped elsewhere
        ("M7.5混合砂浆", "m7.5 混合砂浆"),  # "." kept between digits
        ("Misc. Air Layers - Air Space", "misc air layers air space"),
        ("_Beton_C30-37_wg", "beton c30/37"),  # EN class with a hyphen; library tag dropped
        ("Wärmedämmung - hart", "waermedaemmung hart"),  # umlauts folded
        ("_Wärmedaemmung_druckfest_wg", "waermedaemmung druckfest"),  # ... so both spellings meet
        ("Béton, coulé sur place", "beton coule sur place"),  # accents dropped
        ("Basic Wall:Generic - 200mm:123456", "generic 200mm"),  # Revit prefix and element id
        ("Laterizio (2)", "laterizio"),  # copy counter
        ("Leichtbeton 102890359", "leichtbeton"),  # ArchiCAD index
        (" <Unnamed>", ""),
        ("砂（f=1.6～3.0）", "砂 f 1.6 3.0"),
        ("  Steel   Reinforcement ", "steel reinforcement"),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    """Width, case, accents, separators and tool noise are normalised as documented."""
    assert normalize(raw) == expected


@given(
    st.text(
        alphabet=st.sampled_from(list("aAbcC Q3057/.-_:()（）Ｃ３，、混凝土钢砂浆äöüßéÉ<>#+x")), max_size=40
    )
)
def test_normalize_is_idempotent(text: str) -> None:
    """Normalising a normalised name changes nothing."""
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(max_size=30))
def test_normalize_is_idempotent_on_any_text(text: str) -> None:
    """Idempotence holds for arbitrary Unicode too."""
    once = normalize(text)
    assert normalize(once) == once


def test_find_whole_latin_tokens_and_chinese_heads() -> None:
    """Latin words match whole tokens; a Chinese word anywhere, or with head=True only ending its run."""
    assert find("steel", "metal steel 345 mpa") == [(6, 11)]
    assert find("steel", "stainless steelwork") == []
    assert find("rock wool", "rock wool board") == [(0, 9)]
    assert find("钢", "钢质门") == [(0, 1)]
    assert find("钢", "钢质门", head=True) == []
    assert find("玻璃", "中空玻璃", head=True) == [(2, 4)]
    assert find("", "anything") == []


def test_canonical_class_drops_ifc2x3_suffixes() -> None:
    """IfcWallStandardCase is read as IfcWall, case-insensitively."""
    assert canonical_class("IfcWallStandardCase") == canonical_class("IFCWALL") == "ifcwall"
    assert canonical_class("IfcColumn") == "ifccolumn"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("现浇混凝土 C30", [("concrete", "C30", 30.0)]),
        ("Concrete C30/37", [("concrete", "C30/37", 30.0)]),  # EN class: its first number (the issue)
        ("Beton C25/30", [("concrete", "C25/30", 25.0)]),
        ("HRB400E 钢筋", [("rebar", "HRB400E", 400.0)]),
        ("HRBF500", [("rebar", "HRBF500", 500.0)]),
        ("HPB300", [("rebar", "HPB300", 300.0)]),
        ("CRB550", [("rebar", "CRB550", 550.0)]),
        ("B500B", [("rebar", "B500B", 500.0)]),
        ("Q235B", [("structural_steel", "Q235B", 235.0)]),
        ("Q355B 钢梁", [("structural_steel", "Q355B", 355.0)]),
        ("Q345GJC", [("structural_steel", "Q345GJC", 345.0)]),
        ("STEEL/S235JR", [("structural_steel", "S235JR", 235.0)]),
        ("M7.5 水泥砂浆", [("mortar", "M7.5", 7.5)]),
        ("Mb10", [("mortar", "MB10", 10.0)]),
        ("MU10 页岩砖 M7.5", [("masonry_unit", "MU10", 10.0), ("mortar", "M7.5", 7.5)]),
        ("加气混凝土砌块 A3.5 B06", [("aerated_block", "A3.5", 3.5), ("aerated_block", "B06", 6.0)]),
        ("LC30 lightweight", []),  # lightweight concrete classes are not parsed
        ("HN300×150×6.5×9", []),  # a section size is no grade
        ("C30混凝土", [("concrete", "C30", 30.0)]),
    ],
)
def test_parse_grades(name: str, expected: list[tuple[str, str, float]]) -> None:
    """Grade tokens come out with their family, canonical token and selecting number."""
    assert [(g.family, g.token, g.value) for g in parse_grades(name)] == expected


def test_en_concrete_class_yields_one_grade_of_en_form() -> None:
    """C30/37 is one token of the EN form, not also a GB C30."""
    (grade,) = parse_grades("Concrete C30/37")
    assert (grade.form, grade.raw) == ("en", "c30/37")


def test_grade_table_accepts_read_only_mappings() -> None:
    """The database hands grades.yaml over as a read-only proxy; it compiles the same."""
    grades = load_grades()
    assert grade_table(MappingProxyType(dict(grades))) == grade_table(grades) == default_table()


def test_malformed_grade_table_is_a_value_error() -> None:
    """A pattern without a regex, or a bad regex, is reported as a ValueError naming grades.yaml."""
    with pytest.raises(ValueError, match=r"grades\.yaml"):
        grade_table({"families": {"x": {"patterns": [{"form": "gb"}]}}})
    with pytest.raises(ValueError, match=r"grades\.yaml"):
        grade_table({"noise": [{"pattern": "("}]})


def test_guards_include_keywords_of_families_that_need_a_grade() -> None:
    """Concrete and mortar keywords veto aliases, so an ungraded concrete is never read as cement."""
    guards = default_table().guards
    assert {"混凝土", "concrete", "beton", "砂浆", "mortar"} <= set(guards)
    assert "钢" not in guards
