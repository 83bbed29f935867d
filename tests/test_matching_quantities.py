"""Matching quantities worked by hand: per-m² layers, where masses come from, a coverage share that
does not leave unknown masses out, class shares, and the mapping file's fill_fraction and confirm.

Models are built in code (tests/modelkit.py) and taken off, or take-off rows are built directly."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import modelkit as mk
import pytest

from embodied import factors, matching, takeoff
from embodied.factors.schema import read_package
from embodied.matching import rules
from embodied.matching.core import REBAR_ESTIMATE, MatchOptions
from embodied.matching.mapping import Entry, MappingError, UserMapping
from embodied.matching.mapping import read as read_mapping
from embodied.matching.normalize import normalize
from embodied.matching.quantities import shares as _shares
from embodied.reading import open_model
from embodied.records import (
    MatchMethod,
    MatchResult,
    MaterialMatch,
    ModelInfo,
    ProblemKind,
    SplitMethod,
    TakeoffResult,
    TakeoffRow,
    VolumeOrigin,
)
from embodied.report.tables import MAPPING_COLUMNS, MATCH_COLUMNS, mapping_document, match_document
from embodied.units import UnitScales

REL = 1e-9
DB = factors.load()
NO_REBAR = MatchOptions(rebar_estimate=False)
PANEL = "gbt51366:D:panel_al_plastic"  # 铝塑复合板, 8.06 kgCO2e per m²
WINDOW = "gbt51366:D:window_al_thermal_break_primary"  # per m², category window: no density
STEEL = "gbt51366:D:steel_average"  # per t, steel 7850 kg/m³


# -- helpers ----------------------------------------------------------------------------------------
def trow(global_id: str, material: str | None, volume: float | None, **kw: Any) -> TakeoffRow:
    """A take-off row of one whole element (override any field with `kw`)."""
    fields: dict[str, Any] = {
        "global_id": global_id,
        "ifc_class": "IfcWall",
        "name": global_id,
        "type_name": None,
        "storey": None,
        "material": material,
        "material_set": None,
        "material_kind": "IfcMaterial",
        "material_source": "occurrence",
        "layer_index": None,
        "layer_thickness_m": None,
        "share": 1.0,
        "split_method": SplitMethod.WHOLE,
        "quantity_source": "test",
        "volume_origin": VolumeOrigin.BASE,
        "volume_m3": volume,
        "area_m2": None,
        "length_m": None,
        "count": 1.0,
        "mass_kg": None,
        "density_kg_m3": None,
        "mass_source": None,
    }
    fields.update(kw)
    return TakeoffRow(**fields)


def layer(
    global_id: str, material: str, thickness: float, total: float, volume: float | None, **kw: Any
) -> TakeoffRow:
    """A layer of `thickness` in a wall `total` thick whose whole volume is `volume` (None: unknown)."""
    share = thickness / total
    return trow(
        global_id,
        material,
        volume * share if volume is not None else None,
        layer_thickness_m=thickness,
        share=share,
        split_method=SplitMethod.LAYER_THICKNESS,
        material_kind="IfcMaterialLayerSetUsage",
        **kw,
    )


def result_of(*rows: TakeoffRow) -> TakeoffResult:
    model = ModelInfo("test.ifc", "0" * 64, 0, "IFC4", "IFC4", None, UnitScales(1.0, 1.0, 1.0, 1.0, 1.0))
    return TakeoffResult(model, tuple(rows), (), (), (), 0.05, False)


def mapped(**names: str) -> UserMapping:
    """A mapping of material names to factor ids, as a mapping file would give."""
    entries = {normalize(n): Entry(fid, f"map.csv:{i + 2}") for i, (n, fid) in enumerate(names.items())}
    return UserMapping(path="map.csv", by_material=entries)


def run(
    *rows: TakeoffRow, mapping: UserMapping | None = None, options: MatchOptions = NO_REBAR
) -> MatchResult:
    return matching.run(result_of(*rows), DB, mapping, options)


def row(result: MatchResult, material: str) -> MaterialMatch:
    (found,) = [m for m in result.materials if m.material == material]
    return found


def from_model(
    model: Any, mapping: UserMapping | None = None, options: MatchOptions = NO_REBAR
) -> MatchResult:
    with tempfile.TemporaryDirectory() as tmp:
        path = mk.save(model, Path(tmp) / "m.ifc")
        return matching.run(takeoff.run(open_model(path)), DB, mapping, options)


# -- 1. per-m² products as layers -------------------------------------------------------------------
@pytest.mark.parametrize("volume_from", ["geometry", "NetVolume"])
def test_a_per_m2_panel_layer_takes_the_wall_face(volume_from: str) -> None:
    """Wall 10 m × 3 m, C30 0.200 m + 铝塑复合板 0.004 m, no area quantity. The wall's volume is
    10 × 3 × 0.204 = 6.12 m³ (geometry, or a NetVolume base quantity); the panel layer gets 6.12 × 0.004
    / 0.204 = 0.12 m³, so its area is 0.12 / 0.004 = 30 m² (not 30 × 0.004 / 0.204 = 0.588 m²), its
    quantity 30 m², and 30 × 8.06 = 241.8 kgCO2e."""
    model = mk.new_model("IFC4", "METRE")
    wall = mk.add_wall(model, [("C30混凝土", 0.2), ("铝塑复合板", 0.004)], size=(10.0, 3.0))
    if volume_from == "NetVolume":  # a base volume only: no area, no geometry used
        mk.add_quantities(model, wall, "Qto_WallBaseQuantities", {"NetVolume": 10.0 * 3.0 * 0.204})
        with tempfile.TemporaryDirectory() as tmp:
            path = mk.save(model, Path(tmp) / "m.ifc")
            taken = takeoff.run(open_model(path), takeoff.TakeoffOptions(use_geometry=False))
        result = matching.run(taken, DB, None, NO_REBAR)
        assert {r.volume_origin for r in taken.rows} == {VolumeOrigin.BASE}
    else:
        result = from_model(model)
    assert all(r.area_m2 is None for r in result.takeoff.rows)  # the wall carries no area quantity
    panel = row(result, "铝塑复合板")
    assert (panel.factor_id, panel.declared_unit) == (PANEL, "m2")
    assert panel.volume_m3 == pytest.approx(10.0 * 3.0 * 0.004, rel=1e-6)  # 0.12 m³
    assert panel.area_m2 == pytest.approx(0.12 / 0.004, rel=1e-6)  # 30 m²
    assert panel.quantity == pytest.approx(30.0, rel=1e-6)
    assert panel.gwp_kgco2e_per_unit is not None
    assert panel.quantity * panel.gwp_kgco2e_per_unit == pytest.approx(241.8, rel=1e-6)  # 30 × 8.06
    assert "area = layer volume / layer thickness" in panel.note
    concrete = row(result, "C30混凝土")
    assert concrete.quantity == pytest.approx(10.0 * 3.0 * 0.2, rel=1e-6)  # 6 m³


def test_layer_areas_by_hand() -> None:
    """Each way a part's area is found, on rows built by hand, all mapped to the per-m² panel:
    W1 layer 0.004 of 0.204 m, wall 6.12 m³: 6.12 × 0.004/0.204 / 0.004 = 30 m²;
    W2 the same layer, no volume, element area 12 m²: 12 m² (the whole face, not 12 × 0.004/0.204);
    W3 a 0-thickness layer (a membrane) beside a 0.2 m layer of 4 m³: the face 4 / 0.2 = 20 m²;
    W4 a whole element of 5 m²: 5 m²; W5 a constituent of share 0.25 of 8 m²: 2 m², an approximation.
    Sum 30 + 12 + 20 + 5 + 2 = 69 m², quantity 69 m² × 8.06 = 556.14 kgCO2e."""
    rows = [
        layer("W1", "Panel", 0.004, 0.204, 6.12),
        layer("W2", "Panel", 0.004, 0.204, None, area_m2=12.0),
        layer("W3", "Panel", 0.0, 0.2, 4.0),
        layer("W3", "C30混凝土", 0.2, 0.2, 4.0),
        trow("W4", "Panel", None, area_m2=5.0),
        trow("W5", "Panel", 0.1, area_m2=8.0, share=0.25, split_method=SplitMethod.FRACTION),
    ]
    panel = row(run(*rows, mapping=mapped(Panel=PANEL)), "Panel")
    assert panel.area_m2 == pytest.approx(30.0 + 12.0 + 20.0 + 5.0 + 2.0, rel=REL)
    assert panel.quantity == pytest.approx(69.0, rel=REL)
    assert panel.quantity * 8.06 == pytest.approx(556.14, rel=REL)
    for how in (
        "layer volume / layer thickness",
        "the element's area (a layer covers the whole face)",
        "the element's face from its other layers",
        "the element's area × its volume share (fraction split: an approximation)",
    ):
        assert how in panel.note


# -- 2. category keywords ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Timber", "timber"),
        ("C30混凝土", "concrete"),
        ("Stahlbeton 65690", "concrete/reinforced"),
        ("железобетон", "concrete/reinforced"),
        ("加气混凝土砌块", "masonry/block/aac"),  # not 混凝土, not 砌块
        ("aac block", "masonry/block/aac"),
        ("瓷砖", "tile"),  # not 砖
        ("钢质门", "door/steel"),  # a door, not steel: the effective density of a door leaf, never 7850
        ("Steel door", "door/steel"),
        ("木门", "door/timber"),
        ("钢化玻璃", "glass"),
        ("玻璃棉", "insulation/mineral_wool/glass"),  # not glass
        ("Gypsum Wall Board", "gypsum_board"),
        ("Mörtel", "mortar"),
        ("Wood - Dimensional Lumber", "timber"),
        ("XPS挤塑板", "insulation/polystyrene/xps"),
        ("Стальной лист", "steel"),
        ("Air Space", "air"),  # an air layer weighs next to nothing: its mass is not unknown
        ("Air Barrier", "membrane"),
        ("Foo", None),
        ("stainless", None),  # a Latin keyword matches whole words only: not "stainless" in it
        ("", None),
    ],
)
def test_category_of(name: str, category: str | None) -> None:
    """The longest keyword found names the kind; Latin whole words, Chinese anywhere."""
    found = rules.category_of(name)
    assert (found[0] if found else None) == category
    assert rules.category_of(name, DB.category_keywords) == found


def test_category_keywords_name_known_categories_once() -> None:
    """Every keyword names a category of the closed list, and no two say different things once normalised."""
    package, _ = read_package(factors.DEFAULT_ROOT)
    assert package is not None
    seen: dict[str, str] = {}
    for k in DB.category_keywords:
        assert k.category in package.categories, k
        key = normalize(k.keyword)
        assert key, k
        assert seen.setdefault(key, k.category) == k.category, k
    assert len(DB.category_keywords) > 200


# -- 2. masses and coverage -------------------------------------------------------------------------
def test_coverage_cannot_be_established_beside_unknown_mass() -> None:
    """10 m³ C30 (× 2400 = 24 000 kg, database) beside 100 m³ of 'Foo' (no category): share None, never
    1.0; 100 m³ unknown; the old share over the known mass only (24 000 / 24 000) is known_share."""
    result = run(trow("A", "C30混凝土", 10.0), trow("B", "Foo", 100.0))
    c30, foo = row(result, "C30混凝土"), row(result, "Foo")
    assert c30.mass_kg == pytest.approx(10.0 * 2400.0, rel=REL)
    assert (c30.mass_basis, c30.mass_flagged) == ("database", True)
    assert (foo.mass_kg, foo.mass_basis, foo.mass_flagged) == (None, None, True)
    assert "the name suggests no category" in foo.note
    coverage = result.coverage
    assert coverage.share is None and not coverage.rule_met
    assert coverage.known_share == pytest.approx(1.0, rel=REL)
    assert coverage.unknown_volume_m3 == pytest.approx(100.0, rel=REL)
    assert coverage.unknown_volume_materials == (("Foo", 100.0),)
    assert coverage.estimated_mass_kg == 0.0
    assert coverage.share_text == (
        "cannot be established: 100.0 m³ of unmatched materials of unknown mass (Foo 100.0 m³)"
    )
    assert result.summary()["matched_mass_share"] is None
    assert any(
        p.kind is ProblemKind.COVERAGE and "cannot be established: 100.0 m³" in p.message
        for p in result.problems
    )


def test_unmatched_mass_is_estimated_from_the_name() -> None:
    """10 m³ C30 (24 000 kg) + 100 m³ 'Timber' (not matched; the name suggests timber, 500 kg/m³ in
    densities.csv: 50 000 kg estimated): share = 24 000 / (24 000 + 50 000) = 0.3243…, not shown."""
    result = run(trow("A", "C30混凝土", 10.0), trow("B", "Timber", 100.0))
    timber = row(result, "Timber")
    assert timber.factor_id is None and timber.method is MatchMethod.UNMATCHED
    assert timber.mass_kg == pytest.approx(100.0 * 500.0, rel=REL)
    assert (timber.mass_basis, timber.mass_flagged) == ("estimate", True)
    assert timber.note.startswith(
        "mass estimated: name suggests timber (keyword 'timber', category_keywords.csv), 500 kg/m³ "
        "(densities.csv:timber (embodied_assumption)) — not matched to a factor"
    )
    coverage = result.coverage
    assert coverage.estimated_mass_kg == pytest.approx(50_000.0, rel=REL)
    assert coverage.total_mass_kg == pytest.approx(74_000.0, rel=REL)
    assert coverage.matched_mass_kg == pytest.approx(24_000.0, rel=REL)
    assert coverage.share == pytest.approx(24_000 / 74_000, rel=REL)  # 0.324324…
    assert coverage.unknown_volume_m3 == 0.0 and not coverage.share_is_lower_bound
    assert not coverage.rule_met
    assert coverage.share_text == (
        "32.4 % (50,000 kg of the 74,000 kg total estimated from the names of unmatched materials)"
    )
    assert coverage.unmatched_by_mass == (("Timber", pytest.approx(50_000.0, rel=REL)),)
    messages = [p.message for p in result.problems]
    assert any("its mass (50,000 kg) is estimated: the name suggests timber" in m for m in messages)
    assert any(
        m.startswith("GB/T 51366 §6.1 coverage rule not shown: matched materials hold 32.4%")
        for m in messages
    )


def test_matched_material_of_unknown_mass_makes_the_share_a_lower_bound() -> None:
    """The same, plus a window matched per m² (no density, 0.3 m³): it could only raise the share, so
    24 000 / 74 000 is a lower bound; the share is still established."""
    rows = [trow("A", "C30混凝土", 10.0), trow("B", "Timber", 100.0), trow("C", "Win", 0.3, area_m2=2.0)]
    result = run(*rows, mapping=mapped(Win=WINDOW))
    window = row(result, "Win")
    assert window.mass_kg is None and window.quantity == pytest.approx(2.0, rel=REL)
    assert "the coverage share is then a lower bound" in window.note
    coverage = result.coverage
    assert coverage.share == pytest.approx(24_000 / 74_000, rel=REL)
    assert coverage.share_is_lower_bound
    assert coverage.share_text.startswith("at least 32.4 % (a lower bound: matched materials of unknown mass")
    assert coverage.unknown_mass == ("Win",)


def test_mass_basis_model_database_mixed() -> None:
    """A mass from the model is not flagged; a material with one part weighed by the model (1000 kg)
    and one by the database (1 m³ × 2400 = 2400 kg) is 'mixed' and flagged: 3400 kg."""
    only_model = run(trow("A", "C30混凝土", 1.0, mass_kg=2350.0, mass_source="volume × model MassDensity"))
    c30 = row(only_model, "C30混凝土")
    assert (c30.mass_basis, c30.mass_flagged, c30.mass_kg) == ("model", False, 2350.0)
    mixed = row(run(trow("A", "C30混凝土", 1.0, mass_kg=1000.0), trow("B", "C30混凝土", 1.0)), "C30混凝土")
    assert mixed.mass_kg == pytest.approx(1000.0 + 2400.0, rel=REL)
    assert (mixed.mass_basis, mixed.mass_flagged) == ("mixed: model (1 part), database (1 part)", True)


def test_unmatched_mass_from_an_ifc_model() -> None:
    """Through take-off: a 10 × 1 × 1 m C30 wall (10 m³, 24 000 kg) and a 10 × 10 × 1 m 'Timber' wall
    (100 m³, 50 000 kg estimated): share 24 000 / 74 000."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_box(model, "IfcWall", "C30混凝土", size=(10.0, 1.0, 1.0))
    mk.add_box(model, "IfcWall", "Timber", size=(10.0, 10.0, 1.0), position=(0.0, 5.0, 0.0))
    coverage = from_model(model).coverage
    assert coverage.estimated_mass_kg == pytest.approx(50_000.0, rel=1e-6)
    assert coverage.share == pytest.approx(24_000 / 74_000, rel=1e-6)


def test_match_table_columns_are_appended() -> None:
    """The match table keeps its columns in order and adds mass_basis and mass_flagged after them; the
    JSON carries the coverage's new fields and each row's class shares."""
    assert MATCH_COLUMNS[:21] == (
        "material", "ifc_classes", "elements", "volume_m3", "mass_kg", "factor_id", "factor_name", "method",
        "rule", "confidence", "suggestions", "declared_unit", "quantity", "gwp_kgco2e_per_unit",
        "factor_module", "factor_data_type", "factor_verification", "factor_source", "mass_source", "area_m2",
        "note",
    )  # fmt: skip
    assert MATCH_COLUMNS[21:23] == ("mass_basis", "mass_flagged")
    doc = match_document(run(trow("A", "C30混凝土", 10.0), trow("B", "Timber", 100.0)))
    by_name = {r["material"]: r for r in doc.rows}
    assert (by_name["Timber"]["mass_basis"], by_name["Timber"]["mass_flagged"]) == ("estimate", True)
    assert doc.data["coverage"]["estimated_mass_kg"] == pytest.approx(50_000.0)
    assert doc.data["coverage"]["matched_mass_share"] == pytest.approx(24_000 / 74_000)
    assert doc.data["materials"][0]["class_shares"] == [{"ifc_class": "IfcWall", "share": 1.0}]


# -- 3. class shares --------------------------------------------------------------------------------
def test_rebar_estimate_splits_by_rebar_mass() -> None:
    """IfcSlab 10 m³ × 100 kg/m³ = 1000 kg and IfcColumn 2 m³ × 180 kg/m³ = 360 kg: 1360 kg of rebar,
    shared 360/1360 (IfcColumn) and 1000/1360 (IfcSlab), not by the volumes 2/12 and 10/12."""
    ratios = DB.method["rebar_kg_per_m3"]["value"]
    assert (ratios["IfcSlab"], ratios["IfcColumn"]) == (100, 180)  # the ratios the numbers below use
    rows = [
        trow("S", "C30混凝土", 10.0, ifc_class="IfcSlab"),
        trow("C", "C30混凝土", 2.0, ifc_class="IfcColumn"),
    ]
    result = run(*rows, options=MatchOptions())
    rebar = row(result, REBAR_ESTIMATE)
    assert rebar.mass_kg == pytest.approx(1000.0 + 360.0, rel=REL)
    assert (rebar.mass_basis, rebar.mass_flagged) == ("database", True)
    (column, column_share), (slab, slab_share) = rebar.class_shares
    assert (column, slab) == ("IfcColumn", "IfcSlab")
    assert column_share == pytest.approx(360 / 1360, rel=REL)
    assert slab_share == pytest.approx(1000 / 1360, rel=REL)
    assert column_share + slab_share == 1.0
    concrete = row(result, "C30混凝土")  # per m³: by volume, 2/12 and 10/12
    assert [c for c, _ in concrete.class_shares] == ["IfcColumn", "IfcSlab"]
    assert concrete.class_shares[0][1] == pytest.approx(2 / 12, rel=REL)


def test_class_shares_by_declared_unit_then_volume_then_count() -> None:
    """Per m²: by area (IfcCovering 30 m², IfcWall 10 m²: 0.75 / 0.25, although the volumes are equal);
    unmatched: by volume (1 and 3 m³: 0.25 / 0.75); no volume: by element count (1 and 2: 1/3, 2/3)."""
    panel = row(
        run(
            trow("A", "Panel", 1.0, ifc_class="IfcCovering", area_m2=30.0),
            trow("B", "Panel", 1.0, ifc_class="IfcWall", area_m2=10.0),
            mapping=mapped(Panel=PANEL),
        ),
        "Panel",
    )
    assert panel.class_shares == (("IfcCovering", 0.75), ("IfcWall", 0.25))
    foo = row(
        run(trow("A", "Foo", 1.0, ifc_class="IfcSlab"), trow("B", "Foo", 3.0, ifc_class="IfcBeam")), "Foo"
    )
    assert foo.class_shares == (("IfcBeam", 0.75), ("IfcSlab", 0.25))
    counted = run(
        trow("A", "Foo", None, ifc_class="IfcSlab"),
        trow("B", "Foo", None, ifc_class="IfcBeam"),
        trow("C", "Foo", None, ifc_class="IfcBeam"),
    )
    shares = row(counted, "Foo").class_shares
    assert [c for c, _ in shares] == ["IfcBeam", "IfcSlab"]
    assert shares[0][1] == pytest.approx(2 / 3, rel=REL) and sum(s for _, s in shares) == 1.0


def test_shares_sum_to_exactly_one() -> None:
    """However many classes and whatever the weights, the shares sum to exactly 1.0 (left to right)."""
    rng = random.Random(20261204)
    for _ in range(2000):
        weights = {f"IfcC{i}": rng.uniform(1e-6, 1e6) for i in range(rng.randint(1, 12))}
        shares = _shares(weights)
        assert [c for c, _ in shares] == sorted(weights)
        assert sum(s for _, s in shares) == 1.0
        assert all(s >= 0.0 for _, s in shares)


# -- 4. fill fraction and confirmations -------------------------------------------------------------
def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_fill_fraction_scales_volume_and_mass_not_area(tmp_path: Path) -> None:
    """A 'Metal - Stud Layer' 0.1 m thick with 5.0 m³, 12 % of it steel: 5.0 × 0.12 = 0.6 m³, × 7850 kg/m³
    = 4710 kg = 4.71 t of steel; its area stays 5.0 / 0.1 = 50 m²."""
    path = write(
        tmp_path,
        "material,factor_id,note,fill_fraction,confirm\n"
        f"Metal - Stud Layer,{STEEL},studs at 600 mm,0.12, metal_thickness ; density_range \n",
    )
    mapping = read_mapping(path, DB.factors.keys())
    stud = row(run(layer("W", "Metal - Stud Layer", 0.1, 0.1, 5.0), mapping=mapping), "Metal - Stud Layer")
    assert stud.factor_id == STEEL and stud.method is MatchMethod.MAPPING
    assert stud.volume_m3 == pytest.approx(5.0 * 0.12, rel=REL)  # 0.6 m³
    assert stud.mass_kg == pytest.approx(0.6 * 7850.0, rel=REL)  # 4710 kg
    assert stud.quantity == pytest.approx(4.71, rel=REL)  # t
    assert stud.area_m2 == pytest.approx(50.0, rel=REL)
    assert f"fill fraction 0.12 from {path}:2: volume 5 m³ × 0.12 = 0.6 m³" in stud.note
    assert stud.fill_fraction == 0.12
    assert stud.confirmed_checks == ("metal_thickness", "density_range")
    assert (stud.confirmed_where, stud.confirmed_note) == (f"{path}:2", "studs at 600 mm")
    assert (stud.mass_basis, stud.mass_flagged) == ("database", True)


def test_a_row_without_factor_only_adjusts(tmp_path: Path) -> None:
    """fill_fraction and confirm without a factor_id: the material is matched by its rules (or not at
    all), the adjustment still applies: C30 2.0 m³ × 0.5 = 1.0 m³ × 2400 = 2400 kg; 'Foo' is confirmed."""
    path = write(
        tmp_path,
        "material,factor_id,note,fill_fraction,confirm\n"
        "C30混凝土,,hollow-core,0.5,\n"
        "Foo,,looked at it,,all\n",
    )
    mapping = read_mapping(path, DB.factors.keys())
    assert mapping.for_material("C30混凝土") is None  # nothing mapped
    result = run(trow("A", "C30混凝土", 2.0), trow("B", "Foo", 1.0), mapping=mapping)
    c30, foo = row(result, "C30混凝土"), row(result, "Foo")
    assert c30.method is MatchMethod.GRADE and c30.quantity == pytest.approx(1.0, rel=REL)
    assert c30.mass_kg == pytest.approx(2400.0, rel=REL)
    assert (c30.fill_fraction, c30.confirmed_checks, c30.confirmed_where) == (0.5, (), None)
    assert foo.factor_id is None and foo.confirmed_checks == ("all",)
    assert (foo.confirmed_where, foo.confirmed_note) == (f"{path}:3", "looked at it")


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("0", "fill_fraction must be > 0 and ≤ 1, not 0"),
        ("1.5", "fill_fraction must be > 0 and ≤ 1, not 1.5"),
        ("abc", "fill_fraction 'abc' is not a number"),
        ("nan", "fill_fraction must be > 0 and ≤ 1, not nan"),
    ],
)
def test_bad_fill_fraction_names_file_and_line(tmp_path: Path, cells: str, message: str) -> None:
    path = write(tmp_path, f"material,factor_id,fill_fraction\nC30混凝土,,1\nStud,,{cells}\n")
    with pytest.raises(MappingError) as caught:
        read_mapping(path, DB.factors.keys())
    assert f"{path}:3: {message}" in caught.value.message


def test_two_different_adjustments_of_one_material_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "material,factor_id,fill_fraction\nStud,,0.12\nStud,,0.2\n")
    with pytest.raises(MappingError) as caught:
        read_mapping(path, DB.factors.keys())
    assert f"{path}:3: 'Stud' already has a fill_fraction or confirm at {path}:2" in caught.value.message


def test_write_mapping_has_the_two_columns_at_the_end(tmp_path: Path) -> None:
    """--write-mapping writes fill_fraction and confirm last: empty, or as the mapping passed in gave them."""
    assert MAPPING_COLUMNS[-2:] == ("fill_fraction", "confirm")
    path = write(tmp_path, "material,factor_id,note,fill_fraction,confirm\nStud,,why,0.12,a;b\n")
    result = run(
        trow("A", "Stud", 1.0), trow("B", "C30混凝土", 1.0), mapping=read_mapping(path, DB.factors.keys())
    )
    rows = {r["material"]: r for r in mapping_document(result).rows}
    assert (rows["Stud"]["fill_fraction"], rows["Stud"]["confirm"], rows["Stud"]["note"]) == (
        0.12,
        "a;b",
        "why",
    )
    assert (rows["C30混凝土"]["fill_fraction"], rows["C30混凝土"]["confirm"]) == (None, "")
