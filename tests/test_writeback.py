"""Results written back into the IFC (issue 19): an Embodied_Carbon set per element, the report's
fingerprint on the project, and nothing else in the file changed."""

from __future__ import annotations

import hashlib
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.element
import modelkit
import pytest
from shared_models import SHARED_IFC, require

from embodied import writeback
from embodied.errors import InputError, OutputError
from embodied.lifecycle.by_element import by_element
from embodied.pipeline import Calculation, MatchOptions, report_model, run_calculate
from embodied.report.records import ReportModel
from embodied.writeback import ADDED_TYPES, PROJECT_PSET, PSET, WriteSummary, write_back, write_ifc

REPO = Path(__file__).resolve().parent.parent
NO_REBAR = MatchOptions(rebar_estimate=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def calculate(path: Path) -> tuple[Calculation, ReportModel]:
    calc = run_calculate(path, match_options=NO_REBAR)
    return calc, report_model(calc)


def counts(file: Any) -> Counter[str]:
    return Counter(entity.is_a() for entity in file)


def root_ids(file: Any) -> set[str]:
    return {e.GlobalId for e in file.by_type("IfcRoot")}


def check_invariants(model: Path, out: Path, summary: WriteSummary) -> tuple[Any, Any]:
    """Re-read both files: only the property entities grew, every GlobalId is kept, the new sets and
    relations have new GlobalIds, the schema is the input's."""
    before, after = ifcopenshell.open(str(model)), ifcopenshell.open(str(out))
    assert after.schema_identifier == before.schema_identifier
    c_before, c_after = counts(before), counts(after)
    for ifc_class in set(c_before) | set(c_after):
        if ifc_class in ADDED_TYPES:
            assert c_after[ifc_class] >= c_before[ifc_class], ifc_class
        else:
            assert c_after[ifc_class] == c_before[ifc_class], ifc_class
    assert dict(c_before) == dict(summary.counts_before)
    assert dict(c_after) == dict(summary.counts_after)
    ids_before, ids_after = root_ids(before), root_ids(after)
    assert ids_before <= ids_after
    new = ids_after - ids_before
    new_sets = summary.added["IfcPropertySet"]
    assert len(new) == 2 * new_sets == 2 * summary.added["IfcRelDefinesByProperties"]
    assert {after.by_guid(g).is_a() for g in new} == {"IfcPropertySet", "IfcRelDefinesByProperties"}
    assert new_sets == summary.elements_written + summary.elements_noted + 1  # + the project's
    return before, after


def psets(file: Any, global_id: str) -> dict[str, Any]:
    return dict(ifcopenshell.util.element.get_psets(file.by_guid(global_id)))


# -- one column, by hand ------------------------------------------------------------------------------
def test_c30_column_numbers_and_fingerprint(tmp_path: Path) -> None:
    model = modelkit.c30_column(tmp_path / "c30.ifc", seed="x")
    digest = sha256(model)
    calc, report = calculate(model)
    out = tmp_path / "out" / "c30-carbon.ifc"
    out.parent.mkdir()
    summary = write_back(calc, report, out)
    assert sha256(model) == digest  # the input is untouched
    assert summary.out_path == out and summary.schema == "IFC4"
    assert (summary.elements_written, summary.elements_noted, summary.missing) == (1, 0, ())
    assert summary.added == {
        "IfcPropertySet": 2,
        "IfcPropertySingleValue": 15,
        "IfcRelDefinesByProperties": 2,
    }
    _, after = check_invariants(model, out, summary)
    column = after.by_type("IfcColumn")[0]
    values = ifcopenshell.util.element.get_psets(column)[PSET]
    assert values["A1_A3"] == pytest.approx(177.0)
    assert values["A4"] == pytest.approx(7.4304)
    assert values["TotalKgCO2e"] == pytest.approx(184.4304)
    assert values["FactorIds"] == "gbt51366:D:concrete_c30"
    assert values["MatchMethod"] == "grade"
    assert values["RunId"] == report.fingerprint.run_id
    assert "Note" not in values
    project = ifcopenshell.util.element.get_psets(after.by_type("IfcProject")[0])[PROJECT_PSET]
    fp = report.fingerprint
    assert project["RunId"] == fp.run_id and project["ModelSha256"] == fp.model_sha256 == digest
    assert (project["ToolVersion"], project["DataVersion"], project["Created"]) == (
        fp.tool_version,
        fp.data_version,
        fp.created,
    )
    assert project["TotalKgCO2e"] == pytest.approx(184.4304, abs=0.001)
    assert project["LifeCycleKgCO2e"] == pytest.approx(report.total_kgco2e)
    assert (project["ElementsWithCarbon"], project["ElementsWithoutCarbon"]) == (1, 0)
    # the unit is stated on each number, and the sets are the tool's own (not buildingSMART's)
    prop = next(p for p in after.by_type("IfcPropertySingleValue") if p.Name == "TotalKgCO2e")
    assert "kgCO2e" in prop.Description and prop.NominalValue.is_a("IfcReal")
    assert not PSET.startswith("Pset_") and not PROJECT_PSET.startswith("Pset_")


def test_the_existing_file_text_is_kept(tmp_path: Path) -> None:
    """The sets are appended: the original entity lines come back as they were."""
    model = modelkit.c30_column(tmp_path / "c30.ifc", seed="x")
    calc, report = calculate(model)
    out = tmp_path / "c30-carbon.ifc"
    write_back(calc, report, out)
    data = lambda p: [ln for ln in p.read_text().splitlines() if ln.startswith("#")]  # noqa: E731
    assert data(out)[: len(data(model))] == data(model)


# -- several elements, unmatched ones, schemas, .ifczip -----------------------------------------------
def building(path: Path, schema: modelkit.Schema) -> Path:
    model = modelkit.new_model(schema, "METRE")
    modelkit.material(model, "C30混凝土", density=2400.0)
    modelkit.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name="KZ1")
    modelkit.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 6.0), name="KZ2", position=(5, 0, 0))
    modelkit.add_box(
        model, "IfcWall", "Zzqx unknown stuff", size=(4.0, 0.2, 3.0), name="W1", position=(0, 5, 0)
    )
    return modelkit.save(model, path, seed=f"wb-{schema}")


@pytest.mark.parametrize("schema", ["IFC2X3", "IFC4", "IFC4X3"])
@pytest.mark.parametrize("suffix", [".ifc", ".ifczip"])
def test_two_columns_and_an_unmatched_wall(tmp_path: Path, schema: modelkit.Schema, suffix: str) -> None:
    model = building(tmp_path / "b.ifc", schema)
    digest = sha256(model)
    calc, report = calculate(model)
    out = tmp_path / f"b-carbon{suffix}"
    summary = write_back(calc, report, out)
    assert sha256(model) == digest
    assert (summary.elements_written, summary.elements_noted) == (2, 1)
    if suffix == ".ifczip":
        with zipfile.ZipFile(out) as archive:
            assert archive.namelist() == ["b-carbon.ifc"]
    _, after = check_invariants(model, out, summary)
    kz1, kz2 = (next(c for c in after.by_type("IfcColumn") if c.Name == n) for n in ("KZ1", "KZ2"))
    one, two = (ifcopenshell.util.element.get_psets(c)[PSET] for c in (kz1, kz2))
    assert one["A1_A3"] == pytest.approx(177.0) and two["A1_A3"] == pytest.approx(354.0)
    assert two["TotalKgCO2e"] == pytest.approx(2 * 184.4304)
    wall = ifcopenshell.util.element.get_psets(after.by_type("IfcWall")[0])[PSET]
    assert "TotalKgCO2e" not in wall and "A1_A3" not in wall
    assert wall["Note"].startswith("material unmatched, not in the totals: Zzqx unknown stuff")
    assert wall["RunId"] == report.fingerprint.run_id
    project = ifcopenshell.util.element.get_psets(after.by_type("IfcProject")[0])[PROJECT_PSET]
    assert (project["ElementsWithCarbon"], project["ElementsWithoutCarbon"]) == (2, 1)
    # IFC2X3 makes OwnerHistory mandatory: the new entities share the project's, none is added
    owner = after.by_type("IfcProject")[0].OwnerHistory if schema == "IFC2X3" else None
    original = ifcopenshell.open(str(model))
    new = root_ids(after) - root_ids(original)
    assert {after.by_guid(g).OwnerHistory for g in new} == {owner}


# -- refusals and failures ----------------------------------------------------------------------------
def test_out_is_the_input_refused(tmp_path: Path) -> None:
    model = modelkit.c30_column(tmp_path / "c30.ifc", seed="x")
    digest = sha256(model)
    calc, report = calculate(model)
    elements = by_element(calc.match, calc.lifecycle)
    link = tmp_path / "link.ifc"
    link.symlink_to(model)
    hard = tmp_path / "hard.ifc"
    hard.hardlink_to(model)
    for out in (model, tmp_path / "." / "c30.ifc", link, hard):
        with pytest.raises(InputError) as caught:
            write_ifc(model, out, elements, report.fingerprint, report.total_kgco2e)
        assert "is the input model" in caught.value.one_line() and "\n" not in caught.value.one_line()
    assert sha256(model) == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c30.ifc", "hard.ifc", "link.ifc"]


def test_other_suffix_refused(tmp_path: Path) -> None:
    model = modelkit.c30_column(tmp_path / "c30.ifc", seed="x")
    calc, report = calculate(model)
    with pytest.raises(OutputError, match=r"\.ifc or \.ifczip"):
        write_back(calc, report, tmp_path / "out.ifcxml")
    with pytest.raises(OutputError, match="does not exist"):
        write_back(calc, report, tmp_path / "nowhere" / "out.ifc")


def test_a_written_back_copy_or_another_model_refused(tmp_path: Path) -> None:
    model = modelkit.c30_column(tmp_path / "c30.ifc", seed="x")
    calc, report = calculate(model)
    elements = by_element(calc.match, calc.lifecycle)
    out = tmp_path / "out.ifc"
    write_back(calc, report, out)
    with pytest.raises(InputError, match="sha256 differs"):  # results of another model
        write_ifc(out, tmp_path / "again.ifc", elements, report.fingerprint, report.total_kgco2e)
    calc2, report2 = calculate(out)
    with pytest.raises(InputError, match="already holds Embodied_Carbon"):
        write_back(calc2, report2, tmp_path / "again.ifc")
    assert not (tmp_path / "again.ifc").exists()


@pytest.mark.parametrize("suffix", [".ifc", ".ifczip"])
def test_failure_mid_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    model = modelkit.c30_column(tmp_path / "c30.ifc", seed="x")
    calc, report = calculate(model)
    out = tmp_path / f"out{suffix}"
    real = writeback._serialize

    def half(file: Any, tmp: Path, member: str | None) -> None:
        real(file, tmp, member)
        with tmp.open("r+b") as fh:
            fh.truncate(100)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writeback, "_serialize", half)
    with pytest.raises(OutputError, match="No space left"):
        write_back(calc, report, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c30.ifc"]


def test_failure_keeps_an_earlier_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = modelkit.c30_column(tmp_path / "c30.ifc", seed="x")
    calc, report = calculate(model)
    out = tmp_path / "out.ifc"
    write_back(calc, report, out)
    earlier = sha256(out)

    def fail(file: Any, tmp: Path, member: str | None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(writeback, "_serialize", fail)
    with pytest.raises(KeyboardInterrupt):
        write_back(calc, report, out)
    assert sha256(out) == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c30.ifc", "out.ifc"]


def test_missing_global_ids_reported(tmp_path: Path) -> None:
    model = modelkit.c30_column(tmp_path / "c30.ifc", seed="x")
    calc, report = calculate(model)
    elements = by_element(calc.match, calc.lifecycle)
    summary = write_ifc(
        model, tmp_path / "o.ifc", elements, report.fingerprint, None, {"0000000000000000000000": "gone"}
    )
    assert summary.missing == ("0000000000000000000000",)
    written = ifcopenshell.open(str(tmp_path / "o.ifc"))  # held: an entity outlives no file
    project = ifcopenshell.util.element.get_psets(written.by_type("IfcProject")[0])
    assert "TotalKgCO2e" not in project[PROJECT_PSET]


# -- the sample and a real model ----------------------------------------------------------------------
def run_on(model: Path, out: Path) -> tuple[WriteSummary, Any]:
    digest = sha256(model)
    calc, report = calculate(model)
    summary = write_back(calc, report, out)
    assert sha256(model) == digest
    _, after = check_invariants(model, out, summary)
    elements = by_element(calc.match, calc.lifecycle)
    assert summary.elements_written == len(elements) > 0
    assert summary.missing == ()
    total = 0.0
    for gid, carbon in elements.items():
        values = psets(after, gid)[PSET]
        assert values["TotalKgCO2e"] == pytest.approx(carbon.total_kgco2e, rel=1e-9, abs=1e-9)
        total += values["TotalKgCO2e"]
    project = psets(after, after.by_type("IfcProject")[0].GlobalId)[PROJECT_PSET]
    # the elements add up to the building's A1-A3 + A4 (the report rounds to 0.001 per module)
    assert project["TotalKgCO2e"] == pytest.approx(total, rel=1e-6, abs=0.01)
    assert project["LifeCycleKgCO2e"] == pytest.approx(report.total_kgco2e)
    assert project["RunId"] == report.fingerprint.run_id
    assert after.schema_identifier == ifcopenshell.open(str(model)).schema_identifier
    return summary, after


def test_sample_building(tmp_path: Path) -> None:
    summary, _ = run_on(REPO / "examples" / "sample_building.ifc", tmp_path / "sample-carbon.ifc")
    assert summary.schema == "IFC4"


@pytest.mark.realmodels
def test_real_model(tmp_path: Path) -> None:
    model = require(SHARED_IFC / "medium" / "revit2021_example.ifc")
    summary, after = run_on(model, tmp_path / "revit-carbon.ifczip")
    assert summary.schema == "IFC2X3"
    sets = [ifcopenshell.util.element.get_psets(e).get(PSET, {}) for e in after.by_type("IfcElement")]
    without = [s for s in sets if s and "TotalKgCO2e" not in s]
    assert len(without) == summary.elements_noted
    assert all(s["Note"] for s in without)


def test_the_report_command_writes_the_copy(tmp_path: Path) -> None:
    """`embodied report MODEL --write-ifc OUT.ifc`: the reports and the copy; the column's pset holds
    A1-A3 0.6 × 295 = 177 and A4 1.44 t × 40 km × 0.129 = 7.4304; OUT = the model is refused, exit 2,
    before any report is written."""
    import ifcopenshell.util.element

    from embodied.cli import main

    model = modelkit.c30_column(tmp_path / "column.ifc", seed="cli")
    out, folder = tmp_path / "carbon.ifc", tmp_path / "reports"
    args = ["report", str(model), "-o", str(folder), "--format", "json", "--no-rebar-estimate", "-q"]
    assert main([*args, "--write-ifc", str(out)]) == 0
    assert (folder / "column.json").exists()
    written = ifcopenshell.open(str(out))  # held: its entities live as long as the file object
    [column] = written.by_type("IfcColumn")
    pset = ifcopenshell.util.element.get_psets(column)["Embodied_Carbon"]
    assert pset["A1_A3"] == pytest.approx(177.0) and pset["A4"] == pytest.approx(7.4304)
    refused = tmp_path / "refused"
    assert main([*args[:3], str(refused), *args[4:], "--write-ifc", str(model)]) == 2
    assert not refused.exists()
