"""The project file edited from a form: its keys as fields, values written back with every comment and
every other byte kept, the edited text checked with file:line: key: problem messages.

Most tests edit the text of examples/embodied.toml and compare its lines before and after.
"""

from __future__ import annotations

import difflib
import textwrap
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embodied.errors import ConfigError
from embodied.project import (
    SECTIONS,
    FormField,
    FormSection,
    form_fields,
    load_settings,
    set_values,
    validate_text,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "embodied.toml"
TEXT = EXAMPLE.read_text(encoding="utf-8")


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    """The lines `new` drops from `old` and the lines it adds."""
    diff = list(difflib.ndiff(old.splitlines(), new.splitlines()))
    return [d[2:] for d in diff if d.startswith("- ")], [d[2:] for d in diff if d.startswith("+ ")]


def line_of(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def field(sections: list[FormSection], section: str, key: str) -> FormField:
    return next(f for s in sections if s.name == section for f in s.fields if f.key == key)


def test_a_number_replaces_its_line_only() -> None:
    """Setting the floor area changes that one line; the checked text reads the new area."""
    new = set_values(TEXT, {("building", "gross_floor_area_m2"): "250"})
    assert changed_lines(TEXT, new) == (["gross_floor_area_m2 = 192"], ["gross_floor_area_m2 = 250"])
    assert validate_text(new, "embodied.toml").building.gross_floor_area_m2 == 250.0


def test_a_trailing_comment_stays_at_its_column() -> None:
    """A replaced value keeps its line's comment, aligned where it was (CJK characters two columns wide)."""
    new = set_values(TEXT, {("building", "design_life_years"): "60", ("building", "province"): "上海市"})
    removed, added = changed_lines(TEXT, new)
    assert len(removed) == len(added) == 2
    for old_line, new_line in zip(removed, added, strict=True):
        assert new_line.split("#", 1)[1] == old_line.split("#", 1)[1]
    assert added[0].startswith('province = "上海市"               # 北京, 北京市 or beijing: stored as')
    assert added[1].startswith("design_life_years = 60            # default: from the method file")
    assert validate_text(new, "embodied.toml").building.province == "shanghai"


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    """A value holding "#" is replaced whole, and the real comment after it kept."""
    text = "[building]\nname = \"A # B\"  # the name\n[project]\nclient = 'x # y' # who\n"
    new = set_values(text, {("building", "name"): "C", ("project", "client"): "D"})
    assert new == '[building]\nname = "C"      # the name\n[project]\nclient = "D" # who\n'


def test_an_empty_value_removes_the_line() -> None:
    """Clearing a key removes its one line: the key takes its default."""
    new = set_values(TEXT, {("operation", "onsite_renewable_kwh"): ""})
    removed, added = changed_lines(TEXT, new)
    assert (len(removed), added) == (1, [])
    assert removed[0].startswith("onsite_renewable_kwh = 2000")
    assert validate_text(new, "embodied.toml").operation.onsite_renewable_kwh is None
    assert set_values(new, {("operation", "onsite_renewable_kwh"): " "}) == new  # nothing left to remove


def test_an_absent_key_goes_after_the_last_key_of_its_section() -> None:
    """A key not written is added after its section's last key and that key's continued comment."""
    without = set_values(TEXT, {("building", "climate_zone"): ""})
    new = set_values(without, {("building", "climate_zone"): "mild", ("project", "reviewer"): "王工"})
    assert changed_lines(without, new) == ([], ['climate_zone = "mild"', 'reviewer = "王工"'])
    lines = new.splitlines()
    at = lines.index('climate_zone = "mild"')
    assert lines[at - 2].startswith("design_life_years = 50")
    assert lines[at - 1].strip() == "# documents give none); > 0, ≤ 200"
    assert lines[at + 1 : at + 3] == [
        "",
        "[project]                         # the cover's sign-off block; a key left out shows "
        '"—" (never filled in)',
    ]
    assert lines[lines.index('reviewer = "王工"') - 1].startswith("issue_date = 2026-12-04")
    checked = validate_text(new, "embodied.toml")
    assert (checked.building.climate_zone, checked.project.reviewer) == ("mild", "王工")


def test_an_absent_section_is_appended() -> None:
    """A key of a section the text does not write is appended under a new header at the end."""
    text = TEXT.replace(
        "[offsets]                         # reported separately, never netted into the gross\n", ""
    )
    text = text.replace("# carbon_credits_kgco2e = 0\n", "")
    new = set_values(text, {("offsets", "carbon_credits_kgco2e"): "1000"})
    assert new == text + "\n[offsets]\ncarbon_credits_kgco2e = 1000\n"
    assert validate_text(new, "embodied.toml").offsets.carbon_credits_kgco2e == 1000.0
    assert (
        set_values("", {("offsets", "carbon_credits_kgco2e"): "5"})
        == "[offsets]\ncarbon_credits_kgco2e = 5\n"
    )
    two = {("building", "gross_floor_area_m2"): "5", ("building", "climate_zone"): "mild"}
    assert set_values("[building]\nname = 'a'", two) == (
        "[building]\nname = 'a'\ngross_floor_area_m2 = 5\nclimate_zone = \"mild\"\n"
    )


def test_chinese_text_round_trips() -> None:
    """Chinese text, quotes, backslashes and a "#" are written as a literal UTF-8 string that reads back."""
    client = '北京某某置业有限公司 "甲方" C:\\项目 # 不是注释\t'
    new = set_values(TEXT, {("project", "client"): client})
    assert line_of(new, "client = ").startswith(
        'client = "北京某某置业有限公司 \\"甲方\\" C:\\\\项目 # 不是注释\\t"'
    )
    assert tomllib.loads(new)["project"]["client"] == client
    assert validate_text(new, "embodied.toml").project.client == client.strip()
    assert field(form_fields(new), "project", "client").value == client


def test_a_value_not_of_its_kind_is_reported_by_the_project_check() -> None:
    """ "abc" for a number is written as a string; the check names the display name, the line and the key."""
    new = set_values(TEXT, {("building", "gross_floor_area_m2"): "abc"})
    assert line_of(new, "gross_floor_area_m2") == 'gross_floor_area_m2 = "abc"'
    with pytest.raises(ConfigError) as caught:
        validate_text(new, "site/embodied.toml")
    assert (
        str(caught.value)
        == 'site/embodied.toml:15: building.gross_floor_area_m2: expected a number (m²), got string "abc"'
    )


def test_flags_dates_and_names_are_written_by_kind() -> None:
    """true/false (also on/off, 1/0), TOML dates, arrays of names; what is not of its kind stays a string."""
    new = set_values(
        TEXT,
        {
            ("scope", "include_module_d"): "on",
            ("scope", "include_transport"): "0",
            ("project", "issue_date"): " 2027-01-02 ",
            ("plausibility", "confirm"): "intensity_range; floor_area_consistency;",
            ("plausibility", "note"): "checked with the client",
            ("operation", "grid_factor"): "0.5306",
            ("transport", "concrete_km"): "2.5",
        },
    )
    assert line_of(new, "include_module_d").startswith("include_module_d = true ")
    assert line_of(new, "include_transport") == "include_transport = false"
    assert line_of(new, "issue_date").startswith("issue_date = 2027-01-02 ")
    assert line_of(new, "confirm") == 'confirm = ["intensity_range", "floor_area_consistency"]'
    assert line_of(new, "grid_factor") == "grid_factor = 0.5306"
    assert line_of(new, "concrete_km").startswith("concrete_km = 2.5 ")
    checked = validate_text(new, "embodied.toml")
    assert (checked.scope.include_module_d, checked.scope.include_transport) == (True, False)
    assert checked.project.issue_date == "2027-01-02"
    assert checked.plausibility.confirm == ("intensity_range", "floor_area_consistency")
    assert checked.operation.grid_factor == 0.5306
    sections = form_fields(new)
    assert field(sections, "plausibility", "confirm").value == "intensity_range; floor_area_consistency"
    assert field(sections, "project", "issue_date").value == "2027-01-02"
    assert field(sections, "scope", "include_module_d").value == "true"
    wrong = set_values(TEXT, {("scope", "include_module_d"): "maybe", ("project", "issue_date"): "next week"})
    assert line_of(wrong, "include_module_d").startswith('include_module_d = "maybe" ')
    with pytest.raises(ConfigError) as caught:
        validate_text(wrong, "embodied.toml")
    assert caught.value.problems == (
        "embodied.toml:30: project.issue_date: expected a date "
        '(2026-12-04, or "2026-12-04"), got string "next week"',
        'embodied.toml:82: scope.include_module_d: expected true or false, got string "maybe"',
    )


def test_setting_the_current_values_changes_nothing() -> None:
    """Every field set to the value the form shows leaves the text as it was; twice is like once."""
    current = {(f.section, f.key): f.value for s in form_fields(TEXT) for f in s.fields}
    assert set_values(TEXT, current) == TEXT
    text = "[building]\nname = 'a'\ngross_floor_area_m2 = 5e1  # m²\n"
    assert set_values(text, {("building", "name"): "a", ("building", "gross_floor_area_m2"): "50"}) == text
    changes = {
        ("building", "name"): "新楼",
        ("operation", "natural_gas_m3"): "12",
        ("offsets", "carbon_credits_kgco2e"): "3",
    }
    once = set_values(TEXT, changes)
    assert set_values(once, changes) == once


def test_a_multi_line_value_is_replaced_whole() -> None:
    """An array over several lines and a multi-line string are replaced, their line's comment kept."""
    text = textwrap.dedent('''\
        [plausibility]  # confirmed checks
        confirm = [
            "intensity_range",  # seen on 3 May, with a "]" in the comment
            "floor_area_consistency",
        ]  # end of list
        note = """
        first line
        a \\""" quote"""
        # after
        ''')
    new = set_values(
        text, {("plausibility", "confirm"): "intensity_range", ("plausibility", "note"): "short"}
    )
    assert new == (
        '[plausibility]  # confirmed checks\nconfirm = ["intensity_range"]  # end of list\n'
        'note = "short"\n# after\n'
    )
    removed = set_values(text, {("plausibility", "confirm"): ""})
    assert (
        removed == '[plausibility]  # confirmed checks\nnote = """\nfirst line\na \\""" quote"""\n# after\n'
    )


def test_line_endings_and_bom_are_kept() -> None:
    """A Windows text gets Windows line endings on its new lines; a leading BOM stays."""
    text = '\ufeff[building]\r\nname = "a"\r\n'
    new = set_values(text, {("building", "gross_floor_area_m2"): "5", ("scope", "include_module_d"): "true"})
    assert new == (
        '\ufeff[building]\r\nname = "a"\r\ngross_floor_area_m2 = 5\r\n'
        "\r\n[scope]\r\ninclude_module_d = true\r\n"
    )
    assert validate_text(new, "embodied.toml").building.gross_floor_area_m2 == 5.0


def test_what_cannot_be_edited_safely_is_refused() -> None:
    """A key the scanner cannot place (a dotted key at the top) or not of the form is a ValueError; a
    text that is not TOML is a ConfigError naming its line."""
    with pytest.raises(ValueError, match="would not be TOML"):
        set_values('building.name = "a"\n', {("building", "gross_floor_area_m2"): "5"})
    with pytest.raises(ValueError, match="not a key"):
        set_values(TEXT, {("materials", "material"): "x"})
    with pytest.raises(ValueError, match="not a key"):
        set_values(TEXT, {("building", "colour"): "red"})
    with pytest.raises(ConfigError, match=r"^site\.toml:2: building\.name: TOML syntax error"):
        set_values("[building]\nname = \n", {("building", "name"): "a"}, display_name="site.toml")
    with pytest.raises(ConfigError, match=r"^embodied\.toml:1: TOML syntax error"):
        form_fields("[building\n")


def test_the_form_lists_every_key_with_its_value() -> None:
    """One section per section of SECTIONS, every key in order, the example's values as text."""
    sections = form_fields(TEXT)
    assert [(s.name, [f.key for f in s.fields]) for s in sections] == [
        (name, list(rules)) for name, (_, rules) in SECTIONS.items()
    ]
    assert all(
        f.section == s.name and f.kind == SECTIONS[s.name][1][f.key].kind for s in sections for f in s.fields
    )
    area = field(sections, "building", "gross_floor_area_m2")
    assert (area.value, area.kind, area.unit, area.low, area.high, area.strict) == (
        "192",
        "number",
        "m²",
        0.0,
        None,
        True,
    )
    assert field(sections, "building", "building_type").choices == ("public", "residential")
    assert field(sections, "building", "climate_zone").value == "cold"
    province = field(sections, "building", "province")
    assert province.value == "北京"
    assert {"北京", "上海", "beijing", "inner_mongolia"} <= set(province.choices)
    assert "road_diesel_18t" in field(sections, "transport", "default_mode").choices
    grid = field(sections, "operation", "grid_factor")
    assert (grid.value, grid.choices, grid.low) == ("national-2023", (), None)
    assert field(sections, "project", "reviewer").value == ""
    assert field(sections, "construction", "estimate_kgco2e_per_m2").value == "20"
    assert all(f.value == "" for s in form_fields(None) for f in s.fields)


def test_validate_text_checks_as_load_settings() -> None:
    """The example's text checked in memory gives the records of the file, under the display name."""
    from_file, from_text = load_settings(EXAMPLE), validate_text(TEXT, "beside/embodied.toml")
    assert from_text.source == "beside/embodied.toml"
    assert (from_text.building, from_text.operation, from_text.materials) == (
        from_file.building,
        from_file.operation,
        from_file.materials,
    )
    assert from_text.sha256 == from_file.sha256


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.integers(min_value=-(2**62), max_value=2**62),
        st.floats(allow_nan=False, allow_infinity=False),
    )
)
def test_any_number_changes_only_its_key(value: int | float) -> None:
    """A number set on a key parses back as that number, every other key as before."""
    new = set_values(TEXT, {("building", "gross_floor_area_m2"): str(value)})
    old, read = tomllib.loads(TEXT), tomllib.loads(new)
    written = read["building"].pop("gross_floor_area_m2")
    assert (written, type(written)) == (value, type(value))
    old["building"].pop("gross_floor_area_m2")
    assert read == old


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_any_text_changes_only_its_key(value: str) -> None:
    """A text set on a key parses back as that text (blank: the key removed), every other key as before."""
    new = set_values(TEXT, {("building", "name"): value})
    old, read = tomllib.loads(TEXT), tomllib.loads(new)
    assert read["building"].pop("name", None) == (value if value.strip() else None)
    old["building"].pop("name")
    assert read == old
    assert new.endswith(TEXT[TEXT.index("\nclimate_zone") :])
