"""The one JSON contract: schemas/report.schema.json is the report model's schema as published, and
`embodied calculate -o x.json` and `embodied report --format json` write documents that validate
against it and are the same document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import modelkit
import pytest
from shared_models import REPO

from embodied.cli import main
from embodied.report import schema
from embodied.resources import SCHEMAS

PUBLISHED = REPO / "schemas" / "report.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(published)
    return jsonschema.Draft202012Validator(published)


def errors(validator: jsonschema.Draft202012Validator, doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_the_published_schema_is_the_report_models() -> None:
    """The checked-in file is what the records give (rewrite it with
    `python -m embodied.report.schema schemas/report.schema.json` when a record changes)."""
    assert PUBLISHED.read_text(encoding="utf-8") == schema.text()
    assert (SCHEMAS / "report.schema.json").read_text(encoding="utf-8") == schema.text()


def test_the_golden_report_validates(validator: jsonschema.Draft202012Validator) -> None:
    doc = json.loads((REPO / "tests" / "golden" / "sample_report.json").read_text(encoding="utf-8"))
    assert errors(validator, doc) == []


def test_the_schema_refuses_what_is_not_the_contract(validator: jsonschema.Draft202012Validator) -> None:
    """A missing key, an unknown key, and text where a total is: each an error."""
    doc = json.loads((REPO / "tests" / "golden" / "sample_report.json").read_text(encoding="utf-8"))
    del doc["stages"][0]["kgco2e"]
    doc["materials"][0]["extra"] = 1
    doc["totals"]["stages"]["production"] = "12"
    found = errors(validator, doc)
    assert len(found) == 3, found


@pytest.fixture(scope="module")
def column(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One C30 column 0.4 × 0.5 × 3.0 m = 0.6 m³."""
    return modelkit.c30_column(tmp_path_factory.mktemp("schema") / "column.ifc", seed="schema")


def test_calculate_and_report_write_the_same_document(
    column: Path, tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    """Both commands, both valid, equal but for the creation time; A1-A3 = 0.6 m³ × 295 kgCO2e/m³ = 177."""
    calculated = tmp_path / "calc.json"
    assert main(["calculate", str(column), "-o", str(calculated), "--no-rebar-estimate", "-q"]) == 0
    folder = tmp_path / "report"
    args = ["report", str(column), "-o", str(folder), "--format", "json", "--no-rebar-estimate", "-q"]
    assert main(args) == 0
    one = json.loads(calculated.read_text(encoding="utf-8"))
    two = json.loads((folder / "column.json").read_text(encoding="utf-8"))
    assert errors(validator, one) == [] and errors(validator, two) == []
    for doc in (one, two):
        doc["fingerprint"]["created"] = None
    assert one == two
    assert one["totals"]["modules"]["A1-A3"] == pytest.approx(0.6 * 295)


def test_the_spelled_out_keys_are_the_records() -> None:
    """ModuleKey and StageKey (listed in the schema) are exactly records.Module and records.Stage."""
    from typing import get_args

    from embodied.records import Module, Stage
    from embodied.report import records

    assert get_args(records.ModuleKey) == tuple(m.value for m in Module) == records.MODULES
    assert get_args(records.StageKey) == tuple(s.value for s in Stage) == records.STAGES
    assert (*records.STAGES, "beside_gbt51366", "separate") == records.PLACES
