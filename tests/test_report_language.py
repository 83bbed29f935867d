"""The report in one language (issue 18): the Chinese edition shows no code and no English sentence,
the English edition no Chinese outside the names the model and the database give, the bilingual
edition both forms.

The sample's page is read as a reviewer reads it: its visible text, tags stripped, without the
GlobalIds and hashes (class "hash"), the sources table (the database's own
citations: sources.yaml has no Chinese), and the names of the model and the database (materials,
elements, storeys, factor names and references, the project file's entries). In what is left, the zh
edition may hold no IFC class code except in parentheses right after its Chinese word, no province
slug, no IFC unit name, no issue kind or other code, and no run of four English words; each
offending fragment is listed. The tables of templates/terms.yaml are held complete against the codes
the stages can write (every IfcElement subtype of the three schemas, the 34 provinces …).
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar, get_args, get_type_hints

import pytest
import yaml
from ifcopenshell import ifcopenshell_wrapper
from shared_models import REPO

from embodied.pipeline import Calculation, report_model
from embodied.project import places
from embodied.project.settings import Building, Scope
from embodied.records import MatchMethod, ProblemKind
from embodied.report import i18n, render_html
from embodied.report.records import ReportModel

SKIPPED_CLASSES = {"hash"}  # GlobalIds, SHA-256, run_id
SKIPPED_TABLES = {"sources"}  # the database's citations (title, publisher, how it was checked)
NAME = "▢"  # where a name of the model or the database was: the names are shown as they are given
# templates/report/_conclusions.html is not part of this change: it still prints the coverage text, the
# assumptions' reasons and the IFC classes as the stages give them (test_conclusions_… says what)
LATER = "ch-conclusions"
WORDS = re.compile(r"[A-Za-z][a-z'’\-]+(?:[ ,]+[A-Za-z][a-z'’\-]+){3,}")  # four English words in a row
IFC = re.compile(r"Ifc[A-Z]\w*")
QUOTED = re.compile(r"'[^'\n]+'")  # in an English sentence: a name or a word of the model, as it is
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
# what stays as it is in every edition: factor ids, files, project-file keys and sections, set names
KEPT = re.compile(
    r"\b[a-z][a-z0-9_]*:[\w:.\-/<>]+"  # gbt51366:D:steel_rebar, mee_nbs:grid_2023:national
    r"|[\w./\-]+\.(?:ifc|ifczip|toml|yaml|csv|json|xlsx)\b"  # sample_building.ifc, service_lives.csv
    r"|\b[a-z_]+(?:\.[a-z_0-9]+)+\b"  # building.gross_floor_area_m2
    r"|\[\[?[a-z_]+\]\]?"  # [demolition], [[materials]]
    r"|\b(?:Qto|Pset)_\w+(?:\.\w+)?"  # Qto_WallBaseQuantities.NetVolume
)


class Visible(HTMLParser):
    """The text a reader sees, one chunk per text node, without the skipped elements."""

    VOID: ClassVar[frozenset[str]] = frozenset({"br", "meta", "col", "img", "input", "link", "hr", "wbr"})

    def __init__(self, page: str, *, only: str | None = None, without: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.only, self.without = only, without  # the id of a section to read alone, or to leave out
        self.stack: list[tuple[str, set[str], str]] = []
        self.chunks: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            attributes = dict(attrs)
            classes = set((attributes.get("class") or "").split())
            self.stack.append((tag, classes, attributes.get("id") or ""))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        ids = {i for _, _, i in self.stack}
        if not data.strip() or any(tag in ("style", "script", "svg", "title") for tag, _, _ in self.stack):
            return
        if (self.only and self.only not in ids) or (self.without and self.without in ids):
            return
        if any(classes & SKIPPED_CLASSES for _, classes, _ in self.stack):
            return
        if any(tag == "table" and classes & SKIPPED_TABLES for tag, classes, _ in self.stack):
            return
        self.chunks.append(" ".join(data.split()))


def names(report: ReportModel) -> list[str]:
    """What the model, the database and the project file name: shown as they give it."""
    found: set[str | None] = {report.project.name, report.project.model, report.project.authoring_app}
    for m in report.materials:
        found |= {m.material, m.factor_id, m.source, *(m.factor_name or "").split(" / ")}
        if m.default is not None:
            found |= {m.default.grade, m.default.step_up_grade, m.default.step_down_grade}
    for e in report.elements:
        found |= {e.name, e.storey, e.material}
    for u in report.unmatched:
        found |= {u.material, *u.suggestions}
    for d in report.defaults_used:
        found.add(str(d.value))
    signoff = getattr(report, "signoff", None)  # the project file's [project]: the client's words
    if dataclasses.is_dataclass(signoff):
        found |= {str(v) for v in dataclasses.asdict(signoff).values() if v}  # type: ignore[arg-type]
    found |= {f.confirmation for f in report.plausibility}
    return sorted((n for n in found if n and len(n) > 1), key=lambda n: (-len(n), n))


def readable(report: ReportModel, page: str, **where: str) -> list[str]:
    """The page's visible chunks with the names of the model and the database (as NAME) and the kept
    tokens (factor ids, files, keys) blanked out; `where`: only=<section id> or without=<section id>."""
    known = names(report)
    out = []
    for chunk in Visible(page, **where).chunks:
        for name in known:
            if name in chunk:
                chunk = chunk.replace(name, NAME)
        out.append(KEPT.sub(" ", chunk))
    return out


def _codes(*groups: str) -> re.Pattern[str]:
    codes = {c for g in groups for c in i18n.terms()[g]}
    return re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(codes, key=len, reverse=True))) + r")\b")


PROVINCES = _codes("province")
UNITS = re.compile(r"\b(?:" + "|".join(c for c in i18n.terms()["unit"] if c.isupper()) + r")\b")
CODES = _codes("issue_kind", "method", "verification", "switch", "quantity_source", "mass_basis")
RAW_SOURCE = re.compile(r"\b(?:base|profile|geometry):")


def _around(text: str, match: re.Match[str]) -> str:
    return text[max(match.start() - 30, 0) : match.end() + 30]


def untranslated(chunks: list[str]) -> list[str]:
    """What a Chinese reader would meet untranslated, with some text around it."""
    found = []
    for text in chunks:
        for m in IFC.finditer(text):
            before, after = text[: m.start()], text[m.end() : m.end() + 1]
            word = before[-2:-1]
            if not (before.endswith("（") and (CJK.match(word) or word == NAME) and after == "）"):
                found.append(f"IFC class {m[0]!r}: …{_around(text, m)}…")
        for what, pattern in (
            ("province", PROVINCES),
            ("unit", UNITS),
            ("code", CODES),
            ("quantity source", RAW_SOURCE),
            ("English", WORDS),
        ):
            found += [f"{what} {m[0]!r}: …{_around(text, m)}…" for m in pattern.finditer(text)]
    return found


@pytest.fixture(scope="module")
def pages(sample_calculation: Calculation) -> dict[str, tuple[ReportModel, str]]:
    """The sample's HTML in each language (tests/conftest.py calculates the sample once)."""
    out = {}
    for lang in i18n.LANGS:
        report = report_model(sample_calculation, lang)
        out[lang] = (report, render_html.html(report))
    return out


def test_chinese_edition_has_no_code_and_no_english(pages: dict[str, tuple[ReportModel, str]]) -> None:
    report, page = pages["zh"]
    found = untranslated(readable(report, page, without=LATER))
    assert not found, f"{len(found)} untranslated in the zh report:\n" + "\n".join(found)
    text = " ".join(Visible(page).chunks)
    for shown in ("墙（IfcWall）", "北京", "毫米", "假设", "模型中无密度：未计算质量", "经两份来源核验"):
        assert shown in text, shown


def test_conclusions_chapter_in_chinese(pages: dict[str, tuple[ReportModel, str]]) -> None:
    report, page = pages["zh"]
    found = untranslated(readable(report, page, only=LATER))
    assert not found, f"{len(found)} untranslated in the zh conclusions:\n" + "\n".join(found)


def test_english_edition_has_no_chinese(pages: dict[str, tuple[ReportModel, str]]) -> None:
    report, page = pages["en"]
    chunks = [QUOTED.sub(NAME, chunk) for chunk in readable(report, page, without=LATER)]
    found = [f"…{_around(t, m)}…" for t in chunks for m in CJK.finditer(t)]
    assert not found, f"{len(found)} Chinese fragments in the en report:\n" + "\n".join(found)
    found = [
        f"{m[0]!r}: …{_around(t, m)}…" for t in chunks for p in (PROVINCES, UNITS) for m in p.finditer(t)
    ]
    assert not found, "codes in the en report:\n" + "\n".join(found)
    text = " ".join(Visible(page).chunks)
    for shown in ("Beijing", "millimetre", "IfcWall", "no density in the model: mass not computed"):
        assert shown in text, shown


def test_bilingual_edition_pairs_both_forms(pages: dict[str, tuple[ReportModel, str]]) -> None:
    _, page = pages["zh+en"]
    text = " ".join(Visible(page).chunks)
    for shown in ("北京 / Beijing", "毫米 / millimetre", "墙（IfcWall）", "假设 / assumption"):
        assert shown in text, shown
    # a sentence: the Chinese, then the English on a line of its own
    assert (
        '模型中无密度：未计算质量<br><span class="en" lang="en">no density in the model: mass not computed'
        in page
    )


def test_terms_and_messages_api() -> None:
    assert i18n.term("IfcWall", "ifc_class", "zh") == "墙（IfcWall）"
    assert i18n.term("IfcWall", "ifc_class", "en") == "IfcWall"
    assert i18n.term("IfcWall", "ifc_class", "zh+en") == "墙（IfcWall）"
    assert i18n.term("beijing", "province", "zh+en") == "北京 / Beijing"
    assert i18n.term("北京", "province", "en") == "Beijing"  # any spelling of the code
    assert i18n.term("MILLIMETRE", "unit", "zh") == "毫米"
    assert i18n.term("foot", "unit", "en") == "foot"
    assert i18n.term("IfcNoSuchThing", "ifc_class", "zh") == "IfcNoSuchThing"  # unknown: as it is
    assert i18n.term(None, "province", "zh") == ""
    sentence = "no density in the model: mass not computed"
    assert i18n.message(sentence, "zh") == "模型中无密度：未计算质量"
    assert i18n.message(sentence, "en") == sentence
    assert i18n.message(sentence, "zh+en") == "模型中无密度：未计算质量\n" + sentence
    assert i18n.pair(sentence, "zh+en") == ("模型中无密度：未计算质量", sentence)
    assert i18n.message("a sentence nobody wrote", "zh") == "a sentence nobody wrote"
    assert i18n.translate("a sentence nobody wrote") is None
    # clauses the table knows one by one, parts of other types in words
    assert i18n.message("no base volume; layer 2/3 by thickness 0.2000/0.2400 m", "zh") == (
        "无基本数量体积；第 2/3 层，按厚度 0.2000/0.2400 m 分配"
    )
    assert i18n.message(
        "decomposed into 3 parts (IfcMember, IfcPlate): quantities are counted in the parts", "zh"
    ) == ("分解为 3 个部件（杆件（IfcMember）、板材（IfcPlate））：工程量计入各部件")
    assert i18n.bilingual("热轧碳钢钢筋 / Hot-rolled reinforcing bar", "zh") == "热轧碳钢钢筋"
    assert i18n.bilingual("热轧碳钢钢筋 / Hot-rolled reinforcing bar", "en") == "Hot-rolled reinforcing bar"
    # a sentence with Chinese of its own has an English form
    reason = "threshold not public (draft, unverified)"
    tier = f"低碳建筑 (low-carbon building), zero_carbon_draft_2023 of 2023-07-24: {reason}"
    assert i18n.message(tier, "en") == f"low-carbon building, zero_carbon_draft_2023 of 2023-07-24: {reason}"
    assert (
        i18n.message(tier, "zh")
        == "低碳建筑（zero_carbon_draft_2023，2023-07-24）：阈值未公开（征求意见稿，未核实）"
    )


# One sentence of each kind the stages write (takeoff, matching, lifecycle, plausibility), beyond
# what the sample shows: each must come out in Chinese, with no English left but names.
STAGE_SENTENCES = (
    "no length unit declared: metre assumed",
    "no area unit declared: the square of the length unit assumed",
    "base volume 0.5000 m³ differs from geometry 0.4000 m³ by +25.0 %: listed as a disagreement",
    "geometry preferred to base:Qto_SlabBaseQuantities.NetVolume (1.2000 m³)",
    "no base volume; no geometry: the geometry kernel gave no result for 30 s and was stopped",
    "body geometry is not a closed solid: no volume from geometry",
    "material list (IFC gives no proportions): volume split equally among 3 materials (assumption)",
    "layer 2 (Air) has zero thickness: no volume counted for it (a membrane?)",
    "no element to take off: the model holds no physical element (IfcElement)",
    "virtual element: no physical existence",
    "IfcSlab Floor: Qto_SlabBaseQuantities.NetVolume 1.2000 m³ against geometry 1.0000 m³ (+20.0 %)",
    "material 'Timber' (IfcBeam, 3 elements) has no factor; kind unknown: no word of the name says what "
    "it is (category_keywords.csv, grades.yaml), so no factor is suggested: set its factor_id in the "
    "mapping file; its mass is unknown (1.200 m³ without a density)",
    "GB/T 51366 §6.1 coverage rule not shown: matched materials hold 80.0% of the mass, under the "
    "required 95%",
    "混凝土: no grade, C30 assumed — set it in the mapping file; one grade up (C35) +2,250 kgCO2e, one "
    "grade down (C25) −2,250 kgCO2e",
    "design life 50 a: default GB/T 51366-2019 §4.1 (methods/gbt51366_2019.yaml: design_life_years, "
    "recollection); set building.design_life_years to replace it",
    "grid factor 0.5554 kgCO2/kWh: default: 北京 provincial factor 2023 (mee_nbs:grid_2023:beijing: "
    "mee_nbs_2023, unverified) because building.province is set and operation.grid_factor is not; "
    "set operation.grid_factor to choose another",
    "A4 rests on an assumption or estimate for 2 line(s) (C30, (rebar estimate: not modelled)): "
    "default distance (transport.concrete_km = 40 km: GB/T 51366-2019 §6.3, "
    "methods/gbt51366_2019.yaml transport_default_km.concrete, recollection); default vehicle "
    "(transport.default_mode = road_diesel_18t: embodied material_db typical engineering value "
    "(assumption): heavy diesel truck, 18 t load; GB/T 51366 gives no default vehicle, "
    "methods/gbt51366_2019.yaml transport_default_mode, unverified)",
    "floor area not known: no IfcSpace area, no FLOOR/BASESLAB slab and no slab or roof area in the "
    "model; set building.gross_floor_area_m2 in the project file: intensities not computed",
    "excluded by scope.include_embodied = false",
    "transport (A4) left out; overlaps the other switches off (include_operation)",
    "GB 55015-2021: reduction ≥ 40 % and ≥ 7 kgCO2/(m²·a); operational intensity not computed "
    "(operation or floor area missing)",
    "'Aluminium' carries 62% of the materials' A1-A3 + A4 (12 345 kgCO2e of 20 000 kgCO2e), more than "
    "50%: the result rests on its quantity and factor",
    "3 IfcSlab element(s) over 20 × the median volume of the model's 12 IfcSlab (0.5 m³): the largest "
    "30 m³ (a, b, c); 0 kgCO2e (no factor: none of it is counted yet) rest on them",
)


@pytest.mark.parametrize("sentence", STAGE_SENTENCES, ids=lambda s: s[:40])
def test_stage_sentences_in_chinese(sentence: str) -> None:
    zh = i18n.translate(sentence)
    assert zh is not None, sentence
    left = WORDS.findall(KEPT.sub(" ", zh))
    assert not left, (zh, left)
    assert not [m for m in IFC.finditer(zh) if zh[m.end() : m.end() + 1] != "）"], zh


def test_every_element_class_has_a_chinese_word() -> None:
    words = i18n.terms()["ifc_class"]
    for schema in ("IFC2X3", "IFC4", "IFC4X3_ADD2"):
        missing = []
        stack = [ifcopenshell_wrapper.schema_by_name(schema).declaration_by_name("IfcElement")]
        while stack:
            declaration = stack.pop()
            stack += declaration.subtypes()
            if not words.get(declaration.name(), {}).get("zh"):
                missing.append(declaration.name())
        assert not missing, (schema, sorted(missing))


def test_every_code_the_stages_write_has_its_words() -> None:
    t = i18n.terms()
    provinces = set(places.province_names().values())
    assert provinces <= set(t["province"]), provinces - set(t["province"])
    assert len(t["province"]) == 34  # 23 provinces, 5 autonomous regions, 4 municipalities, 2 SARs
    assert {str(k) for k in ProblemKind} | {"quantity_disagreement", "decomposed"} <= set(t["issue_kind"])
    assert {str(m) for m in MatchMethod} <= set(t["method"])
    assert {f.name for f in dataclasses.fields(Scope)} == set(t["switch"])
    package = yaml.safe_load((REPO / "material_db" / "datapackage.yaml").read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in package["schemas"]["factor"]["fields"]}
    assert set(fields["verification"]["enum"]) <= set(t["verification"])
    assert set(fields["data_type"]["enum"]) <= set(t["data_type"])
    assert {str(c["id"]) for c in package["categories"]} <= set(t["category"])
    hints = get_type_hints(Building)
    zones = {a for arg in get_args(hints["climate_zone"]) for a in get_args(arg)}
    assert zones and zones <= set(t["climate_zone"]), zones
    assert set(get_args(hints["building_type"])) <= set(t["building_type"])
    for group in t.values():
        for code, node in group.items():
            assert node.get("zh"), code


def test_messages_table_is_well_formed() -> None:
    fields = re.compile(r"\{(\w+)(?::[\w*]+)?\}")
    for entry in i18n.entries():
        names = set(fields.findall(entry.en))
        assert set(fields.findall(entry.zh)) <= names, entry.en
        assert set(fields.findall(entry.en_out or "")) <= names, entry.en
        for kind in entry.types.values():
            group = kind.rstrip("*")
            assert group in ("", "msg", "part", "names") or group in i18n._SHAPE or group in i18n.terms()


@pytest.mark.slow  # WeasyPrint: seconds
def test_chinese_pdf_prints_the_words(
    pages: dict[str, tuple[ReportModel, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The PDF prints the same page: its text has the Chinese words, not the codes."""
    pypdf = pytest.importorskip("pypdf")
    from embodied.report import render_pdf

    if not render_pdf.cjk_font_available():
        pytest.skip("no CJK font (fc-list :lang=zh): apt-get install fonts-noto-cjk")
    report, _ = pages["zh"]
    path = tmp_path_factory.mktemp("pdf") / "zh.pdf"
    render_pdf.render(report, path)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(path).pages))
    for shown in ("北京", "毫米", "墙（IfcWall）", "模型中无密度：未计算质量"):
        assert shown in text, shown
    for code in ("MILLIMETRE", "unmatched_material", "nodensityinthemodel"):
        assert code not in text, code


def test_chinese_workbook_has_no_code_and_no_english(sample_calculation: Calculation, tmp_path: Path) -> None:
    """The zh workbook: the columns that carry codes and the stages' sentences (element class,
    quantity source, notes; issue kinds and messages; settings) read in Chinese, as the pages do."""
    import openpyxl

    from embodied.report import render_xlsx

    report = report_model(sample_calculation, "zh")
    path = tmp_path / "zh.xlsx"
    render_xlsx.render(report, path)
    book = openpyxl.load_workbook(path)
    chunks: list[str] = []
    elements = book["构件"]
    heads = [c.value for c in elements[1]]
    for column in ("IFC 类", "工程量来源", "注"):
        if column in heads:
            index = heads.index(column)
            chunks += [
                str(row[index]) for row in elements.iter_rows(min_row=2, values_only=True) if row[index]
            ]
    issues = book["问题"]
    chunks += [str(v) for row in issues.iter_rows(min_row=2, values_only=True) for v in row[:3] if v]
    found = untranslated([QUOTED.sub(NAME, c) for c in chunks])
    assert len(chunks) > 40 and not found, f"{len(found)} untranslated in the zh workbook:\n" + "\n".join(
        found[:40]
    )
