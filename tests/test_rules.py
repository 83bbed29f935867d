"""Rule matching of material names (grades, aliases, category) and fuzzy suggestions, on the real
material_db and on a small stand-in database for the ordering rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from embodied import factors
from embodied.matching import rules
from embodied.matching.normalize import load_grades, normalize

DB = factors.load()


def factor_of(name: str, *classes: str, category: str | None = None, db: Any = DB) -> str | None:
    found = rules.match_name(name, classes, category, db)
    return found.factor_id if found else None


# -- the issue's hand-checked cases -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "classes", "factor_id", "method"),
    [
        ("现浇混凝土 C30", (), "gbt51366:D:concrete_c30", "grade"),
        ("Concrete C30/37", (), "gbt51366:D:concrete_c30", "grade"),
        ("C40 商品混凝土", (), "derived:concrete_c40", "grade"),
        ("HRB400 钢筋", ("IfcReinforcingBar",), "gbt51366:D:steel_rebar", "grade"),
        ("Q355B 钢梁", ("IfcBeam",), "gbt51366:D:steel_hr_h_section", "grade"),
        ("聚苯乙烯泡沫保温板", (), "gbt51366:D:insulation_eps", "alias"),
        ("M10 水泥砂浆", (), "derived:cement_mortar_m10", "grade"),
        ("Beton C25/30", (), "derived:concrete_c25", "grade"),
        ("steel", ("IfcReinforcingBar",), "gbt51366:D:steel_rebar", "alias"),
    ],
)
def test_issue_cases(name: str, classes: tuple[str, ...], factor_id: str, method: str) -> None:
    """Each hand-checked name of the issue reaches its factor by the expected rule."""
    found = rules.match_name(name, classes, None, DB)
    assert found is not None
    assert (found.factor_id, found.method) == (factor_id, method)
    assert 0 < found.confidence <= 1


def test_unknown_material_is_unmatched_with_suggestions() -> None:
    """An unknown name matches nothing and still gets up to three scored suggestions."""
    assert rules.match_name("Unobtainium 9000", ("IfcWall",), None, DB) is None
    suggested = rules.suggest("Unobtainium 9000", DB)
    assert 1 <= len(suggested) <= 3
    assert all(fid in DB.factors and 0 <= score <= 100 for fid, score in suggested)
    assert [s for _, s in suggested] == sorted((s for _, s in suggested), reverse=True)


# -- the sample building and real exports ------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "ifc_class", "factor_id"),
    [
        # examples/sample_building.ifc
        ("C30混凝土", "IfcColumn", "gbt51366:D:concrete_c30"),
        ("Q355钢", "IfcBeam", "gbt51366:D:steel_hr_h_section"),
        ("Q355钢", "IfcMember", "gbt51366:D:steel_hr_h_section"),
        ("Q355钢", "IfcPlate", "gbt51366:D:steel_hr_plate"),
        ("岩棉板", "IfcWall", "gbt51366:D:insulation_rockwool"),
        ("挤塑聚苯板", "IfcSlab", "derived:insulation_xps"),
        ("中空玻璃", "IfcWindow", "gbt51366:D:glass_flat"),
        ("铝合金型材", "IfcWindow", "gbt51366:D:aluminium_sheet_strip"),
        ("水泥砂浆", "IfcWall", None),  # a mortar needs its grade
        ("加气混凝土砌块", "IfcWall", "derived:block_aac"),  # derived from its raw materials; not a concrete
        ("外墙涂料", "IfcWall", None),  # paint: no factor
        ("SBS改性沥青防水卷材", "IfcSlab", None),  # membrane: no factor
        ("钢质门", "IfcDoor", None),  # a door, not a steel
        ("木门", "IfcDoor", None),
        # real exports in ../shared/ifc
        ("Concrete, Cast-in-Place gray", "IfcSlab", None),  # revit2021_example: no grade
        ("Metal - Steel - 345 MPa", "IfcBeam", "gbt51366:D:steel_hr_h_section"),
        ("_Beton_C30-37_wg", "IfcWallStandardCase", "gbt51366:D:concrete_c30"),  # ifclca
        ("Baustahl - S235", "IfcBeam", "gbt51366:D:steel_hr_h_section"),
        ("Metall - Baustahl S235", "IfcColumn", "gbt51366:D:steel_hr_h_section"),
        ("S275J2", "IfcBeam", "gbt51366:D:steel_hr_h_section"),  # bsi: grade named by the class
        ("STEEL/S235JR", "IfcDiscreteAccessory", "gbt51366:D:steel_average"),  # tekla
        ("A992", "IfcBeam", "gbt51366:D:steel_hr_h_section"),
        ("A36 Steel Plate/etc: fu=58  fy=36", "IfcPlate", "gbt51366:D:steel_hr_plate"),  # sds2
        ("A500A Steel Tube: fu=45  fy=39", "IfcColumn", "gbt51366:D:pipe_welded_straight"),
        ("Steel Reinforcement", "IfcSlab", "gbt51366:D:steel_rebar"),
        ("Glass", "IfcWindow", "gbt51366:D:glass_flat"),
        ("玻璃", "IfcWindow", "gbt51366:D:glass_flat"),  # revit2019 (Chinese UI)
        ("Aluminium", "IfcRoof", "gbt51366:D:aluminium_sheet_strip"),
        ("Concrete Masonry Units", "IfcWallStandardCase", "derived:block_concrete_hollow"),  # not concrete
        ("Stahlbeton - Ortbeton", "IfcSlab", None),  # reinforced concrete without grade
        ("Leichtbeton 102890359", "IfcWallStandardCase", None),
        ("Wärmedämmung - hart", "IfcWallStandardCase", None),  # which polymer is unknown
        ("Fiberglass Batt", "IfcWallStandardCase", "derived:insulation_glass_wool"),  # proxy of rock wool
        ("Brick, Common", "IfcWallStandardCase", "gbt51366:D:brick_shale_solid"),  # generic: fired solid
        ("Gypsum Wall Board", "IfcCovering", None),
        ("Concrete, Sand/Cement Screed", "IfcSlab", None),  # not cement, not sand
        ("CONCRETE/BETON", "IfcBeam", None),
        ("STEEL/NEOPRENE", "IfcBeam", None),  # tekla: a bearing pad filed under steel
    ],
)
def test_model_names(name: str, ifc_class: str, factor_id: str | None) -> None:
    """Names found in the sample building and in real exports match, or honestly do not."""
    assert factor_of(name, ifc_class) == factor_id


@pytest.mark.parametrize(
    ("name", "ifc_class", "factor_id"),
    [
        ("XPS聚苯板", "IfcSlab", "derived:insulation_xps"),  # not the EPS alias 聚苯板
        ("MU10页岩砖", "IfcWall", "gbt51366:D:brick_shale_solid"),  # strength grade, brick by alias
        ("M7.5混合砂浆", "IfcWall", "derived:cement_mortar_m7_5"),
        ("C30", "IfcWall", "gbt51366:D:concrete_c30"),  # family named by the class
        ("C30", "IfcFlowSegment", None),  # ... and not by an unrelated class
        ("M10", "IfcWall", None),  # a mortar grade needs a mortar keyword
        ("C80混凝土", "IfcColumn", None),  # no C80 factor: unmatched, not a neighbour grade
        ("钢筋混凝土", "IfcSlab", None),
        ("不锈钢", "IfcMember", "derived:steel_stainless"),  # stainless is no carbon steel
        ("水泥纤维板", "IfcCovering", None),  # 水泥 is not the head of the name
        ("Glass wool", "IfcWall", "derived:insulation_glass_wool"),  # not glass
        ("Rock wool board", "IfcWall", "gbt51366:D:insulation_rockwool"),
        ("PVC-U排水管", "IfcPipeSegment", "gbt51366:D:pipe_pvcu"),
        ("HDPE", "IfcPipeSegment", "gbt51366:D:pipe_pe"),
        ("HDPE", "IfcWall", "gbt51366:D:plastic_hdpe"),
        ("断桥铝合金窗", "IfcWindow", "gbt51366:D:window_al_thermal_break_primary"),
        ("Steel door", "IfcDoor", None),
    ],
)
def test_guards_heads_and_context(name: str, ifc_class: str, factor_id: str | None) -> None:
    """Guards, Chinese head words and IFC classes keep near-misses from matching."""
    assert factor_of(name, ifc_class) == factor_id


def test_en_concrete_class_is_flagged_as_an_assumption() -> None:
    """C30/37 read as C30 says so in its rule and is less confident than a GB grade."""
    en = rules.match_name("Concrete C30/37", (), None, DB)
    gb = rules.match_name("C30 混凝土", (), None, DB)
    assert en is not None and gb is not None
    assert "assumption" in en.rule and "assumption" not in gb.rule
    assert en.confidence < gb.confidence


def test_rules_name_their_data() -> None:
    """A rule names the token or alias and the data entry it came from."""
    grade = rules.match_name("C40 商品混凝土", (), None, DB)
    alias = rules.match_name("聚苯乙烯泡沫保温板", (), None, DB)
    assert grade is not None and alias is not None
    assert grade.rule.startswith("grade C40 (concrete")
    assert "grades.yaml concrete.derived" in grade.rule
    assert "alias '聚苯乙烯泡沫保温板' (zh, priority 10)" in alias.rule
    assert "aliases.csv" in alias.rule


# -- IfcMaterial.Category fallback ------------------------------------------------------------------
def test_category_fallback_is_weaker_and_class_aware() -> None:
    """A name that says nothing falls back to its category; steel on a beam is then a section."""
    found = rules.match_name("Material 1", ("IfcBeam",), "Steel", DB)
    assert found is not None
    assert (found.factor_id, found.method) == ("gbt51366:D:steel_hr_h_section", "category")
    assert found.confidence <= 0.5
    assert factor_of("Material 1", category="steel") == "gbt51366:D:steel_average"


def test_category_fallback_needs_what_the_name_would_need() -> None:
    """A concrete category without grade matches nothing; a guarded name skips the category."""
    assert factor_of("Default Wall", "IfcWall", category="Concrete") is None
    assert factor_of("Steel door", "IfcDoor", category="Steel") is None


# -- suggestions -------------------------------------------------------------------------------------
def test_suggestions_skip_transport_energy_and_other_grades() -> None:
    """No transport or energy factor is offered, and C80 is not offered C30 or C50."""
    offered = {fid for n in ("Diesel", "电力", "Truck") for fid, _ in rules.suggest(n, DB, limit=10)}
    assert not any(DB.factors[f].category.startswith(("transport", "energy")) for f in offered)
    ids = [fid for fid, _ in rules.suggest("C80混凝土", DB, limit=10)]
    assert not any(fid.split(":")[-1].startswith("concrete_c") for fid in ids)


def test_suggestions_for_a_near_name_rank_it_first() -> None:
    """A slightly different spelling of a factor name is the first suggestion, with a high score."""
    (best, score), *_ = rules.suggest("岩棉保温板材", DB)
    assert best == "gbt51366:D:insulation_rockwool" and score >= 80
    assert rules.suggest("", DB) == [] and rules.suggest("steel", DB, limit=0) == []


def test_partial_word_hits_score_below_close_names() -> None:
    """A name that merely contains a one-word alias (钢 in 钢质门) scores below 85."""
    assert all(score < 85 for _, score in rules.suggest("钢质门", DB))


# -- the alias file -----------------------------------------------------------------------------------
def test_alias_file_is_normalised_unique_and_known() -> None:
    """Every alias is stored normalised, points to a known factor, and no alias text is ambiguous."""
    assert len(DB.aliases) >= 300
    assert all(a.alias == normalize(a.alias) and a.factor_id in DB.factors for a in DB.aliases)
    assert all(
        a.lang in ("zh", "en", "de", "ru", "fr", "ja", "it", "es") and a.priority >= 1 for a in DB.aliases
    )
    counts = Counter((a.alias, a.ifc_classes) for a in DB.aliases)
    assert [key for key, n in counts.items() if n > 1] == []
    assert not [p for p in factors.check() if p.file.endswith(("aliases.csv", "grades.yaml"))]


def test_every_alias_matches_its_own_factor() -> None:
    """Each alias, used as a name on its own classes, reaches its own factor (nothing shadows it)."""
    wrong = [
        (a.alias, a.factor_id, factor_of(a.alias, *a.ifc_classes))
        for a in DB.aliases
        if factor_of(a.alias, *a.ifc_classes) != a.factor_id
    ]
    assert wrong == []


# -- ordering rules, on a stand-in database -----------------------------------------------------------
@dataclass(frozen=True)
class FakeFactor:
    factor_id: str
    name_zh: str = ""
    name_en: str = ""
    category: str = "steel"


@dataclass(frozen=True)
class FakeAlias:
    alias: str
    factor_id: str
    lang: str = "en"
    priority: int = 20
    ifc_classes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class FakeDB:
    aliases: tuple[FakeAlias, ...]
    factors: Mapping[str, FakeFactor] = field(
        default_factory=lambda: (
            {f: FakeFactor(f, name_en=f) for f in ("a", "b", "c", "user:x")}
            | {"gbt51366:D:concrete_c30": FakeFactor("gbt51366:D:concrete_c30", category="concrete")}
        )
    )
    grades: Mapping[str, Any] = field(default_factory=load_grades)


def test_longest_alias_wins_then_class_then_priority() -> None:
    """Longer aliases beat shorter ones; at equal length a class match, then the smaller priority."""
    db = FakeDB(
        (
            FakeAlias("steel", "a", priority=10),
            FakeAlias("steel", "b", priority=30, ifc_classes=("IfcWall",)),
            FakeAlias("cold steel", "c", priority=90),
        )
    )
    assert rules.match_name("Steel", ["IfcSlab"], None, db) == rules.RuleMatch(
        "a", "alias", "alias 'steel' (en, priority 10) -> a in aliases.csv", 0.9
    )
    assert factor_of("Steel", "IfcWallStandardCase", db=db) == "b"
    assert factor_of("Cold Steel", "IfcWall", db=db) == "c"


def test_user_alias_of_priority_zero_comes_before_grades() -> None:
    """A user pack's alias (priority 0) wins over the grade route; a default alias does not."""
    user = FakeDB((FakeAlias("supplier x c30", "user:x", priority=0),))
    default = FakeDB((FakeAlias("supplier x c30", "user:x", priority=10),))
    assert factor_of("Supplier X C30 混凝土", db=user) == "user:x"
    assert factor_of("Supplier X C30 混凝土", db=default) == "gbt51366:D:concrete_c30"


def test_guard_vetoes_an_alias_that_does_not_cover_it() -> None:
    """'Steel door' is vetoed for 'steel' but not for an alias that spans the guard word."""
    assert rules.match_name("Steel door", [], None, FakeDB((FakeAlias("steel", "a"),))) is None
    db = FakeDB((FakeAlias("steel", "a"), FakeAlias("steel door", "b")))
    assert factor_of("Steel door", db=db) == "b"


def test_aliases_to_unknown_factors_are_ignored() -> None:
    """An alias whose factor is not in the database never matches."""
    assert rules.match_name("ghost", [], None, FakeDB((FakeAlias("ghost", "nope"),))) is None
