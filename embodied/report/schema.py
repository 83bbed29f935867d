"""The JSON Schema of the report's JSON document, made from the report model's records.

Every record becomes a definition whose properties are its fields, all required, no others allowed;
``document_schema`` lays them out as ``render_json.document`` does. The published file
``schemas/report.schema.json`` is this schema written out (``python -m embodied.report.schema``); a
test fails when the two differ, and every JSON the tool writes is validated against the file.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embodied.report import records
from embodied.report.model import SCHEMA_VERSION

SCHEMA_ID = "https://github.com/embodied-carbon/embodied/schemas/report.schema.json"
Schema = dict[str, Any]
NUMBER_OR_NULL: Schema = {"type": ["number", "null"]}


def _type(hint: Any, defs: dict[str, Schema]) -> Schema:
    """The schema of one type hint; a dataclass is added to `defs` and referred to."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is type(None):
        return {"type": "null"}
    if hint is str:
        return {"type": "string"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if hint is Any:
        return {}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_type(a, defs) for a in args]}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin is tuple:
        return {"type": "array", "items": _type(args[0], defs)}
    if origin in (Mapping, dict) or origin is getattr(typing, "Mapping", None):
        return {"type": "object", "additionalProperties": _type(args[1], defs)}
    if dataclasses.is_dataclass(hint):
        return _record(hint, defs)
    raise TypeError(f"no JSON Schema for {hint!r}")


def _record(cls: Any, defs: dict[str, Schema]) -> Schema:
    name = cls.__name__
    if name not in defs:
        defs[name] = {}  # a placeholder while its fields are made
        hints = typing.get_type_hints(cls)
        fields = [f.name for f in dataclasses.fields(cls)]
        defs[name] = {
            "type": "object",
            "description": (cls.__doc__ or name).strip().splitlines()[0],
            "properties": {f: _type(hints[f], defs) for f in fields},
            "required": fields,
            "additionalProperties": False,
        }
    return {"$ref": f"#/$defs/{name}"}


def _obj(properties: Mapping[str, Schema]) -> Schema:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties),
        "additionalProperties": False,
    }


def _keyed(keys: tuple[str, ...]) -> Schema:
    """An object with exactly `keys`, each a number or null (a total by stage or module)."""
    return _obj({k: NUMBER_OR_NULL for k in keys})


def document_schema() -> Schema:
    """The schema of ``render_json.document``."""
    defs: dict[str, Schema] = {}
    hints = typing.get_type_hints(records.ReportModel)

    def field(name: str) -> Schema:
        return _type(hints[name], defs)

    nullable_text = {"type": ["string", "null"]}
    properties: dict[str, Schema] = {
        "schema_version": {"const": SCHEMA_VERSION},
        "title": {"type": "string"},
        "input": _obj(
            {
                "file": {"type": "string"},
                "sha256": {"type": "string"},
                "config_file": nullable_text,
                "config_sha256": nullable_text,
                "mapping_sha256": nullable_text,
                "packs": {"type": "array", "items": {"type": "string"}},
            }
        ),
        "fingerprint": field("fingerprint"),
        "project": field("project"),
        "operation": field("operation"),
        "standards": field("standards"),
        "scope": _obj({"switches": field("switches")}),
        "totals": _obj(
            {
                "stages": _keyed(records.STAGES),
                "modules": _keyed(records.MODULES),
                "embodied_kgco2e": NUMBER_OR_NULL,
                "total_kgco2e": NUMBER_OR_NULL,
                "beside_gbt51366": field("beside_gbt"),
                "separate": field("separate"),
            }
        ),
        "intensity_kgco2e_per_m2": NUMBER_OR_NULL,
        "intensity_kgco2e_per_m2a": NUMBER_OR_NULL,
        "operational_kgco2_per_m2a": NUMBER_OR_NULL,
        "embodied_kgco2e_per_m2": NUMBER_OR_NULL,
        "signoff": field("signoff"),
        "assumption_effects": field("assumption_effects"),
        "uncertainty": field("uncertainty"),
        "readiness": field("readiness"),
        "stages": field("stages"),
        "modules": field("modules"),
        "materials": field("materials"),
        "hotspots": _obj({"materials": field("hotspot_materials"), "ifc_classes": field("hotspot_classes")}),
        "defaults_used": field("defaults_used"),
        "grid": field("grid"),
        "plausibility": field("plausibility"),
        "plausibility_summary": field("plausibility_summary"),
        "coverage": field("coverage"),
        "unmatched": field("unmatched"),
        "defects": field("defects"),
        "excluded": field("excluded"),
        "assumptions": field("assumptions"),
        "issues": field("issues"),
        "sources": field("sources"),
        "zero_carbon_tiers": field("tiers"),
        "gb55015": field("gb55015"),
        "lines": field("lines"),
        "elements": field("elements"),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"embodied report, JSON document {SCHEMA_VERSION}",
        "description": (
            "The JSON report of embodied (`embodied report --format json`, `embodied calculate -o x.json`). "
            "Totals in kgCO2e over the whole study period; null is 'not declared', never 0."
        ),
        **_obj(properties),
        "$defs": dict(sorted(defs.items())),
    }


def text() -> str:
    return json.dumps(document_schema(), ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    """Write the schema to the file named, or to stdout."""
    if argv:
        Path(argv[0]).write_text(text(), encoding="utf-8")
    else:
        sys.stdout.write(text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
