"""`embodied match` and `embodied db`: output contract, mapping round trip, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import modelkit
import pytest
from shared_models import embodied

from embodied.report.tables import MATCH_CONTRACT

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """C30 column 0.4 x 0.5 x 3.0 m (0.6 m³ at 2400 kg/m³ = 1440 kg) and an unknown 0.1 m³ box."""
    m = modelkit.new_model("IFC4", "METRE")
    modelkit.material(m, "C30混凝土", density=2400.0)
    modelkit.add_box(m, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name="KZ1")
    modelkit.add_box(
        m,
        "IfcBuildingElementProxy",
        "Unobtainium 9000",
        size=(0.1, 1.0, 1.0),
        name="X",
        position=(2.0, 0.0, 0.0),
    )
    return modelkit.save(m, tmp_path_factory.mktemp("m") / "match.ifc", seed="match")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_match_csv_contract(model: Path) -> None:
    """`embodied match` writes one row per material with the contract columns first."""
    done = embodied("match", model, "--no-rebar-estimate")
    assert done.returncode == 0, done.stderr
    rows = rows_of(done.stdout)
    assert tuple(rows[0])[: len(MATCH_CONTRACT)] == MATCH_CONTRACT
    by_name = {r["material"]: r for r in rows}
    c30 = by_name["C30混凝土"]
    assert c30["factor_id"] == "gbt51366:D:concrete_c30" and c30["method"] == "grade"
    assert float(c30["volume_m3"]) == pytest.approx(0.6) and float(c30["mass_kg"]) == pytest.approx(1440.0)
    unknown = by_name["Unobtainium 9000"]
    # a name of no known kind is offered nothing (never a factor of another kind), and says why
    assert unknown["factor_id"] == "" and unknown["suggestions"] == "" and "kind unknown" in unknown["note"]
    assert "2 materials, 1 matched, 1 unmatched" in done.stderr


def test_match_json_has_provenance_and_coverage(model: Path, tmp_path: Path) -> None:
    """The JSON names the database version, the model hash and the coverage verdict."""
    out = tmp_path / "m.json"
    done = embodied("match", model, "-o", out, "--no-rebar-estimate", "-q")
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["database"]["version"] and doc["model"]["sha256"]
    assert doc["coverage"]["rule_met"] in (True, False)
    assert {m["material"] for m in doc["materials"]} == {"C30混凝土", "Unobtainium 9000"}


def test_write_mapping_then_use_it(model: Path, tmp_path: Path) -> None:
    """--write-mapping pre-fills the file; filling a factor_id and passing it back maps the material."""
    mapping = tmp_path / "mapping.csv"
    done = embodied("match", model, "--write-mapping", mapping, "-q")
    assert done.returncode == 0, done.stderr
    rows = rows_of(mapping.read_text(encoding="utf-8-sig"))
    unknown = next(r for r in rows if r["material"] == "Unobtainium 9000")
    assert unknown["factor_id"] == "" and unknown["suggestion_1"] == ""  # no kind: no suggestion
    assert list(rows[0])[-2:] == ["fill_fraction", "confirm"]  # optional columns, written empty
    assert (unknown["fill_fraction"], unknown["confirm"]) == ("", "")
    unknown["factor_id"] = "gbt51366:D:steel_average"
    with mapping.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = embodied("match", model, "--mapping", mapping, "--no-rebar-estimate")
    assert done.returncode == 0, done.stderr
    mapped = {r["material"]: r for r in rows_of(done.stdout)}["Unobtainium 9000"]
    assert (mapped["factor_id"], mapped["method"]) == ("gbt51366:D:steel_average", "mapping")


def test_bad_mapping_is_one_line_exit_2(model: Path, tmp_path: Path) -> None:
    """An unknown factor id in the mapping: exit 2, one line naming file and line."""
    mapping = tmp_path / "bad.csv"
    mapping.write_text("material,factor_id\nC30混凝土,gbt51366:D:concrete_c31\n", encoding="utf-8")
    done = embodied("match", model, "--mapping", mapping)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{mapping}:2: unknown factor id 'gbt51366:D:concrete_c31'" in lines[0]
    assert done.stdout == ""


def test_db_list_search_show_and_check() -> None:
    """db list --search finds C30; db show gives source and value; db check passes on the shipped data."""
    listed = embodied("db", "list", "--search", "C30")
    assert listed.returncode == 0, listed.stderr
    assert "gbt51366:D:concrete_c30\tm3\t295\t" in listed.stdout
    shown = embodied("db", "show", "derived:concrete_c40")
    assert shown.returncode == 0, shown.stderr
    assert "gwp_kgco2e_per_unit: 340" in shown.stdout and "recipe:" in shown.stdout
    unknown = embodied("db", "show", "gbt51366:D:concrete_c31")
    assert unknown.returncode == 2 and "did you mean" in unknown.stderr
    checked = embodied("db", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no problems" in checked.stderr
