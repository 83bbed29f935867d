"""Determinism: the same inputs give the same report, wherever they lie and whatever the hash seed.

`embodied report` runs three times on the sample building (with its embodied.toml): twice in
examples/, and once on a copy in a folder whose name has spaces and Chinese characters, written to a
folder named alike, each with another PYTHONHASHSEED (set iteration order must not leak out). What is
true, and asserted:

- JSON: byte-identical apart from ``fingerprint.created`` (the only place the run date appears);
- HTML: byte-identical apart from the same creation time (shown twice);
- XLSX: the same members in the same order, each byte-identical apart from the creation time (the
  Summary and Settings sheets) and docProps/core.xml's created/modified, which openpyxl stamps from its
  own clock; the zip entries' times are the write time too.

(The PDF, not run here for time, differs likewise only in the creation time printed on its first
and last pages: WeasyPrint writes no /CreationDate or /ID.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample_building.ifc"
CONFIG = ROOT / "examples" / "embodied.toml"
ODD_FOLDER = "样例 模型 folder with spaces"
CREATED = "<created>"
FLAGS = ("--format", "json,xlsx,html", "--threads", "1", "-q")
CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[0-9T:+\-Z.]+(</dcterms:)")


def report(model: Path, outdir: Path, hash_seed: str) -> Path:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    done = subprocess.run(
        [sys.executable, "-m", "embodied", "report", str(model), "-o", str(outdir), *FLAGS],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return outdir


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("determinism")
    odd = base / ODD_FOLDER
    odd.mkdir()
    shutil.copyfile(SAMPLE, odd / SAMPLE.name)
    shutil.copyfile(CONFIG, odd / CONFIG.name)
    return {
        "first": report(SAMPLE, base / "a", "1"),
        "second": report(SAMPLE, base / "b", "2"),
        "odd": report(odd / SAMPLE.name, base / "输出 out dir" / "报告", "3"),
    }


def created(outdir: Path) -> str:
    value = json.loads((outdir / "sample_building.json").read_text(encoding="utf-8"))["fingerprint"][
        "created"
    ]
    dt.datetime.fromisoformat(value)  # a real time stamp
    return str(value)


def without_created(outdir: Path, name: str) -> bytes:
    return (outdir / name).read_bytes().replace(created(outdir).encode(), CREATED.encode())


@pytest.mark.parametrize("other", ["second", "odd"])
def test_json_is_byte_identical_apart_from_the_creation_time(runs: dict[str, Path], other: str) -> None:
    """The JSON report of the same inputs is the same bytes, fingerprint.created aside."""
    first, second = runs["first"], runs[other]
    for outdir in (first, second):
        text = (outdir / "sample_building.json").read_text(encoding="utf-8")
        assert text.count(created(outdir)) == 1, "the run date appears once, as fingerprint.created"
    assert without_created(first, "sample_building.json") == without_created(second, "sample_building.json")
    doc = json.loads(without_created(second, "sample_building.json"))
    assert doc["fingerprint"]["created"] == CREATED
    assert doc["input"]["file"] == SAMPLE.name  # a file name, never the folder it was in


@pytest.mark.parametrize("other", ["second", "odd"])
def test_html_is_byte_identical_apart_from_the_creation_time(runs: dict[str, Path], other: str) -> None:
    first, second = runs["first"], runs[other]
    assert without_created(first, "sample_building.html") == without_created(second, "sample_building.html")
    assert without_created(first, "sample_building.html").count(CREATED.encode()) == 2


def xlsx_members(outdir: Path) -> list[tuple[str, bytes]]:
    stamp = created(outdir).encode()
    with zipfile.ZipFile(outdir / "sample_building.xlsx") as archive:
        members = []
        for info in archive.infolist():
            data = archive.read(info).replace(stamp, CREATED.encode())
            if info.filename == "docProps/core.xml":
                data = CORE_TIME.sub(rb"\1" + CREATED.encode() + rb"\3", data)
            members.append((info.filename, data))
    return members


@pytest.mark.parametrize("other", ["second", "odd"])
def test_xlsx_members_are_identical_apart_from_the_creation_time(runs: dict[str, Path], other: str) -> None:
    first, second = xlsx_members(runs["first"]), xlsx_members(runs[other])
    assert [name for name, _ in first] == [name for name, _ in second]
    for (name, a), (_, b) in zip(first, second, strict=True):
        assert a == b, f"{name} differs"
    stamped = {name for name, data in first if CREATED.encode() in data}
    assert stamped == {"docProps/core.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet10.xml"}
