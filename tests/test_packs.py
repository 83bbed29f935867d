"""User packs: CSV, XLSX, LCAx and openEPD JSON files read into factors and aliases.

Each test writes its own small pack into a temporary folder; the LCAx EPD is produced by the
``lcax`` library itself, so the reader is checked against real LCAx output.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from typing import Any

import lcax
import openpyxl
import pytest

from embodied.errors import DatabaseError
from embodied.factors import load, read_pack

HEADER = "factor_id,source_id,source_ref,name_zh,name_en,category,declared_unit,gwp_kgco2e_per_unit,aliases"
GOOD_ROWS = [
    [
        "user:c40_mix_a",
        "user",
        "EPD-CN-0042",
        "C40商品混凝土（甲厂）",
        "",
        "concrete",
        "m3",
        "318.5",
        "C40 商品混凝土; 甲厂C40",
    ],
    ["user:rebar_b", "", "EPD-CN-0043", "", "Rebar, plant B", "steel/rebar", "t", "1890", ""],
]


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def line(cells: list[str]) -> str:
    """One CSV line, quoted where a cell needs it."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


def test_csv_pack_gives_factors_and_user_aliases(tmp_path: Path) -> None:
    """A CSV pack's rows become user factors with defaults filled, its aliases lang user, priority 0."""
    pack = write_csv(tmp_path / "epd.csv", [HEADER, *map(line, GOOD_ROWS)])
    read = read_pack(pack)
    a, b = read.factors
    assert (a.factor_id, a.gwp_kgco2e_per_unit, a.declared_unit, a.pack) == (
        "user:c40_mix_a",
        318.5,
        "m3",
        str(pack),
    )
    assert (a.source_id, a.source_ref, a.module, a.data_type, a.verification) == (
        "user",
        "EPD-CN-0042",
        "A1-A3",
        "user",
        "unverified",
    )
    assert b.source_id == "user" and b.name_en == "Rebar, plant B"
    assert [(x.alias, x.factor_id, x.lang, x.priority) for x in read.aliases] == [
        ("C40 商品混凝土", "user:c40_mix_a", "user", 0),
        ("甲厂C40", "user:c40_mix_a", "user", 0),
    ]


def test_a_loaded_pack_sits_beside_the_defaults(tmp_path: Path) -> None:
    """load(packs=...) adds the pack's factors and aliases and records the pack."""
    pack = write_csv(tmp_path / "epd.csv", [HEADER, *map(line, GOOD_ROWS)])
    db = load(packs=[pack])
    assert db.packs == (str(pack),)
    assert db.factors["user:c40_mix_a"].pack == str(pack)
    assert db.factors["gbt51366:D:concrete_c30"].pack == "default"
    assert db.density_for(db.factors["user:c40_mix_a"]) == (2400.0, "densities.csv:concrete (gb50009_2012)")
    assert any(a.factor_id == "user:c40_mix_a" and a.priority == 0 for a in db.aliases)


def test_xlsx_pack(tmp_path: Path) -> None:
    """The first sheet of an XLSX pack reads like the CSV, numbers as numeric cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*HEADER.split(","), "density_kg_m3"])
    sheet.append([*GOOD_ROWS[0][:7], 318.5, GOOD_ROWS[0][8], 2380])
    sheet.append([*GOOD_ROWS[1][:7], 1890, None, None])
    book.save(tmp_path / "epd.xlsx")
    read = read_pack(tmp_path / "epd.xlsx")
    assert [(f.factor_id, f.gwp_kgco2e_per_unit, f.density_kg_m3) for f in read.factors] == [
        ("user:c40_mix_a", 318.5, 2380.0),
        ("user:rebar_b", 1890.0, None),
    ]
    assert len(read.aliases) == 2


def test_malformed_csv_rows_name_file_and_line(tmp_path: Path) -> None:
    """Every bad row of a pack is reported at once with the pack's path and the CSV line."""
    pack = write_csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            line(GOOD_ROWS[0]),
            "user:x,user,r,X,,concrete,m3,abc,",
            "gbt51366:D:mine,user,r,X,,concrete,m3,1,",
            "user:y,user,r,,,unobtainium,m4,-2,",
            line(GOOD_ROWS[0]),
        ],
    )
    with pytest.raises(DatabaseError) as caught:
        read_pack(pack)
    problems = [str(p) for p in caught.value.problems]
    assert f"{pack}:3: gwp_kgco2e_per_unit 'abc' is not a number" in problems
    assert any(p.startswith(f"{pack}:4: factor_id 'gbt51366:D:mine' does not match") for p in problems)
    assert any(p.startswith(f"{pack}:5: category 'unobtainium'") for p in problems)
    assert any(p.startswith(f"{pack}:5: declared_unit 'm4'") for p in problems)
    assert f"{pack}:5: gwp_kgco2e_per_unit -2 is below 0" in problems
    assert f"{pack}:6: duplicate factor_id 'user:c40_mix_a' (first on line 2)" in problems


def test_a_pack_missing_a_required_column_says_so_on_line_1(tmp_path: Path) -> None:
    """A pack without the gwp column is refused at its header line."""
    pack = write_csv(tmp_path / "p.csv", ["factor_id,name_en,category,declared_unit", "user:a,A,concrete,m3"])
    with pytest.raises(DatabaseError, match=r"p\.csv:1: column 'gwp_kgco2e_per_unit' is missing"):
        read_pack(pack)


def test_pack_ids_may_not_collide_across_packs(tmp_path: Path) -> None:
    """The same user id in two packs is a problem naming the first occurrence."""
    first = write_csv(tmp_path / "a.csv", [HEADER, line(GOOD_ROWS[0])])
    second = write_csv(tmp_path / "b.csv", [HEADER, line(GOOD_ROWS[0])])
    with pytest.raises(DatabaseError) as caught:
        load(packs=[first, second])
    assert [str(p) for p in caught.value.problems] == [
        f"{second}:2: duplicate factor_id 'user:c40_mix_a' (first at {first}:2)"
    ]


def lcax_epd() -> str:
    impacts = lcax.Impacts(
        {lcax.ImpactCategoryKey.GWP: lcax.ImpactCategory({lcax.LifeCycleModule.A1A3: 301.2})}
    )
    epd = lcax.EPD(
        id="c40-plant-a",
        name="Ready-mix C40, plant A",
        declared_unit=lcax.Unit.M3,
        version="1",
        published_date=datetime.date(2025, 3, 1),
        valid_until=datetime.date(2030, 3, 1),
        standard=lcax.Standard.EN15804A2,
        location=lcax.Country.CHN,
        subtype=lcax.SubType.SPECIFIC,
        impacts=impacts,
        source=lcax.Source(name="EPD-CN-2025-0001"),
        conversions=[lcax.Conversion(value=2390.0, to=lcax.Unit.KG)],
    )
    return str(epd.dumps())


def test_lcax_epd_written_by_lcax(tmp_path: Path) -> None:
    """An EPD dumped by the lcax library becomes one epd factor with its GWP A1-A3 and density."""
    pack = tmp_path / "epd.json"
    pack.write_text(lcax_epd(), encoding="utf-8")
    (factor,) = read_pack(pack).factors
    assert factor.factor_id == "user:lcax_c40_plant_a"
    assert (factor.gwp_kgco2e_per_unit, factor.declared_unit, factor.density_kg_m3) == (301.2, "m3", 2390.0)
    assert (factor.data_type, factor.verification, factor.module, factor.category) == (
        "epd",
        "unverified",
        "A1-A3",
        "other",
    )
    assert factor.source_ref == "EPD-CN-2025-0001"
    assert read_pack(pack).aliases[0].alias == "Ready-mix C40, plant A"


def test_lcax_generic_data_and_a_bad_item_in_one_list(tmp_path: Path) -> None:
    """A JSON list is read item by item; a bad item's problem names its JSON path."""
    generic = {
        "id": "g1",
        "name": "Gypsum board",
        "declaredUnit": "tones",
        "impacts": {"gwp": {"a1a3": 120.0}},
    }
    broken = {"id": "g2", "name": "No GWP", "declaredUnit": "kg", "impacts": {"gwp": {"a4": 1.0}}}
    pack = tmp_path / "generic.json"
    pack.write_text(json.dumps([generic, broken]), encoding="utf-8")
    with pytest.raises(DatabaseError) as caught:
        read_pack(pack)
    assert [str(p) for p in caught.value.problems] == [
        f"{pack}: $[1].impacts.gwp.a1a3: None is not a GWP A1-A3 value >= 0"
    ]
    pack.write_text(json.dumps([generic]), encoding="utf-8")
    (factor,) = read_pack(pack).factors
    assert (factor.factor_id, factor.declared_unit, factor.gwp_kgco2e_per_unit) == (
        "user:lcax_g1",
        "t",
        120.0,
    )


def openepd(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "doctype": "openEPD",
        "id": "EC300ABC",
        "product_name": "Concrete C40/50",
        "declared_unit": {"qty": 1, "unit": "m3"},
        "kg_per_declared_unit": {"qty": 2400, "unit": "kg"},
        "program_operator_doc_id": "S-P-01234",
        "third_party_verifier": {"name": "Example Verification Ltd", "web_domain": "example.org"},
        "impacts": {
            "TRACI 2.1": {"gwp": {"A1A2A3": {"mean": 333.0, "unit": "kgCO2e"}}},
            "EF 3.0": {"gwp": {"A1A2A3": {"mean": 310.5, "unit": "kgCO2e"}}},
        },
    }
    doc.update(changes)
    return doc


def test_openepd_epd(tmp_path: Path) -> None:
    """An openEPD EPD gives GWP A1-A3 of the preferred LCIA method, verified when a verifier is named."""
    pack = tmp_path / "openepd.json"
    pack.write_text(json.dumps(openepd()), encoding="utf-8")
    (factor,) = read_pack(pack).factors
    assert factor.factor_id == "user:openepd_ec300abc"
    assert (factor.gwp_kgco2e_per_unit, factor.declared_unit, factor.density_kg_m3) == (310.5, "m3", 2400.0)
    assert factor.verification == "verified" and "Example Verification Ltd" in factor.notes
    assert "EF 3.0" in factor.notes and factor.source_ref == "openEPD EC300ABC S-P-01234"


def test_openepd_declared_quantity_and_tonnes(tmp_path: Path) -> None:
    """A declared unit of 1000 kg with GWP in tCO2e becomes kgCO2e per kg; no verifier: unverified."""
    doc = openepd(
        declared_unit={"qty": 1000, "unit": "kg"},
        third_party_verifier=None,
        impacts={"EF 3.1": {"gwp": {"A1A2A3": {"mean": 2.1, "unit": "tCO2e"}}}},
    )
    pack = tmp_path / "openepd.json"
    pack.write_text(json.dumps(doc), encoding="utf-8")
    (factor,) = read_pack(pack).factors
    assert (factor.declared_unit, factor.gwp_kgco2e_per_unit, factor.verification) == (
        "kg",
        2.1,
        "unverified",
    )


def test_malformed_openepd_names_json_paths(tmp_path: Path) -> None:
    """openEPD validation errors and a missing GWP are reported with their JSON paths."""
    bad = openepd(declared_unit={"qty": "lots", "unit": "m3"})
    bad["impacts"]["EF 3.0"]["gwp"]["A1A2A3"]["mean"] = "x"
    no_gwp = openepd(impacts={"EF 3.0": {"odp": {"A1A2A3": {"mean": 1e-6, "unit": "kgCFC11e"}}}})
    pack = tmp_path / "bad.json"
    pack.write_text(json.dumps([bad, no_gwp, {"something": "else"}]), encoding="utf-8")
    with pytest.raises(DatabaseError) as caught:
        read_pack(pack)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"{pack}: $[0].declared_unit.qty: ") for p in problems)
    assert any(p.startswith(f"{pack}: $[0].impacts.EF 3.0.gwp.A1A2A3.mean: ") for p in problems)
    assert f"{pack}: $[1].impacts: no <method>.gwp.A1A2A3 (GWP A1-A3)" in problems
    assert f"{pack}: $[2]: neither LCAx (declaredUnit) nor openEPD (doctype, declared_unit)" in problems


def test_invalid_json_and_unknown_extension(tmp_path: Path) -> None:
    """A JSON syntax error names its line; a pack of another type is refused."""
    pack = tmp_path / "broken.json"
    pack.write_text('{\n  "name": "x",\n  oops\n}\n', encoding="utf-8")
    with pytest.raises(DatabaseError, match=r"broken\.json:3: not valid JSON"):
        read_pack(pack)
    other = tmp_path / "pack.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(DatabaseError, match=r"a user pack is \.csv, \.xlsx or \.json"):
        read_pack(other)
    with pytest.raises(DatabaseError, match="user pack not found"):
        read_pack(tmp_path / "missing.csv")
