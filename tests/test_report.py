"""The report model and its JSON: the golden sample, the issue's keys, the fingerprint, `embodied report`."""

from __future__ import annotations

import importlib.util
import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import lcax
import pytest
from shared_models import REPO, embodied

from embodied.report.model import SCHEMA_VERSION

GOLDEN = REPO / "tests" / "golden"


@cache
def regenerate() -> Any:
    spec = importlib.util.spec_from_file_location("regenerate", GOLDEN / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def sample() -> dict[str, Any]:
    doc: dict[str, Any] = regenerate().sample_document()
    return doc


def approx_equal(got: Any, want: Any, where: str = "$") -> None:
    if isinstance(want, float) or isinstance(got, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), where
    elif isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), where
        for key in want:
            approx_equal(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            approx_equal(g, w, f"{where}[{i}]")
    else:
        assert got == want, where


def test_sample_matches_the_golden_report() -> None:
    """The sample's JSON report equals tests/golden/sample_report.json (regenerate.py writes it)."""
    want = json.loads((GOLDEN / "sample_report.json").read_text(encoding="utf-8"))
    approx_equal(sample(), want)


def test_json_has_the_issue_keys_and_nulls() -> None:
    """schema_version, input.sha256, materials with modules, totals, intensity, coverage, issues."""
    doc = sample()
    assert doc["schema_version"] == SCHEMA_VERSION and len(doc["input"]["sha256"]) == 64
    c30 = next(m for m in doc["materials"] if m["material"] == "C30混凝土")
    assert c30["factor_id"] == "gbt51366:D:concrete_c30"
    assert c30["modules"]["A1-A3"] == pytest.approx(39.4752 * 295, rel=1e-9)  # 11 645.184 kgCO2e
    stages = doc["totals"]["stages"]
    assert set(stages) == {"production", "transport", "construction", "operation", "demolition"}
    assert stages["demolition"] is None  # not declared in examples/embodied.toml: null, not 0
    embodied_sum = sum(stages[k] for k in ("production", "transport", "construction"))
    assert doc["totals"]["embodied_kgco2e"] == pytest.approx(embodied_sum, rel=1e-6)
    assert doc["intensity_kgco2e_per_m2"] == pytest.approx(doc["totals"]["total_kgco2e"] / 192.0, rel=1e-4)
    # The sample meets the GB/T 51366 95 % rule (issue 16): only paint, the SBS membrane and the doors are
    # unmatched, weighed by their category (paint 1400 kg/m³, membrane 1150, door leaves 1000 / 600);
    # the windows (per m², matched) have no mass, so the share is a lower bound.
    coverage = doc["coverage"]
    unmatched = {u["material"]: u["mass_kg"] for u in doc["unmatched"]}
    assert set(unmatched) == {"外墙涂料", "SBS改性沥青防水卷材", "钢质门", "木门"}
    left = sum(unmatched.values())  # about 2943 + 442 + 126 + 113 = 3624 kg
    assert coverage["mass_fraction_matched"] == pytest.approx(1 - left / coverage["total_mass_kg"], abs=1e-6)
    assert coverage["mass_fraction_matched"] >= 0.95 and coverage["rule_met"] is True
    assert coverage["share_is_lower_bound"] is True and coverage["unknown_mass_volume_m3"] == 0
    assert doc["issues"]


def test_fingerprint_changes_with_one_byte_of_the_model(tmp_path: Path) -> None:
    """Same inputs give the same run_id; one more byte in the model gives another."""
    from embodied.pipeline import run_calculate
    from embodied.report.model import build

    model = tmp_path / "sample_building.ifc"
    shutil.copy(REPO / "examples" / "sample_building.ifc", model)
    shutil.copy(REPO / "examples" / "embodied.toml", tmp_path / "embodied.toml")

    def run_id() -> str:
        calc = run_calculate(model)
        return build(calc.match, calc.lifecycle, calc.settings, calc.database).fingerprint.run_id

    first, again = run_id(), run_id()
    assert first == again == sample()["fingerprint"]["run_id"]
    model.write_bytes(model.read_bytes() + b"\n")  # one byte more, same building
    assert run_id() != first


def test_report_command_writes_json_and_lcax(tmp_path: Path) -> None:
    """`embodied report` writes <stem>.json and a valid <stem>.lcax.json; --strict exits 3 after writing."""
    out = tmp_path / "reports"
    done = embodied(
        "report", REPO / "examples" / "sample_building.ifc", "-o", out, "--format", "json,lcax", "--strict"
    )
    assert done.returncode == 3, done.stderr
    assert "strict" in done.stderr.splitlines()[-1]
    doc = json.loads((out / "sample_building.json").read_text(encoding="utf-8"))
    assert doc["schema_version"] == SCHEMA_VERSION
    project = lcax.Project.loads((out / "sample_building.lcax.json").read_text(encoding="utf-8"))
    assert len(project.assemblies) == sum(1 for m in doc["materials"] if m["factor_id"])


def test_failed_render_leaves_earlier_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the second renderer fails, the first format's new file is not moved in; old ones stay."""
    from embodied import report as stage

    def writes(report: Any, path: Path) -> None:
        path.write_text("new", encoding="utf-8")

    def fails(report: Any, path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(stage, "renderer", lambda fmt: writes if fmt == "json" else fails)
    old = tmp_path / "m.json"
    old.write_text("old report", encoding="utf-8")
    with pytest.raises(RuntimeError):
        stage.write_reports(Any, tmp_path, "m", ["json", "lcax"])
    assert old.read_text(encoding="utf-8") == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]  # no temporary or half file


def test_bad_format_and_language_are_one_line() -> None:
    """Unknown --format or --lang: exit 2, one line."""
    model = REPO / "examples" / "sample_building.ifc"
    for args in (["--format", "docx"], ["--lang", "fr"]):
        done = embodied("report", model, *args)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
