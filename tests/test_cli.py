"""The command line: output contract, exit codes, one-line errors, no half-written reports."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import modelkit
import openpyxl
import pytest
from shared_models import REPO, SHARED_IFC, embodied, require

from embodied.cli import app
from embodied.report.tables import CONTRACT_COLUMNS

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out


@pytest.fixture(scope="module")
def good_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-column IFC4 model in metres: a 0.4 x 0.5 x 3.0 m C30 column (0.6 m³ by hand)."""
    model = modelkit.new_model("IFC4", "METRE")
    modelkit.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0))
    return modelkit.save(model, tmp_path_factory.mktemp("models") / "column.ifc", seed="cli")


def test_csv_to_stdout_has_the_contract_columns(good_model: Path) -> None:
    """Without -o, CSV goes to stdout with the contract columns first, talk goes to stderr."""
    done = embodied("takeoff", good_model)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert tuple(rows[0].keys())[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS
    assert len(rows) == 1
    row = rows[0]
    # 0.4 m x 0.5 m x 3.0 m = 0.6 m³, from geometry (the model has no base quantities)
    assert float(row["volume_m3"]) == pytest.approx(0.4 * 0.5 * 3.0, rel=1e-9)
    assert row["quantity_source"].startswith("geometry")
    assert row["material"] == "C30混凝土" and row["storey"] == "Level 1" and row["count"] == "1.0"
    assert "1 elements read, 1 rows written" in done.stderr
    assert "without material: 0, without quantity: 0" in done.stderr


@pytest.mark.parametrize("suffix", [".csv", ".json", ".xlsx"])
def test_output_by_extension(good_model: Path, tmp_path: Path, suffix: str) -> None:
    """-o writes CSV, JSON or XLSX by the extension, all with the same 0.6 m³ row."""
    target = tmp_path / f"takeoff{suffix}"
    done = embodied("takeoff", good_model, "-o", target)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    if suffix == ".csv":
        text = target.read_text(encoding="utf-8-sig")
        volume = float(next(csv.DictReader(io.StringIO(text)))["volume_m3"])
    elif suffix == ".json":
        doc = json.loads(target.read_text(encoding="utf-8"))
        assert doc["summary"]["rows_written"] == 1
        assert doc["model"]["sha256"] and doc["tool"]["name"] == "embodied"
        assert doc["database"]["version"]  # the data version is in every output
        volume = doc["rows"][0]["volume_m3"]
    else:
        book = openpyxl.load_workbook(target, read_only=True)
        assert {"takeoff", "volume_checks", "problems", "excluded", "about"} <= set(book.sheetnames)
        header, first = list(book["takeoff"].iter_rows(max_row=2, values_only=True))
        volume = dict(zip(header, first, strict=True))["volume_m3"]
    assert volume == pytest.approx(0.6, rel=1e-9)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left
    assert target.stat().st_mode & 0o044 == 0o044  # readable by others, like any file the user writes


def _bad_files(tmp: Path, good: Path) -> dict[str, Path]:
    text = good.read_text(encoding="utf-8")
    files = {
        "empty": ("empty.ifc", ""),
        "text": ("notes.ifc", "this is not a model\n"),
        "truncated": ("cut.ifc", text[: len(text) // 2]),
        "unknown schema": ("future.ifc", re.sub(r"FILE_SCHEMA\(\('IFC4'\)\)", "FILE_SCHEMA(('IFC9'))", text)),
        "xml": ("model.ifc", "<?xml version='1.0'?><ifcXML/>"),
    }
    paths = {}
    for key, (name, content) in files.items():
        path = tmp / name
        path.write_text(content, encoding="utf-8")
        paths[key] = path
    paths["missing"] = tmp / "missing.ifc"
    paths["directory"] = tmp
    bad_zip = tmp / "broken.ifczip"
    bad_zip.write_bytes(b"PK\x03\x04 not really a zip")
    paths["bad zip"] = bad_zip
    empty_zip = tmp / "nothing.ifczip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "no model here")
    paths["zip without ifc"] = empty_zip
    return paths


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("empty", "file is empty"),
        ("text", "not an IFC file"),
        ("truncated", "truncated"),
        ("unknown schema", "unsupported IFC schema 'IFC9'"),
        ("xml", "is XML"),
        ("missing", "file not found"),
        ("directory", "is a directory"),
        ("bad zip", "not a valid .ifczip"),
        ("zip without ifc", "holds no .ifc file"),
    ],
)
def test_bad_input_is_one_line_exit_2(good_model: Path, tmp_path: Path, kind: str, expected: str) -> None:
    """A bad model gives exit 2 and one stderr line naming the file, and leaves the old report intact."""
    bad = _bad_files(tmp_path, good_model)[kind]
    report = tmp_path.parent / f"{tmp_path.name}-report.json"
    report.write_text("previous report", encoding="utf-8")
    done = embodied("takeoff", bad, "-o", report)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"embodied: error: {bad}")
    assert expected in lines[0]
    assert "Traceback" not in done.stderr
    assert report.read_text(encoding="utf-8") == "previous report"
    assert done.stdout == ""


def test_unsupported_schema_of_a_real_file() -> None:
    """The IFC4X3_RC4 pre-release file is refused in one line naming its schema."""
    path = require(SHARED_IFC / "small/unsupported-schema/openroads_IFC4X3_RC4_test1.ifc")
    done = embodied("takeoff", path)
    assert done.returncode == 2
    expected = "unknown or unsupported IFC schema 'IFC4X3_RC4' (supported: IFC2X3, IFC4, IFC4X3)"
    assert done.stderr.strip().splitlines() == [f"embodied: error: {path}: {expected}"]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """--debug adds the traceback to the one-line error, still exit 2."""
    empty = tmp_path / "empty.ifc"
    empty.write_text("", encoding="utf-8")
    done = embodied("--debug", "takeoff", empty)
    assert done.returncode == 2
    assert "ModelReadError" in done.stderr and "embodied: error:" in done.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-o", "out.txt"], "unsupported output format '.txt'"),
        (["-o", "no/such/dir/out.csv"], "does not exist"),
        (["--no-geometry", "--prefer-geometry"], "exclude each other"),
    ],
)
def test_bad_options_fail_before_reading(good_model: Path, args: list[str], expected: str) -> None:
    """Options that cannot work are refused up front, exit 2, one line."""
    done = embodied("takeoff", good_model, *args)
    assert done.returncode == 2
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_every_command_is_in_the_readme() -> None:
    """Each CLI command is shown in README.md as `embodied <command>`."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    assert names
    for name in names:
        assert f"embodied {name}" in readme, name
    assert readme.index("make demo") < 800 and readme.index("make test") < 800


@pytest.mark.parametrize("option", ["--jobs", "-j", "--threads"])
def test_jobs_names_the_geometry_cores(good_model: Path, option: str) -> None:
    """`--jobs N` (also `-j`, and the older `--threads`) runs the geometry on N cores: same volumes."""
    done = embodied("takeoff", good_model, option, "1", "-q")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("global_id,ifc_class,name,type_name,storey")
    refused = embodied("takeoff", good_model, option, "0")
    assert refused.returncode == 2


def test_main_returns_the_exit_code_instead_of_exiting(tmp_path: Path) -> None:
    """`embodied.cli.main(argv)` runs a command line in-process: 0 when done, 2 for a missing model."""
    from embodied.cli import main

    assert main(["--version"]) == 0
    assert main(["report", str(tmp_path / "missing.ifc"), "-o", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
