"""The shipped factor database (material_db/): clean, faithful to its sources, and checked lazily.

Every number asserted here is worked by hand from GB/T 51366-2019 Table D.0.1 (as transcribed in
../shared/data) and the recipes documented in material_db/recipes.yaml.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from embodied.errors import DatabaseError, InputError
from embodied.factors import DEFAULT_ROOT, DataProblem, Factor, FactorDB, check, load
from embodied.lifecycle import check_data, load_data

REPO = Path(__file__).resolve().parents[1]
SHARED_CSV = REPO.parent / "shared" / "data" / "gbt51366_2019_appendix_d_e.csv"


@pytest.fixture(scope="module")
def db() -> FactorDB:
    return load()


def test_shipped_database_checks_clean() -> None:
    """check() finds no problem in material_db/ as shipped."""
    assert [str(p) for p in check()] == []


def test_default_root_is_the_repository_material_db(db: FactorDB) -> None:
    """DEFAULT_ROOT resolves to <repo>/material_db and the data version is the descriptor's."""
    assert DEFAULT_ROOT == REPO / "material_db"
    assert db.version == "2026.12.4"
    assert db.packs == ()


def test_the_projects_own_sources_carry_this_data_version(db: FactorDB) -> None:
    """An edition naming material_db names this version: a report never shows two data editions."""
    own = {s.id: s.edition for s in db.sources.values() if s.edition and "material_db" in s.edition}
    assert own == {
        "embodied_derived": "material_db 2026.12.4",
        "embodied_assumption": "material_db 2026.12.4",
    }


def test_appendix_d_and_e_rows_equal_the_shared_transcription(db: FactorDB) -> None:
    """All 69 App. D and 16 App. E rows are present with identical numbers, units, names and checks."""
    with SHARED_CSV.open(encoding="utf-8") as handle:
        shared = list(csv.DictReader(handle))
    assert sum(r["std_table"] == "D.0.1" for r in shared) == 69
    assert sum(r["std_table"] == "E.0.1" for r in shared) == 16
    ours = {
        f.factor_id: f
        for f in db.factors.values()
        if f.source_id == "gbt51366_2019" and ":A:" not in f.factor_id
    }
    assert set(ours) == {r["factor_id"] for r in shared}
    for row in shared:
        f = ours[row["factor_id"]]
        assert f.gwp_kgco2e_per_unit == float(row["gwp_kgco2e_per_unit"]), f.factor_id
        assert (f.declared_unit, f.module, f.name_zh, f.name_en) == (
            row["declared_unit"],
            row["en15978_module"],
            row["name_zh"],
            row["name_en"],
        )
        assert f.data_type == "standard"
        assert f.source_ref == f"Table {row['std_table']}, row {row['name_zh']}"
        agreeing = int(row["secondary_sources_agreeing"])
        assert f.verification == ("verified_x2" if agreeing >= 2 else "verified"), f.factor_id
        assert row["check_note"] in f.notes


@pytest.mark.parametrize(
    ("factor_id", "expected"),
    [
        ("gbt51366:D:concrete_c30", 295.0),
        ("gbt51366:D:steel_rebar", 2340.0),
        ("derived:concrete_c40", 340.0),  # 295 + (40 - 30) × (385 - 295) / (50 - 30)
        ("derived:concrete_c25", 272.5),  # 295 + (25 - 30) × 4.5, extrapolated
        ("derived:concrete_c35", 317.5),
        ("derived:concrete_c60", 430.0),  # 295 + 30 × 4.5, extrapolated
        ("derived:cement_mortar_m10", 216.8399),  # 0.290 × 735 + 1.45 × 2.51 + 0.30 × 0.168
        ("derived:cement_mortar_m5", 172.7399),  # 0.230 × 735 + 3.6395 + 0.0504
        ("derived:insulation_xps", 5020.0),  # proxy of 聚苯乙烯泡沫板
        ("derived:brick_sand_lime", 341.0),  # proxy of 蒸压粉煤灰砖, 1 × 341
        ("derived:block_concrete_hollow", 164.64),  # 0.49 × 336 (混凝土砖 × solid fraction 1180/2400)
        ("derived:block_aac", 314.16570),  # 0.10 × 735 + 0.20 × 1190 + 0.67 × 2.51 + 0.03 × 32.8
        ("derived:insulation_glass_wool", 1980.0),  # proxy of 岩棉板
        ("derived:insulation_phenolic", 5220.0),  # proxy of 硬泡聚氨酯板
        ("derived:steel_stainless", 4720.0),  # 0.74 × 3030 + 0.26 × 9530 = 2242.2 + 2477.8
        ("derived:curtain_wall_al_glass", 254.0),  # proxy of 断桥铝合金窗 per m2
        ("derived:fuel_diesel_kg", 3.09610868),  # 72.59 tCO2/TJ × 42.652 GJ/t / 1000
        ("gbt51366:A:diesel", 72590.0),  # 72.59 tCO2/TJ in kg per TJ
        ("mee_nbs:grid_2023:national", 0.5306),
        ("mee_nbs:grid_2022:east", 0.5617),
        ("mee_nbs:grid_2023:beijing", 0.5554),
    ],
)
def test_hand_computed_values(db: FactorDB, factor_id: str, expected: float) -> None:
    """Derived and energy factors equal the arithmetic worked by hand."""
    assert db.factors[factor_id].gwp_kgco2e_per_unit == pytest.approx(expected, rel=1e-12)


def test_derived_factors_are_labelled_and_never_gbt51366(db: FactorDB) -> None:
    """Derived rows cite our derivation, extrapolations say so and are unverified."""
    derived = [f for f in db.factors.values() if f.data_type == "derived"]
    assert len(derived) == 27
    assert all(f.source_id != "gbt51366_2019" and f.factor_id.startswith("derived:") for f in derived)
    for n in (15, 20, 25, 55, 60):
        f = db.factors[f"derived:concrete_c{n}"]
        assert "EXTRAPOLATED" in f.notes and f.verification == "unverified"
    assert db.factors["derived:cement_mortar_m10"].verification == "recollection"
    assert "PROXY" in db.factors["derived:insulation_xps"].notes
    assert "UNDERSTATES" in db.factors["derived:block_aac"].notes  # autoclave energy not in App. D
    for proxy in (
        "brick_sand_lime",
        "block_concrete_hollow",
        "insulation_glass_wool",
        "curtain_wall_al_glass",
    ):
        assert "PROXY" in db.factors[f"derived:{proxy}"].notes, proxy


def _evaluate(recipe: dict[str, Any], factors: dict[str, Factor]) -> float:
    """An evaluator written apart from embodied.factors.recipes, from the rules in recipes.yaml's header."""
    inputs = recipe["inputs"]
    if recipe["method"] == "interpolate":
        (a, b) = inputs
        va, vb = factors[a["factor_id"]].gwp_kgco2e_per_unit, factors[b["factor_id"]].gwp_kgco2e_per_unit
        return float(va + (recipe["x"] - a["x"]) * (vb - va) / (b["x"] - a["x"]))
    return float(sum(i["quantity"] * factors[i["factor_id"]].gwp_kgco2e_per_unit for i in inputs))


def test_every_derived_value_recomputes_from_its_recipe(db: FactorDB) -> None:
    """recipes.yaml and the factors it names give every stored derived value to 1e-9."""
    recipes = yaml.safe_load((DEFAULT_ROOT / "recipes.yaml").read_text(encoding="utf-8"))
    derived = {f.factor_id for f in db.factors.values() if f.data_type == "derived"}
    assert set(recipes) == derived
    for factor_id, recipe in recipes.items():
        stored = db.factors[factor_id].gwp_kgco2e_per_unit
        assert _evaluate(recipe, dict(db.factors)) == pytest.approx(stored, rel=1e-9, abs=1e-9), factor_id
        assert str(_format(stored)) in recipe["formula"], factor_id


def _format(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".")


def test_energy_rows(db: FactorDB) -> None:
    """Grid factors by year and level, App. A fuels per TJ, provinces 2023 unverified as the digest says."""
    grid = [f for f in db.factors.values() if f.category == "energy/electricity"]
    assert len([f for f in grid if ":grid_2023:" in f.factor_id]) == 3 + 7 + 30
    assert len([f for f in grid if ":grid_2022:" in f.factor_id]) == 3 + 7 + 10
    assert len([f for f in grid if ":grid_2021:" in f.factor_id]) == 3
    assert db.factors["mee_nbs:grid_2023:sichuan"].verification == "unverified"
    assert db.factors["mee_nbs:grid_2023:south"].verification == "verified"
    assert all(f.declared_unit == "kWh" and f.data_type == "official" for f in grid)
    fuels = [f for f in db.factors.values() if f.factor_id.startswith("gbt51366:A:")]
    assert len(fuels) == 14 and all(f.declared_unit == "TJ" for f in fuels)
    assert db.factors["derived:fuel_natural_gas_m3"].declared_unit == "m3_gas"


def test_density_for(db: FactorDB) -> None:
    """A factor's density comes from its longest category prefix in densities.csv, with its source."""
    f = db.factors
    assert db.density_for(f["gbt51366:D:concrete_c30"]) == (2400.0, "densities.csv:concrete (gb50009_2012)")
    assert db.density_for(f["gbt51366:D:steel_rebar"]) == (7850.0, "densities.csv:steel (gb50009_2012)")
    assert db.density_for(f["gbt51366:D:brick_shale_hollow"])[0] == 1100.0  # type: ignore[index]
    assert db.density_for(f["derived:insulation_xps"])[0] == 35.0  # type: ignore[index]
    assert db.density_for(f["gbt51366:D:insulation_eps"])[0] == 20.0  # type: ignore[index]
    assert db.density_for(f["gbt51366:D:window_pvc_steel"]) is None
    own = Factor(**{**_fields(f["gbt51366:D:concrete_c30"]), "density_kg_m3": 2350.0, "factor_id": "user:x"})
    assert db.density_for(own) == (2350.0, "user:x (gbt51366_2019)")


def _fields(factor: Factor) -> dict[str, Any]:
    return {name: getattr(factor, name) for name in Factor.__dataclass_fields__}


def test_densities_never_cite_gbt51366(db: FactorDB) -> None:
    """Every density names GB 50009 (recollection) or an assumption, and says how it was converted."""
    assert {d.source_id for d in db.densities.values()} <= {"gb50009_2012", "embodied_assumption"}
    for d in db.densities.values():
        if d.source_id == "gb50009_2012":
            assert d.verification == "recollection" and "x 100" in d.notes


def test_search(db: FactorDB) -> None:
    """search() finds by id and names, ignoring case and full/half width."""
    ids = {f.factor_id for f in db.search("C30")}
    assert "gbt51366:D:concrete_c30" in ids
    assert {f.factor_id for f in db.search("Ｃ３０")} == ids
    assert {f.factor_id for f in db.search("混凝土")} >= {"gbt51366:D:concrete_c50", "derived:concrete_c40"}
    assert db.search("no such material at all") == []


def test_method_parameters(db: FactorDB) -> None:
    """The method defaults of GB/T 51366 carry their values, sources and verification."""
    m = db.method
    assert m["coverage_min_mass_share"]["value"] == 0.95
    assert m["cutoff_mass_share"]["value"] == 0.001
    assert m["transport_default_km"]["value"] == {"concrete": 40, "other": 500}
    assert m["recycling_credit_share"]["value"] == 0.5
    assert m["design_life_years"]["value"] == 50
    assert m["transport_default_mode"]["value"] == "road_diesel_18t"
    assert (m["transport_default_mode"]["source"], m["transport_default_mode"]["verification"]) == (
        "embodied_assumption",
        "unverified",
    )
    assert "gbt51366:E:road_diesel_18t" in db.factors  # the default names a Table E.0.1 row
    assert m["rebar_kg_per_m3"]["value"]["default"] == 110
    assert m["rebar_kg_per_m3"]["verification"] == "unverified"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    root = tmp_path / "material_db"
    shutil.copytree(DEFAULT_ROOT, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line
    )


def test_a_broken_copy_reports_every_problem_at_once(copy: Path) -> None:
    """Eleven faults in eight files are all reported in one pass, each with file:line.

    A row with a problem is left out, so checks that depend on it may add problems of their own.
    """
    gbt, derived = copy / "factors" / "gbt51366_2019.csv", copy / "factors" / "derived.csv"
    _edit(gbt, "Natural gypsum,gypsum,t,", "Natural gypsum,gypsum,m4,")
    _edit(gbt, "Quicklime (market average),lime,t,1190", "Quicklime (market average),lime,t,-1190")
    _edit(gbt, "gbt51366:D:clay,", "gbt51366:D:shale,")
    _edit(derived, "concrete,m3,340,", "concrete,m3,341,")
    _edit(derived, "derived:cement_mortar_m5,embodied_derived", "derived:cement_mortar_m5,nowhere_2020")
    _edit(copy / "densities.csv", "tile,2000", "tiles,2000")
    _edit(copy / "methods" / "gbt51366_2019.yaml", "verification: unverified", "verification: maybe")
    (copy / "aliases.csv").write_text(
        "alias,factor_id,lang,priority,ifc_classes,note\nC30,gbt51366:D:concrete_c30,zh,10,,\nC99,nope:x,zh,10,,\n",
        encoding="utf-8",
    )
    recipes = copy / "recipes.yaml"
    text = recipes.read_text(encoding="utf-8")
    start = text.index("derived:concrete_c45:")
    recipes.write_text(text[:start] + text[text.index("derived:concrete_c55:") :], encoding="utf-8")
    (copy / "factors" / "extra.csv").write_text("x\n", encoding="utf-8")

    problems = check(copy)
    got = {(p.file, p.line, p.message) for p in problems}
    expected = [
        ("factors/gbt51366_2019.csv", 7, "declared_unit 'm4' is not one of"),
        ("factors/gbt51366_2019.csv", _line_of(gbt, "Quicklime"), "gwp_kgco2e_per_unit -1190 is below 0"),
        ("factors/gbt51366_2019.csv", 11, "duplicate factor_id 'gbt51366:D:shale' (first on line 10)"),
        ("factors/derived.csv", _line_of(derived, "concrete_c40,"), "is 341 but its recipe gives 340"),
        (
            "factors/derived.csv",
            _line_of(derived, "mortar_m5,"),
            "source_id 'nowhere_2020' is not in sources.yaml",
        ),
        ("factors/derived.csv", _line_of(derived, "concrete_c45,"), "derived factor has no recipe"),
        ("densities.csv", _line_of(copy / "densities.csv", "tiles,"), "category 'tiles' is not one of"),
        ("densities.csv", None, "category 'tile' needs a density and has none"),
        ("aliases.csv", 3, "alias 'C99' points to unknown factor 'nope:x'"),
        (
            "methods/gbt51366_2019.yaml",
            _line_of(copy / "methods" / "gbt51366_2019.yaml", "transport_default_mode:"),
            "maybe",
        ),
        ("factors/extra.csv", None, "data file not described in datapackage.yaml"),
    ]
    for file, line, message in expected:
        assert any(f == f"material_db/{file}" and ln == line and message in m for f, ln, m in got), (
            f"{file}:{line}: {message}\n got: {sorted(map(str, problems))}"
        )
    assert all(isinstance(p, DataProblem) for p in problems)

    with pytest.raises(DatabaseError) as caught:
        load(copy)
    assert isinstance(caught.value, InputError)
    assert len(caught.value.problems) == len(problems)
    assert "material_db/factors/gbt51366_2019.csv:7: declared_unit 'm4'" in caught.value.message
    assert caught.value.message.count("\n") == len(problems)


def test_labelling_a_derived_value_as_the_standard_is_refused(copy: Path) -> None:
    """A derived row citing gbt51366_2019, a non-redistributable source and a user id are problems."""
    derived = copy / "factors" / "derived.csv"
    _edit(derived, "derived:concrete_c40,embodied_derived", "derived:concrete_c40,gbt51366_2019")
    _edit(derived, "derived:concrete_c45,embodied_derived", "derived:concrete_c45,user")
    with derived.open("a", encoding="utf-8") as handle:
        handle.write("user:x,embodied_derived,r,x,x,concrete,m3,1,A1-A3,user,unverified,,\n")
    messages = [str(p) for p in check(copy)]
    c40 = _line_of(derived, "derived:concrete_c40,")
    assert (
        f"material_db/factors/derived.csv:{c40}: a derived value must not cite the standard's source"
        in "\n".join(messages)
    )
    assert any("'user' is not redistributable" in m for m in messages)
    assert any("user:* ids belong in user packs" in m for m in messages)


def test_aliases_and_grades_may_be_absent(copy: Path) -> None:
    """Without aliases.csv and grades.yaml (another task writes them) the database still loads."""
    for name in ("aliases.csv", "grades.yaml"):
        (copy / name).unlink(missing_ok=True)
    db = load(copy)
    assert db.aliases == () and dict(db.grades) == {}


def test_an_unreadable_descriptor_stops_with_one_problem(copy: Path) -> None:
    """A datapackage.yaml that is not YAML is reported with its line, and nothing else is guessed."""
    (copy / "datapackage.yaml").write_text("name: x\nresources: [\n", encoding="utf-8")
    problems = check(copy)
    assert len(problems) == 1
    assert problems[0].file == "material_db/datapackage.yaml" and problems[0].line is not None
    assert re.search(r"not valid YAML", problems[0].message)


# -- grid_regions.csv and substitutions.csv (read and checked by embodied.lifecycle.data) -------------------
def test_grid_regions_are_the_2021_membership() -> None:
    """31 provinces: the seven regions as the 2021 calculation note groups them, every province with a
    provincial factor listed; Inner Mongolia split (recorded north, noted), Tibet in no region."""
    data = load_data()
    regions = data.grid_regions
    assert len(regions) == 31
    sizes = {r: sum(g.region == r for g in regions.values()) for r in {g.region for g in regions.values()}}
    assert sizes == {"north": 6, "northeast": 3, "east": 5, "central": 4, "south": 5, "southwest": 2,
                     "northwest": 5, "": 1}  # fmt: skip
    assert (regions["beijing"].region, regions["sichuan"].region, regions["fujian"].region) == (
        "north",
        "southwest",
        "east",
    )
    mongolia = regions["inner_mongolia"]
    assert mongolia.region == "north" and "SPLIT" in mongolia.notes and "northeast" in mongolia.notes
    assert regions["xizang"].region == "" and "no published provincial factor" in regions["xizang"].notes
    with (DEFAULT_ROOT / "factors" / "energy_cn.csv").open(encoding="utf-8") as handle:
        provinces = {
            r["factor_id"].rsplit(":", 1)[1] for r in csv.DictReader(handle) if "provincial" in r["name_en"]
        }
    assert len(provinces) == 30 and provinces <= set(regions)
    assert {g.source_id for g in regions.values()} == {"mee_nbs_2021"}


def test_substitutions_name_what_recovered_materials_replace(db: FactorDB) -> None:
    """Concrete, mortar and masonry → crushed stone (2.18/t); steel → BOF steel (1990/t); aluminium →
    primary aluminium (20 300/t); all 1 t per t, assumptions (unverified); glass has no row."""
    data = load_data()
    expected = {
        "concrete": ("gbt51366:D:crushed_stone", 2.18),
        "mortar": ("gbt51366:D:crushed_stone", 2.18),
        "masonry/brick": ("gbt51366:D:crushed_stone", 2.18),
        "masonry/block": ("gbt51366:D:crushed_stone", 2.18),
        "steel": ("gbt51366:D:steel_bof", 1990.0),
        "aluminium": ("gbt51366:D:aluminium_primary", 20300.0),
    }
    assert set(data.substitutions) == set(expected)
    for category, (factor_id, per_t) in expected.items():
        s = data.substitutions[category]
        assert (s.substituted_factor_id, s.substitution_ratio) == (factor_id, 1.0)
        assert (s.source_id, s.verification) == ("embodied_assumption", "unverified")
        f = db.factors[factor_id]
        assert (f.declared_unit, f.gwp_kgco2e_per_unit) == ("t", per_t)
    assert db.factors["gbt51366:D:steel_bof"].name_zh == "转炉碳钢"
    assert data.substitution_for("steel/rebar") is data.substitutions["steel"]
    assert data.substitution_for("concrete/reinforced") is data.substitutions["concrete"]
    assert data.substitution_for("masonry/block/aac") is data.substitutions["masonry/block"]
    assert data.substitution_for("glass") is None and data.substitution_for("insulation/polystyrene") is None


def test_broken_life_cycle_tables_are_reported(copy: Path) -> None:
    """An unknown or per-m³ substituted factor, a region outside the list, a province with a grid factor
    but no row: each reported by check_data with file and line; factors.check only needs them described."""
    subs, regions = copy / "substitutions.csv", copy / "grid_regions.csv"
    _edit(subs, "mortar,gbt51366:D:crushed_stone", "mortar,gbt51366:D:gravel")
    _edit(subs, "aluminium,gbt51366:D:aluminium_primary", "aluminium,gbt51366:D:concrete_c30")
    _edit(regions, "hunan,湖南,Hunan,central", "hunan,湖南,Hunan,middle")
    text = regions.read_text(encoding="utf-8")
    regions.write_text(
        "".join(x for x in text.splitlines(True) if not x.startswith("beijing,")), encoding="utf-8"
    )
    got = {str(p) for p in check_data(copy)}
    assert got == {
        f"material_db/substitutions.csv:{_line_of(subs, 'mortar,')}: substituted_factor_id "
        "'gbt51366:D:gravel' is not a factor of the database",
        f"material_db/substitutions.csv:{_line_of(subs, 'aluminium,')}: substituted factor "
        "gbt51366:D:concrete_c30 is per m3, not per t or kg",
        f"material_db/grid_regions.csv:{_line_of(regions, 'hunan,')}: region 'middle' is not one of north, "
        "northeast, east, central, northwest, south, southwest",
        "material_db/grid_regions.csv: province 'beijing' has a grid factor but no row (its regional grid "
        "is not known)",
        "material_db/grid_regions.csv: province 'hunan' has a grid factor but no row (its regional grid "
        "is not known)",
    }
    assert [str(p) for p in check(copy)] == []
