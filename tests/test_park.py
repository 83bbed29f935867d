"""`embodied park`: three small buildings and a broken file on a LocalCluster of 2 workers.

One cluster for the module (``park_cluster(2)``, the one run_park starts itself); on it the park is
run twice: every model without geometry, then one model with the geometry kernel, which forks a
child inside the worker. The park totals are checked against single-building reports computed
in-process; the renewable share is worked by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import modelkit as mk
import openpyxl
import pytest
from shared_models import embodied

from embodied import pipeline
from embodied import report as report_stage
from embodied.park import ParkConfig, ParkResult, build_park, park_cluster, run_park
from embodied.park.model import BuildingOutcome
from embodied.report.render_json import document
from embodied.takeoff.options import TakeoffOptions

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out

C30 = "C30混凝土"
PARK_TOML = """
[park]
name = "Test park"
province = "内蒙古"
renewable_target_share = 0.8

[operation]
renewable_kwh = 4000

[[building]]
model = "a.ifc"
config = "a.toml"

[[building]]
model = "b.ifc"
config = "b.toml"

[[building]]
model = "c.ifc"
config = "c.toml"
"""
CONFIGS = {
    "a": """[building]\nname = "Office A"\ngross_floor_area_m2 = 100\n
[construction]\nestimate_kgco2e_per_m2 = 20\n
[operation]\nelectricity_kwh = 10000\nonsite_renewable_kwh = 3000\ngreen_power_kwh = 2000\n""",
    "b": """[building]\nname = "Lab B"\n
[construction]\nestimate_kgco2e_per_m2 = 20\n
[operation]\nelectricity_kwh = 8000\nonsite_renewable_kwh = 6000\n""",
    "c": """[building]\nname = "Shed C"\n\n[scope]\ninclude_construction = false\n""",
}
NO_GEOMETRY = TakeoffOptions(use_geometry=False)


def _models(folder: Path) -> None:
    """a: a C30 column 0.4 x 0.5 x 3 m and a 10 x 10 x 0.2 m slab; b: an 8 x 8 x 0.2 m slab (its floor
    area, 64 m², from the slab); c: a column only (no floor slab: floor area unknown); broken.ifc: text."""
    for stem, parts in {"a": ("column", "slab10"), "b": ("slab8",), "c": ("column",)}.items():
        m = mk.new_model("IFC4", "METRE", project=f"Building {stem}")
        mk.material(m, C30, density=2400.0)
        if "column" in parts:
            mk.add_column(m, C30, size=(0.4, 0.5, 3.0), name="KZ1", quantities=True)
        for part in parts:
            if part.startswith("slab"):
                side = float(part[4:])
                mk.add_slab(m, C30, size=(side, side, 0.2), name="B1", quantities=True)
        mk.save(m, folder / f"{stem}.ifc", seed=f"park-{stem}")
        (folder / f"{stem}.toml").write_text(CONFIGS[stem], encoding="utf-8")
    (folder / "broken.ifc").write_text("not ifc\n", encoding="utf-8")
    (folder / "park.toml").write_text(PARK_TOML, encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    _models(folder)
    return folder


@pytest.fixture(scope="module")
def runs(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The park without geometry (json, xlsx, html), and model a alone with geometry, on one cluster."""
    out, out_geometry = tmp_path_factory.mktemp("park"), tmp_path_factory.mktemp("park-geometry")
    with park_cluster(2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        park = run_park(
            [site],
            outdir=out,
            formats=("json", "xlsx", "html"),
            client=client,
            options=NO_GEOMETRY,
            lang="en",
        )
        geometry = run_park(
            [site / "a.ifc"], config=site / "park.toml", outdir=out_geometry, formats=("json",), client=client
        )
    yield {"park": park, "out": out, "geometry": geometry, "out_geometry": out_geometry}


def _single(site: Path, stem: str, options: TakeoffOptions | None = NO_GEOMETRY) -> dict[str, Any]:
    """The building's report JSON computed in this process, without Dask."""
    calc = pipeline.run_calculate(site / f"{stem}.ifc", options, config_path=site / f"{stem}.toml")
    built = report_stage.build(calc.match, calc.lifecycle, calc.settings, calc.database, lang="en")
    return document(built)


def test_park_totals_are_the_sum_of_the_buildings(runs: dict[str, Any], site: Path) -> None:
    """totals.stages, totals.modules and embodied_kgco2e: the sums of a, b and c's own reports."""
    doc = json.loads((runs["out"] / "park.json").read_text(encoding="utf-8"))
    singles = [_single(site, stem) for stem in "abc"]
    totals = doc["totals"]
    for group in ("stages", "modules"):
        for key, value in totals[group].items():
            known = [s["totals"][group][key] for s in singles if s["totals"][group][key] is not None]
            if not known:
                assert value is None, f"{group} {key}: declared by no building, must stay null"
            else:
                assert value == pytest.approx(sum(known), rel=1e-6), f"{group} {key}"
    for key in ("embodied_kgco2e", "total_kgco2e"):
        assert totals[key] == pytest.approx(sum(s["totals"][key] for s in singles), rel=1e-6)
    # c switched construction off: the park's A5 is a + b, and the issues name c
    assert singles[2]["totals"]["modules"]["A5"] is None
    assert any("module A5" in i["message"] and "Shed C" in i["message"] for i in doc["issues"])
    # the intensity covers a (100 m²) and b (64 m² from its slab); c has no floor area
    area = 100.0 + 64.0
    by_hand = (singles[0]["totals"]["total_kgco2e"] + singles[1]["totals"]["total_kgco2e"]) / area
    assert doc["intensity_kgco2e_per_m2"] == pytest.approx(by_hand, rel=1e-6)
    assert doc["project"]["floor_area_m2"] == pytest.approx(area)
    assert "Shed C" in doc["intensity_note"]
    shares = doc["shares"]
    assert shares["embodied"] == pytest.approx(totals["embodied_kgco2e"] / totals["total_kgco2e"], rel=1e-5)
    assert shares["operational"] == pytest.approx(
        totals["stages"]["operation"] / totals["total_kgco2e"], rel=1e-5
    )


def test_park_json_keys_and_buildings(runs: dict[str, Any]) -> None:
    """The building report's keys (totals.stages, totals.modules, totals.embodied_kgco2e) plus buildings[],
    one per model in name order, the broken one failed with its one-line error."""
    doc = json.loads((runs["out"] / "park.json").read_text(encoding="utf-8"))
    assert {"stages", "modules", "embodied_kgco2e", "total_kgco2e"} <= set(doc["totals"])
    assert doc["kind"] == "park" and doc["project"]["name"] == "Test park"
    names = [(b["model"], b["name"], b["status"]) for b in doc["buildings"]]
    assert names == [
        ("a.ifc", "Office A", "ok"),
        ("b.ifc", "Lab B", "ok"),
        ("broken.ifc", "broken", "failed"),
        ("c.ifc", "Shed C", "ok"),
    ]
    broken = doc["buildings"][2]
    assert broken["error"] and "\n" not in broken["error"] and "broken.ifc" in broken["error"]
    assert broken["totals"]["stages"] is None and broken["report_files"] == []
    assert any(i["kind"] == "building_failed" for i in doc["issues"])
    a = doc["buildings"][0]
    assert a["report_files"] == ["buildings/a.json", "buildings/a.xlsx", "buildings/a.html"]
    assert (runs["out"] / "buildings" / "a.json").is_file()
    assert not (runs["out"] / "buildings" / "broken.json").exists()
    assert doc["project"]["buildings_failed"] == 1 and len(doc["fingerprint"]["run_id"]) == 64


def test_renewable_share_by_hand(runs: dict[str, Any]) -> None:
    """(a: 3000 on-site + 2000 green, b: 6000 on-site, park: 4000) / (a: 10000 + b: 8000 kWh/a)
    = 15000 / 18000 = 83.3 %; c gives no electricity use and broken.ifc failed: the target cannot be
    decided for the whole park."""
    renewable = json.loads((runs["out"] / "park.json").read_text(encoding="utf-8"))["renewable"]
    assert renewable["share"] == pytest.approx(15000 / 18000, rel=1e-6)
    assert renewable["renewable_kwh"] == pytest.approx(15000) and renewable["electricity_kwh"] == 18000
    assert renewable["target"] == 0.8 and renewable["met"] is None
    assert "Shed C" in renewable["note"] and "broken" in renewable["note"]


def test_renewable_share_met_or_not_computed() -> None:
    """All buildings covered: 5000 / 10000 = 50 % < 80 %: not met; none with electricity: not computed."""
    one = BuildingOutcome("a.ifc", "a", "A", "ok", electricity_kwh=10000, onsite_renewable_kwh=5000)
    report = build_park([one], ParkConfig())
    assert report.renewable.share == 0.5 and report.renewable.met is False
    report = build_park([one], ParkConfig(renewable_kwh=3000))  # (5000 + 3000) / 10000 = 80 %
    assert report.renewable.share == pytest.approx(0.8) and report.renewable.met is True
    none = BuildingOutcome("a.ifc", "a", "A", "ok", stages={"production": 1.0}, total_kgco2e=1.0)
    report = build_park([none], ParkConfig())
    assert report.renewable.share is None and report.renewable.met is None
    assert report.renewable.note.startswith("not computed")
    assert report.stages[0].kgco2e == 1.0 and report.modules[0].kgco2e is None  # never 0


def test_xlsx_and_html(runs: dict[str, Any]) -> None:
    """The workbook's buildings sheet has a row per building; the page names every building."""
    book = openpyxl.load_workbook(runs["out"] / "park.xlsx")
    assert book.sheetnames == ["Park summary", "Buildings", "Modules by building", "Issues"]
    rows = list(book["Buildings"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["Office A", "Lab B", "broken", "Shed C"]
    page = (runs["out"] / "park.html").read_text(encoding="utf-8")
    for name in ("Office A", "Lab B", "broken", "Shed C", "Test park", "<svg"):
        assert name in page


def test_geometry_in_a_worker(runs: dict[str, Any], site: Path) -> None:
    """With the geometry kernel (a forked child inside the non-daemonic worker) a's totals are those
    of the same calculation in this process."""
    result: ParkResult = runs["geometry"]
    (outcome,) = result.outcomes
    assert outcome.ok, outcome.error
    assert outcome.worker is not None  # it ran on a Dask worker
    single = _single(site, "a", None)
    assert outcome.total_kgco2e == pytest.approx(single["totals"]["total_kgco2e"], rel=1e-6)
    doc = json.loads((runs["out_geometry"] / "buildings" / "a.json").read_text(encoding="utf-8"))
    assert all(i["kind"] != "geometry" for i in doc["issues"])  # the kernel's child measured every shape


def test_cli_park_folder(site: Path, tmp_path: Path) -> None:
    """`embodied park DIR --workers 2 --format json`: exit 0, park.json, one stderr line for the failure."""
    done = embodied("park", site, "--workers", "2", "--format", "json", "-o", tmp_path, "--no-geometry")
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "park.json").read_text(encoding="utf-8"))
    assert len(doc["buildings"]) == 4
    assert "1 of 4 buildings failed" in done.stderr and "Traceback" not in done.stderr
    strict = embodied("park", site / "broken.ifc", "--format", "json", "-o", tmp_path / "s", "--strict", "-q")
    assert strict.returncode == 3 and (tmp_path / "s" / "park.json").is_file()


def test_cli_bad_park_file_is_one_line(site: Path, tmp_path: Path) -> None:
    """An unknown key in park.toml: exit 2, one line naming file, line and key, before any cluster."""
    bad = tmp_path / "park.toml"
    bad.write_text('[park]\nname = "x"\nrenewable_share = 0.8\n', encoding="utf-8")
    done = embodied("park", site / "a.ifc", "--config", bad, "-o", tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{bad}:3: park.renewable_share" in lines[0], done.stderr
    assert "did you mean renewable_target_share" in lines[0]


def test_cli_scheduler_errors(site: Path, tmp_path: Path) -> None:
    """--scheduler with --workers: exit 2; a scheduler that refuses: exit 2, one line, within the timeout."""
    done = embodied("park", site, "--scheduler", "tcp://127.0.0.1:9", "--workers", "2", "-o", tmp_path)
    assert done.returncode == 2 and "--scheduler and --workers" in done.stderr
    env = {**os.environ, "EMBODIED_SCHEDULER_TIMEOUT": "2"}
    start = time.monotonic()
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "embodied",
            "park",
            str(site / "a.ifc"),
            "--scheduler",
            "tcp://127.0.0.1:9",
            "-o",
            str(tmp_path),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert refused.returncode == 2, refused.stderr
    assert time.monotonic() - start < 20
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect" in lines[0] and "Traceback" not in refused.stderr


def test_no_models_and_duplicate_stems(tmp_path: Path) -> None:
    """A folder without models, and two models of one stem: one line, exit 2."""
    done = embodied("park", tmp_path, "-o", tmp_path / "out")
    assert done.returncode == 2 and "no models found" in done.stderr
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "m.ifc").write_text("not ifc", encoding="utf-8")
    done = embodied("park", tmp_path / "x" / "m.ifc", tmp_path / "y" / "m.ifc", "-o", tmp_path / "out")
    assert done.returncode == 2 and "the same name" in done.stderr
