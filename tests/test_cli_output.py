"""`-o/--output` means the same for every command: a folder, or (one-table commands) a file; `--stdout`
for CSV on stdout; the old spellings (`--outdir`, no `-o`) still work and say they are deprecated."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import modelkit
import openpyxl
import pytest

from embodied.cli import main


@pytest.fixture(scope="module")
def column(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One C30 column 0.4 × 0.5 × 3.0 m = 0.6 m³."""
    return modelkit.c30_column(tmp_path_factory.mktemp("output") / "column.ifc", seed="output")


def test_a_folder_takes_the_table_named_by_model_and_command(column: Path, tmp_path: Path) -> None:
    """`takeoff -o FOLDER` writes FOLDER/column_takeoff.xlsx: one row, 0.4 × 0.5 × 3.0 = 0.6 m³."""
    folder = tmp_path / "new" / "folder"  # created
    assert main(["takeoff", str(column), "-o", str(folder), "-q"]) == 0
    sheet = openpyxl.load_workbook(folder / "column_takeoff.xlsx")["takeoff"]
    rows = list(sheet.iter_rows(values_only=True))
    volume = rows[0].index("volume_m3")
    assert len(rows) == 2 and rows[1][volume] == pytest.approx(0.6)
    assert main(["match", str(column), "-o", str(folder), "-q"]) == 0
    assert main(["calculate", str(column), "-o", str(folder), "-q", "--no-rebar-estimate"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "column_calculation.xlsx",
        "column_match.xlsx",
        "column_takeoff.xlsx",
    ]


def test_stdout_and_the_deprecated_default(column: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--stdout`: CSV, no note; no `-o`: the same CSV and a deprecation note on stderr."""
    assert main(["takeoff", str(column), "--stdout"]) == 0
    given = capsys.readouterr()
    [row] = list(csv.DictReader(io.StringIO(given.out)))
    assert float(row["volume_m3"]) == pytest.approx(0.6) and "deprecated" not in given.err
    assert main(["takeoff", str(column)]) == 0
    old = capsys.readouterr()
    assert old.out == given.out and "--stdout" in old.err and "deprecated" in old.err


def test_output_and_stdout_exclude_each_other(
    column: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["takeoff", str(column), "-o", str(tmp_path / "t.csv"), "--stdout"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["embodied: error: -o/--output and --stdout: give one of them"]
    assert not (tmp_path / "t.csv").exists()


def test_report_output_and_its_old_spelling(
    column: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report -o FOLDER` and `report --outdir FOLDER` write the same file; the old one says so."""
    new, old = tmp_path / "new", tmp_path / "old"
    common = ["--format", "json", "-q", "--no-rebar-estimate"]
    assert main(["report", str(column), "-o", str(new), *common]) == 0
    assert "deprecated" not in capsys.readouterr().err
    assert main(["report", str(column), "--outdir", str(old), *common]) == 0
    assert "--outdir is deprecated" in capsys.readouterr().err
    assert (new / "column.json").exists() and (old / "column.json").exists()


def test_a_folder_that_is_a_file_is_refused(
    column: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("a file", encoding="utf-8")
    assert main(["report", str(column), "-o", str(taken), "--format", "json", "-q"]) == 2
    assert capsys.readouterr().err.strip() == f"embodied: error: {taken}: is not a directory"
    assert taken.read_text(encoding="utf-8") == "a file"
