"""Suggestions never cross kinds: a material is offered only factors of its kind's top-level category,
the nearer sub-category first; of an unknown kind, or a kind without factors, nothing, and it says so."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import modelkit as mk
import pytest

from embodied import factors
from embodied.errors import DatabaseError
from embodied.factors import DEFAULT_ROOT
from embodied.matching import kinds, rules
from embodied.matching.core import MatchOptions
from embodied.pipeline import run_match
from embodied.records import MatchMethod, ProblemKind
from embodied.takeoff import TakeoffOptions

DB = factors.load()

# names that used to be offered factors of another kind (plasterboard -> EPS, plywood -> a steel
# H-section, 水泥砂浆 -> a window, Stahlbeton -> steel, Бетон -> cement mortar)
NAMES = [
    ("Plasterboard", "IfcWall"),
    ("Gipskarton", "IfcWall"),
    ("纸面石膏板", "IfcCovering"),
    ("Plywood", "IfcSlab"),
    ("Timber", "IfcBeam"),
    ("Plaster", "IfcCovering"),
    ("抹灰", "IfcCovering"),
    ("Ceramic tile", "IfcCovering"),
    ("Granite", "IfcCovering"),
    ("Leichtbeton", "IfcWall"),
    ("Beton B25", "IfcWall"),
    ("Bitumen membrane", "IfcRoof"),
    ("Paint", "IfcCovering"),
    ("Weathering steel profile", "IfcBeam"),
]


def top(category: str) -> str:
    return category.split("/")[0]


@pytest.mark.parametrize(("name", "ifc_class"), NAMES)
def test_suggestions_stay_within_the_kind(name: str, ifc_class: str) -> None:
    """Every suggestion of a name has the top-level category of the name's kind."""
    offer = kinds.offer(name, [ifc_class], DB, limit=10)
    assert offer.kind is not None
    assert [s for s, _ in offer.suggestions if top(DB.factors[s].category) != offer.kind.top] == []
    assert bool(offer.suggestions) != bool(offer.advice)  # suggestions, or why there are none


def test_a_board_is_never_offered_a_metal_section(tmp_path: Path) -> None:
    """End to end: no unmatched material of the model is offered a factor of another kind."""
    model = mk.new_model("IFC4", "METRE")
    for i, (name, ifc_class) in enumerate(NAMES):
        mk.add_box(model, ifc_class, name, size=(1.0, 1.0, 1.0), position=(3.0 * i, 0.0, 0.0))
    path = mk.save(model, tmp_path / "kinds.ifc", seed="kinds")
    result = run_match(path, TakeoffOptions(use_geometry=False), MatchOptions(rebar_estimate=False))
    crossing = []
    for m in result.materials:
        if m.factor_id is None:
            assert m.kind is not None and m.kind_rule, m.material
        for label in m.suggestions:
            assert m.kind is not None
            fid = label.split(" ")[0]
            if top(DB.factors[fid].category) != top(m.kind):
                crossing.append((m.material, fid))
    assert crossing == []
    board = next(m for m in result.materials if m.material == "Plasterboard")
    assert not any(DB.factors[s.split(" ")[0]].category.startswith("steel") for s in board.suggestions)


def test_the_nearer_sub_category_comes_first() -> None:
    """Within steel, steel/section factors are offered before other steel, whatever their score."""
    found = rules.suggest("Stahl", DB, limit=20, kind="steel/section")
    categories = [DB.factors[fid].category for fid, _ in found]
    assert categories and all(top(c) == "steel" for c in categories)
    first_other = next(i for i, c in enumerate(categories) if c != "steel/section")
    assert all(c == "steel/section" for c in categories[:first_other])
    assert "steel/section" not in categories[first_other:]


def test_an_unknown_kind_gets_nothing_and_says_so() -> None:
    """A name that tells no kind (and a class that tells none) is offered nothing, with the reason."""
    offer = kinds.offer("Unobtainium 9000", ["IfcBuildingElementProxy"], DB)
    assert offer.kind is None and offer.suggestions == ()
    assert offer.advice.startswith("kind unknown: no word of the name says what it is")


def test_a_kind_without_factors_says_so(tmp_path: Path) -> None:
    """Without any timber factor, plywood is offered nothing (not a window, not steel), and the match
    result says so in its note and its unmatched problem."""
    no_timber = {fid: f for fid, f in DB.factors.items() if top(f.category) != "timber"}
    db = dataclasses.replace(DB, factors=no_timber)
    offer = kinds.offer("Plywood", ["IfcSlab"], db)
    assert offer.kind is not None and offer.kind.category == "timber"
    assert offer.suggestions == ()
    advice = (
        "no factor of kind timber in the database: add an EPD or a pack (--pack), or set its factor_id in "
        "the mapping file"
    )
    assert offer.advice == advice
    from embodied import matching
    from embodied.reading import open_model
    from embodied.takeoff import run as take_off

    model = mk.new_model("IFC4", "METRE")
    mk.add_box(model, "IfcSlab", "Plywood", size=(1.0, 1.0, 1.0))
    path = mk.save(model, tmp_path / "plywood.ifc", seed="plywood")
    result = matching.run(take_off(open_model(path)), db, None, MatchOptions(rebar_estimate=False))
    (plywood,) = result.materials
    assert plywood.method is MatchMethod.UNMATCHED and plywood.suggestions == ()
    assert advice in plywood.note
    assert any(p.kind is ProblemKind.UNMATCHED and advice in p.message for p in result.problems)


def test_a_kind_that_is_never_offered_factors() -> None:
    """Air gets no suggestion, and the reason of grades.yaml kinds.no_suggestions."""
    offer = kinds.offer("Air", ["IfcWall"], DB)
    assert offer.kind is not None and offer.kind.category == "air" and offer.suggestions == ()
    assert offer.advice == "kind air: an air layer or cavity has no emission factor: no factor is suggested"


@pytest.mark.parametrize(
    ("name", "ifc_classes", "category", "kind"),
    [
        ("Stahlbeton", ["IfcWall"], None, "concrete/reinforced"),  # category_keywords.csv
        ("Steel", ["IfcBeam"], None, "steel/section"),  # narrowed by the class
        ("Steel", ["IfcPlate"], None, "steel/plate"),
        ("Material 1", ["IfcReinforcingBar"], None, "steel/rebar"),  # the class alone
        ("Material 1", ["IfcWall"], "Concrete", "concrete"),  # IfcMaterial.Category
        ("Material 1", ["IfcWall"], None, None),
    ],
)
def test_the_kind_of_a_name(
    name: str, ifc_classes: list[str], category: str | None, kind: str | None
) -> None:
    """The kind comes from the name's keywords, else its IfcMaterial.Category, else the IFC class."""
    found = kinds.kind_of(name, ifc_classes, DB, category)
    assert (found.category if found else None) == kind


def test_a_family_keyword_tells_the_kind() -> None:
    """A word only a grade family of grades.yaml knows gives the family's kind."""
    db = dataclasses.replace(DB, category_keywords=())
    found = kinds.kind_of("Бетон", ["IfcWall"], db)
    assert found is not None and found.category == "concrete"
    assert found.rule == "keyword 'бетон' of the concrete family (grades.yaml)"


def test_a_malformed_kinds_section_names_file_and_line(tmp_path: Path) -> None:
    """A narrower kind that is not below its kind, and a class list that is not a list, are reported
    together, each with grades.yaml and its line."""
    root = tmp_path / "material_db"
    shutil.copytree(DEFAULT_ROOT, root)
    grades = root / "grades.yaml"
    text = grades.read_text(encoding="utf-8")
    text = text.replace("      steel/plate: [IfcPlate]\n", "      concrete/plate: [IfcPlate]\n", 1)
    text = text.replace(
        "    steel/rebar: [IfcReinforcingBar", "    window: IfcWindow\n    steel/rebar: [IfcReinforcingBar", 1
    )
    grades.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    plate = next(i for i, line in enumerate(lines, 1) if "concrete/plate:" in line)
    window = next(i for i, line in enumerate(lines, 1) if "window: IfcWindow" in line)
    db = factors.load(root)
    with pytest.raises(DatabaseError) as caught:
        kinds.table(db)
    shown = [str(p) for p in caught.value.problems]
    assert shown == [
        f"material_db/grades.yaml:{window}: kinds.by_class.window: must be a list of IFC classes",
        f"material_db/grades.yaml:{plate}: kinds.narrow_by_class.steel.concrete/plate: "
        "must be a sub-category of 'steel' (steel/…)",
    ]
