"""`embodied check`: model readiness (embodied.check, embodied.cli.check) on models whose answer is
known by hand, the shipped sample, and bad IDS files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import ifcopenshell.api.spatial
import ifcopenshell.ifcopenshell_wrapper as wrapper
import modelkit
import pytest
import typer
from typer.testing import CliRunner

from embodied.check import IDS_FILE, Readiness, Requirement, check_model, score
from embodied.check.python_checks import LOAD_BEARING, WHOLES
from embodied.cli.check import CheckArgs, check, run_check
from embodied.errors import InputError

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sample_building.ifc"
NS = "{http://standards.buildingsmart.org/IDS}"
XS = "{http://www.w3.org/2001/XMLSchema}"


def failed(readiness: Readiness) -> dict[str, tuple[str, ...]]:
    return {r.name: r.failed_global_ids for r in readiness.requirements if not r.passed}


def walls(tmp_path: Path, *, bare: int | None = None) -> tuple[Path, list[str]]:
    """4 box walls of concrete, in Level 1; wall number `bare` without a material."""
    model = modelkit.new_model("IFC4", "METRE")
    ids = []
    for i in range(4):
        spec = None if i == bare else "C30混凝土"
        wall = modelkit.add_box(model, "IfcWall", spec, size=(5.0, 0.2, 3.0), position=(0.0, 5.0 * i, 0.0))
        ids.append(wall)
    path = modelkit.save(model, tmp_path / "walls.ifc", seed="walls")
    return path, [w.GlobalId for w in ids]


def test_a_wall_without_material_fails_material_with_its_global_id(tmp_path: Path) -> None:
    path, gids = walls(tmp_path, bare=2)
    readiness = check_model(path)
    assert failed(readiness) == {"material": (gids[2],)}
    material = readiness.requirement("material")
    assert (material.applicable, material.source) == (4, "ids")
    # applicable/failed: material 4/1, storey 4/0, space-area 0/0, quantity-or-body 4/0,
    # material-wholes 0/0, material-names 3/0 (only walls with a material), element-stars 4/0:
    # (3 + 4 + 4 + 3 + 4) / (4 + 4 + 4 + 3 + 4) = 18 / 19
    assert readiness.score == pytest.approx(18 / 19)
    assert readiness.requirement("material-names").applicable == 3
    assert not readiness.passed


def test_a_ready_model_scores_one(tmp_path: Path) -> None:
    path, _ = walls(tmp_path)
    readiness = check_model(path)
    assert readiness.passed and readiness.score == 1.0
    assert readiness.ids == IDS_FILE
    assert [r.source for r in readiness.requirements] == ["ids"] * 3 + ["python"] * 4


def test_a_type_material_is_the_elements(tmp_path: Path) -> None:
    model = modelkit.new_model("IFC4", "METRE")
    wall_type = modelkit.add_type(model, "IfcWallType", "WT1", "C30混凝土")
    modelkit.add_box(model, "IfcWall", None, size=(5.0, 0.2, 3.0), element_type=wall_type)
    readiness = check_model(modelkit.save(model, tmp_path / "typed.ifc", seed="typed"))
    assert readiness.requirement("material").passed
    assert readiness.requirement("material-names").applicable == 1


def test_not_in_a_storey_and_no_body_nor_quantities(tmp_path: Path) -> None:
    model = modelkit.new_model("IFC4", "METRE")
    loose = modelkit.add_box(model, "IfcColumn", "C30", size=(0.4, 0.4, 3.0))
    ifcopenshell.api.spatial.unassign_container(model, products=[loose])
    bare = modelkit.add_box(model, "IfcBeam", "C30", size=(4.0, 0.3, 0.5))
    bare.Representation = None
    counted = modelkit.add_box(model, "IfcBeam", "C30", size=(4.0, 0.3, 0.5))
    counted.Representation = None
    modelkit.add_quantities(model, counted, "Qto_BeamBaseQuantities", {"NetVolume": 0.6})
    readiness = check_model(modelkit.save(model, tmp_path / "loose.ifc", seed="loose"))
    assert failed(readiness) == {"storey": (loose.GlobalId,), "quantity-or-body": (bare.GlobalId,)}
    # 3 elements; storey 3/1, quantity-or-body 3/1, material 3/0, material-names 3/0, element-stars 3/0
    assert readiness.score == pytest.approx(13 / 15)


def test_spaces_need_a_floor_area(tmp_path: Path) -> None:
    model = modelkit.new_model("IFC4", "METRE")
    modelkit.add_box(model, "IfcSlab", "C30", size=(10.0, 10.0, 0.2))
    without = modelkit.add_space(model, size=(5.0, 4.0, 3.0), name="101")
    measured = modelkit.add_space(model, size=(5.0, 4.0, 3.0), name="102", position=(5.0, 0.0, 0.0))
    modelkit.add_quantities(model, measured, "Qto_SpaceBaseQuantities", {"NetFloorArea": 20.0})
    readiness = check_model(modelkit.save(model, tmp_path / "spaces.ifc", seed="spaces"))
    space = readiness.requirement("space-area")
    assert (space.applicable, space.failed_global_ids) == (2, (without.GlobalId,))
    assert failed(readiness) == {"space-area": (without.GlobalId,)}


def test_no_spaces_is_not_a_failure(tmp_path: Path) -> None:
    path, _ = walls(tmp_path)
    space = check_model(path).requirement("space-area")
    assert space.passed and space.applicable == 0


def test_material_names_star_and_empty(tmp_path: Path) -> None:
    model = modelkit.new_model("IFC4", "METRE")
    star = modelkit.add_box(model, "IfcSlab", "*", size=(5.0, 5.0, 0.2))
    empty = modelkit.add_box(model, "IfcSlab", "EMPTY", size=(5.0, 5.0, 0.2), position=(5.0, 0.0, 0.0))
    modelkit.material(model, "EMPTY").Name = " "  # (the API names a material "" Unnamed)
    modelkit.add_box(model, "IfcSlab", "C30", size=(5.0, 5.0, 0.2), position=(10.0, 0.0, 0.0))
    readiness = check_model(modelkit.save(model, tmp_path / "names.ifc", seed="names"))
    assert failed(readiness) == {"material-names": tuple(sorted((star.GlobalId, empty.GlobalId)))}


def test_a_roof_of_slabs_is_judged_by_its_parts(tmp_path: Path) -> None:
    model = modelkit.new_model("IFC4", "METRE")
    made = [modelkit.add_slab(model, "C30", size=(5.0, 5.0, 0.2), predefined_type="ROOF")]
    roof = modelkit.add_aggregate(model, "IfcRoof", made)
    bare = [modelkit.add_slab(model, None, size=(5.0, 5.0, 0.2), predefined_type="ROOF")]
    bare_roof = modelkit.add_aggregate(model, "IfcRoof", bare)
    readiness = check_model(modelkit.save(model, tmp_path / "roofs.ifc", seed="roofs"))
    wholes = readiness.requirement("material-wholes")
    assert (wholes.applicable, wholes.failed_global_ids) == (2, (bare_roof.GlobalId,))
    assert roof.GlobalId not in readiness.requirement("material").failed_global_ids
    # the bare slab fails the IDS; both roofs are in the storey through their parts, and measured by them
    assert failed(readiness) == {"material": (bare[0].GlobalId,), "material-wholes": (bare_roof.GlobalId,)}


def test_a_bare_star_name_is_found(tmp_path: Path) -> None:
    model = modelkit.new_model("IFC4", "METRE")
    wall = modelkit.add_box(model, "IfcWall", "C30", size=(5.0, 0.2, 3.0), name="STARWALL")
    modelkit.add_box(model, "IfcWall", "C30", size=(5.0, 0.2, 3.0), name="W2", position=(0.0, 5.0, 0.0))
    path = modelkit.save(model, tmp_path / "stars.ifc", seed="stars")
    path.write_text(path.read_text(encoding="utf-8").replace("'STARWALL'", "*"), encoding="utf-8")
    assert failed(check_model(path)) == {"element-stars": (wall.GlobalId,)}


def test_the_sample_is_ready() -> None:
    readiness = check_model(SAMPLE)
    assert readiness.passed and readiness.score == 1.0
    # 27 load-bearing elements: 10 walls, 5 slabs, 4 columns, 4 beams, 2 members, 1 plate, 1 roof
    # (of 3 of those slabs), which the IDS material specification leaves to material-wholes
    assert readiness.requirement("storey").applicable == 27
    assert readiness.requirement("material").applicable == 26
    assert readiness.requirement("material-wholes").applicable == 1


def test_score_formula() -> None:
    def req(applicable: int, failures: int) -> Requirement:
        gids = tuple(f"g{i}" for i in range(failures))
        return Requirement("r", "", not failures, applicable, gids, "python")

    assert score((req(10, 2), req(5, 0), req(0, 0))) == pytest.approx(13 / 15)
    assert score((req(0, 0),)) == 0.0  # nothing to check: nothing to take off


def _subclasses(name: str) -> set[str]:
    found = set()
    for schema in ("IFC2X3", "IFC4", "IFC4X3_ADD2"):
        try:
            todo = [wrapper.schema_by_name(schema).declaration_by_name(name)]
        except Exception:  # not in this schema
            continue
        while todo:
            declaration = todo.pop()
            found.add(declaration.name().upper())
            todo.extend(declaration.subtypes())
    return found


def test_the_ids_and_the_python_checks_cover_the_same_classes() -> None:
    root = ElementTree.parse(IDS_FILE).getroot()
    listed = {}
    for spec in root.iter(f"{NS}specification"):
        names = spec.find(f"{NS}applicability/{NS}entity/{NS}name")
        assert names is not None
        listed[spec.get("identifier")] = {e.get("value") for e in names.iter(f"{XS}enumeration")}
    bearing = set().union(*(_subclasses(c) for c in LOAD_BEARING))
    wholes = set().union(*(_subclasses(c) for c in WHOLES))
    assert listed["storey"] == bearing
    assert listed["material"] == bearing - wholes


# -- a user's IDS, a bad IDS -------------------------------------------------------------------------
USER_IDS = """<?xml version="1.0" encoding="UTF-8"?>
<ids xmlns="http://standards.buildingsmart.org/IDS" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <info><title>walls named</title></info>
  <specifications>
    <specification name="Walls have a name" ifcVersion="IFC4">
      <applicability><entity><name><simpleValue>IFCWALL</simpleValue></name></entity></applicability>
      <requirements><attribute><name><simpleValue>Name</simpleValue></name></attribute></requirements>
    </specification>
  </specifications>
</ids>
"""


def test_a_users_ids(tmp_path: Path) -> None:
    model = modelkit.new_model("IFC4", "METRE")
    unnamed = modelkit.add_box(model, "IfcWall", "C30", size=(5.0, 0.2, 3.0))
    modelkit.add_box(model, "IfcWall", "C30", size=(5.0, 0.2, 3.0), name="W2", position=(0.0, 5.0, 0.0))
    path = modelkit.save(model, tmp_path / "named.ifc", seed="named")
    ids = tmp_path / "mine.ids"
    ids.write_text(USER_IDS, encoding="utf-8")
    readiness = check_model(path, ids, python_checks=False)
    assert readiness.ids == ids
    (only,) = readiness.requirements
    assert (only.name, only.applicable, only.failed_global_ids) == (
        "Walls have a name",
        2,
        (unnamed.GlobalId,),
    )
    assert readiness.score == pytest.approx(1 / 2)


@pytest.mark.parametrize(
    "text",
    [
        "<ids",  # not XML
        "<ids xmlns='http://standards.buildingsmart.org/IDS'><info/></ids>",  # not IDS 1.0
        USER_IDS.replace('ifcVersion="IFC4"', 'ifcVersion="IFC5"'),
    ],
)
def test_a_bad_ids_is_an_input_error_naming_the_file(tmp_path: Path, text: str) -> None:
    ids = tmp_path / "bad.ids"
    ids.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        check_model(SAMPLE, ids)
    line = caught.value.one_line()
    assert str(ids) in line and "\n" not in line


# -- the command -------------------------------------------------------------------------------------
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("check")(check)
    app.command("other")(lambda: None)  # two commands: `check` stays a subcommand
    return app


def run(*args: str) -> Any:
    return CliRunner().invoke(cli(), ["check", *args])


def test_the_command_writes_check_json_and_a_table(tmp_path: Path) -> None:
    path, gids = walls(tmp_path, bare=0)
    out = tmp_path / "out"
    result = run(str(path), "-o", str(out), "--format", "json,csv,xlsx")
    assert result.exit_code == 0, result.output
    data = json.loads((out / "check.json").read_text(encoding="utf-8"))
    assert data["score"] == pytest.approx(18 / 19)
    material = next(r for r in data["requirements"] if r["name"] == "material")
    assert (material["passed"], material["failed_global_ids"]) == (False, [gids[0]])
    assert all({"name", "passed", "failed_global_ids"} <= set(r) for r in data["requirements"])
    table = (out / "check.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table[0].startswith("name,source,passed,applicable,failed") and len(table) == 8
    assert (out / "check.xlsx").stat().st_size > 0
    assert "readiness 95%" in result.output and "FAILED material" in result.output


def test_the_command_with_a_bad_ids_exits_2(tmp_path: Path) -> None:
    ids = tmp_path / "bad.ids"
    ids.write_text("<ids", encoding="utf-8")
    result = run(str(SAMPLE), "--ids", str(ids), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert str(ids) in result.output and not (tmp_path / "out" / "check.json").exists()


def test_the_command_with_a_missing_model_or_bad_format_exits_2(tmp_path: Path) -> None:
    assert run(str(tmp_path / "missing.ifc")).exit_code == 2
    assert run(str(SAMPLE), "--format", "pdf").exit_code == 2


def test_run_check_quiet_returns_the_readiness(tmp_path: Path) -> None:
    readiness = run_check(CheckArgs(model=SAMPLE, quiet=True))
    assert readiness.score == 1.0
