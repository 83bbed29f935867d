"""Project settings: embodied.toml read into records; every problem names its file, line and key.

Each test writes its own project file into a temporary folder; line numbers in the expected messages
are those of the text as written in the test (line 1 is the first line of the dedented text).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import textwrap
from pathlib import Path

import pytest

from embodied import project
from embodied.errors import ConfigError, InputError
from embodied.factors import DEFAULT_ROOT
from embodied.project import (
    Building,
    EnergyUse,
    MaterialOverride,
    Offsets,
    Operation,
    ProjectSettings,
    Scope,
    Transport,
    find_settings,
    load_settings,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "embodied.toml"


def write(folder: Path, text: str, name: str = "embodied.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def error_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value


# -- valid files -------------------------------------------------------------------------------------

FULL = """
    [building]
    name = "办公楼"
    gross_floor_area_m2 = 10000
    building_type = "residential"
    climate_zone = "hot_summer_cold_winter"
    province = "上海市"
    design_life_years = 70

    [transport]
    default_mode = "road_diesel_30t"
    concrete_km = 25.5
    other_km = 300

    [construction]
    electricity_kwh = 120000
    diesel_kg = 8000
    gasoline_kg = 500
    natural_gas_m3 = 10
    estimate_kgco2e_per_m2 = 25

    [demolition]
    diesel_kg = 3000
    estimate_kgco2e_per_m2 = 5.5

    [operation]
    electricity_kwh = 500000
    natural_gas_m3 = 12000
    district_heat_gj = 900
    district_heat_factor_kgco2_per_gj = 110
    onsite_renewable_kwh = 50000
    green_power_kwh = 20000
    carbon_sink_kgco2_per_year = 1500
    grid_factor = "east-2023"
    baseline_kgco2_per_m2a = 45

    [scope]
    include_embodied = false
    include_transport = false
    include_construction = false
    include_operation = false
    include_demolition = false
    include_replacements = false
    include_module_d = true

    [offsets]
    carbon_credits_kgco2e = 100000

    [[materials]]
    material = "C30混凝土"
    transport_km = 15
    transport_mode = "road_diesel_46t"
    recycled_share = 0.3
    recycled_low_value = true
    service_life_years = 100
    recyclable_share = 0.9

    [[materials]]
    material = "岩棉板"
    service_life_years = 25
"""


def test_a_full_file_gives_every_value(tmp_path: Path) -> None:
    """A file setting every key of every section reads into exactly the records it describes."""
    path = write(tmp_path, FULL)
    expected = ProjectSettings(
        building=Building("办公楼", 10000.0, "residential", "hot_summer_cold_winter", "shanghai", 70.0),
        transport=Transport("road_diesel_30t", 25.5, 300.0),
        construction=EnergyUse(120000.0, 8000.0, 500.0, 10.0, 25.0),
        demolition=EnergyUse(diesel_kg=3000.0, estimate_kgco2e_per_m2=5.5),
        operation=Operation(500000.0, 12000.0, 900.0, 110.0, 50000.0, 20000.0, 1500.0, "east-2023", 45.0),
        scope=Scope(False, False, False, False, False, False, True),
        offsets=Offsets(100000.0),
        materials=(
            MaterialOverride("C30混凝土", 15.0, "road_diesel_46t", 0.3, True, 100.0, 0.9),
            MaterialOverride("岩棉板", service_life_years=25.0),
        ),
        source=str(path),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    assert load_settings(path) == expected


def test_every_record_field_has_a_rule() -> None:
    """The checker knows every field of every record, and nothing else (a new field needs a rule)."""
    for name, (cls, rules) in project._SECTIONS.items():
        assert set(rules) == {f.name for f in dataclasses.fields(cls)}, name
    assert set(project._MATERIAL_RULES) == {f.name for f in dataclasses.fields(MaterialOverride)}
    sections = {f.name for f in dataclasses.fields(ProjectSettings)} - {"materials", "source", "sha256"}
    assert set(project._SECTIONS) == sections


def test_integers_are_floats_and_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    """`design_life_years = 60` reads as 60.0 (a float); an empty file gives the defaults plus its hash."""
    settings = load_settings(write(tmp_path, "[building]\ndesign_life_years = 60\n"))
    assert settings.building.design_life_years == 60.0
    assert isinstance(settings.building.design_life_years, float)
    empty = load_settings(write(tmp_path, "", "empty.toml"))
    assert dataclasses.replace(empty, source=None, sha256=None) == ProjectSettings()
    assert empty.sha256 == hashlib.sha256(b"").hexdigest()


def test_defaults_of_the_method_are_not_set_here() -> None:
    """The design life, the [transport] defaults and the grid factor are None ("not set by the project
    file"): the life-cycle stage takes them from the method file (50 a, road_diesel_18t, 40 / 500 km)
    and the grid factor by location. Public building, scope all in, D off."""
    s = ProjectSettings()
    assert (s.building.design_life_years, s.building.building_type) == (None, "public")
    assert (s.transport.default_mode, s.transport.concrete_km, s.transport.other_km) == (None, None, None)
    assert s.operation.grid_factor is None
    assert s.scope.include_embodied and s.scope.include_replacements and not s.scope.include_module_d
    assert (s.materials, s.source, s.sha256) == ((), None, None)


def test_a_missing_key_is_none_and_a_given_key_wins(tmp_path: Path) -> None:
    """A file setting only other_km and the grid factor: those keys as written, the others None."""
    path = write(tmp_path, '[transport]\nother_km = 300\n[operation]\ngrid_factor = "north-2023"\n')
    s = load_settings(path)
    assert s.transport == Transport(default_mode=None, concrete_km=None, other_km=300.0)
    assert s.building.design_life_years is None
    assert s.operation.grid_factor == "north-2023"


def test_the_example_project_file_loads() -> None:
    """examples/embodied.toml: 192 m² (12 m × 8 m × 2 storeys), Beijing, 19 200 kWh/a less 2 000 kWh/a PV."""
    s = load_settings(EXAMPLE)
    assert s.building.gross_floor_area_m2 == 12 * 8 * 2 == 192
    assert (s.building.building_type, s.building.climate_zone, s.building.province) == (
        "public",
        "cold",
        "beijing",
    )
    assert s.building.design_life_years == 50.0
    assert s.transport == Transport("road_diesel_18t", 40.0, 500.0)  # written out in the example
    assert s.construction == EnergyUse(estimate_kgco2e_per_m2=20.0)
    assert s.demolition == EnergyUse()
    assert (s.operation.electricity_kwh, s.operation.onsite_renewable_kwh) == (192 * 100, 2000.0)
    assert s.operation.grid_factor == "national-2023"
    assert s.scope == Scope()
    assert s.override_for("岩棉板") == MaterialOverride("岩棉板", service_life_years=25.0)
    assert s.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()


def test_lenient_spellings_of_choices(tmp_path: Path) -> None:
    """Choices ignore case, spaces and hyphens and accept their Chinese names."""
    path = write(tmp_path, '[building]\nbuilding_type = "住宅"\nclimate_zone = "Hot summer-cold winter"\n')
    assert load_settings(path).building.building_type == "residential"
    assert load_settings(path).building.climate_zone == "hot_summer_cold_winter"
    path = write(tmp_path, '[building]\nbuilding_type = "公共建筑"\nclimate_zone = "严寒地区"\n')
    assert (load_settings(path).building.building_type, load_settings(path).building.climate_zone) == (
        "public",
        "severe_cold",
    )


@pytest.mark.parametrize(
    ("written", "slug"),
    [
        ("北京", "beijing"),
        ("北京市", "beijing"),
        ("beijing", "beijing"),
        ("Beijing", "beijing"),
        ("BEIJING SHI", "beijing"),
        ("广东省", "guangdong"),
        ("Guangdong", "guangdong"),
        ("Guangdong Province", "guangdong"),
        ("内蒙古自治区", "inner_mongolia"),
        ("Inner Mongolia", "inner_mongolia"),
        ("neimenggu", "inner_mongolia"),
        ("新疆维吾尔自治区", "xinjiang"),
        ("广西壮族自治区", "guangxi"),
        ("宁夏回族自治区", "ningxia"),
        ("陕西", "shaanxi"),
        ("山西省", "shanxi"),
        ("重庆市", "chongqing"),
        ("西藏自治区", "xizang"),  # no provincial factor: known from grid_regions.csv, national by default
        ("Tibet", "xizang"),
        ("Xizang", "xizang"),
    ],
)
def test_province_spellings_fold_to_the_grid_slug(tmp_path: Path, written: str, slug: str) -> None:
    """Chinese, pinyin and English province names give the slug of the mee_nbs grid ids."""
    path = write(tmp_path, f'[building]\nprovince = "{written}"\n')
    assert load_settings(path).building.province == slug


def test_every_provincial_grid_row_is_reachable_by_its_names() -> None:
    """Each of the 30 provincial factors in energy_cn.csv is found from its Chinese and its English name."""
    with (DEFAULT_ROOT / "factors" / "energy_cn.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["name_zh"].startswith("省级")]
    slugs = {r["factor_id"].rsplit(":", 1)[1] for r in rows}
    assert len(slugs) == 30
    for row in rows:
        slug = row["factor_id"].rsplit(":", 1)[1]
        zh = row["name_zh"].split("（")[1].split("，")[0]
        assert project._province_slug(zh) == slug
        assert project._province_slug(row["name_en"].split(" provincial")[0]) == slug


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ('"national-2023"', "national-2023"),
        ('"North-2022"', "north-2022"),
        ('"beijing-2023"', "beijing-2023"),
        ('"mee_nbs:grid_2023:east"', "east-2023"),
        ("0.5306", 0.5306),
        ("1", 1.0),
    ],
)
def test_grid_factor_is_a_key_or_a_number(tmp_path: Path, written: str, stored: str | float) -> None:
    """grid_factor: a key of a mee_nbs grid row (the full id also works) or a number in kgCO2/kWh."""
    path = write(tmp_path, f"[operation]\ngrid_factor = {written}\n")
    assert load_settings(path).operation.grid_factor == stored


def test_grid_factor_province_with_a_province(tmp_path: Path) -> None:
    """grid_factor = "province" is accepted when building.province is given."""
    path = write(tmp_path, '[building]\nprovince = "北京"\n[operation]\ngrid_factor = "province"\n')
    settings = load_settings(path)
    assert (settings.building.province, settings.operation.grid_factor) == ("beijing", "province")


def test_transport_mode_by_full_factor_id(tmp_path: Path) -> None:
    """A transport mode may be written as its gbt51366:E id."""
    path = write(tmp_path, '[transport]\ndefault_mode = "gbt51366:E:rail_average"\n')
    assert load_settings(path).transport.default_mode == "rail_average"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 file saved with a BOM (Windows editors) reads; the hash is of the bytes as stored."""
    path = tmp_path / "embodied.toml"
    path.write_bytes("\ufeff[building]\nprovince = '北京'\n".encode())
    settings = load_settings(path)
    assert settings.building.province == "beijing"
    assert settings.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_override_for_exact_then_folded() -> None:
    """override_for: the exact name first, then ignoring case, width and outer spaces; else None."""
    upper, lower = MaterialOverride("Rock Wool", service_life_years=25), MaterialOverride("rock wool")
    settings = ProjectSettings(materials=(upper, lower))
    assert settings.override_for("rock wool") is lower
    assert settings.override_for("Rock Wool") is upper
    assert settings.override_for(" ＲＯＣＫ wool ") is upper
    assert settings.override_for("岩棉板") is None


# -- finding the file --------------------------------------------------------------------------------


def test_find_settings_beside_the_model_explicit_or_defaults(tmp_path: Path) -> None:
    """find_settings: the explicit file wins, else embodied.toml beside the model, else the defaults."""
    model = tmp_path / "model.ifc"
    assert find_settings(model, None) == ProjectSettings()
    beside = write(tmp_path, "[building]\ngross_floor_area_m2 = 100\n")
    found = find_settings(model, None)
    assert (found.building.gross_floor_area_m2, found.source) == (100.0, str(beside))
    explicit = write(tmp_path, "[building]\ngross_floor_area_m2 = 200\n", "other.toml")
    chosen = find_settings(model, explicit)
    assert (chosen.building.gross_floor_area_m2, chosen.source) == (200.0, str(explicit))
    assert chosen.sha256 == hashlib.sha256(explicit.read_bytes()).hexdigest()


def test_an_explicit_file_must_exist(tmp_path: Path) -> None:
    """--config naming a missing file is a ConfigError, an InputError (which the CLI maps to exit code 2)."""
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        find_settings(tmp_path / "model.ifc", missing)
    assert caught.value.message == f"{missing}: file not found"
    assert isinstance(caught.value, InputError)


# -- errors: file, line, dotted key, problem ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        pytest.param(
            """
            [building]
            name = "a"
            gross_floor_area_m2 = 19 2
            """,
            "3: building.gross_floor_area_m2: TOML syntax error: "
            "Expected newline or end of document after a statement (column 26)",
            None,
            id="syntax",
        ),
        pytest.param(
            """
            [building]
            name = "a"
            name = "b"
            """,
            "3: building.name: TOML syntax error: Cannot overwrite a value (column 11)",
            "a key may be set only once in a table",
            id="syntax-duplicate-key",
        ),
        pytest.param(
            """
            [building]
            name = "a"

            [opration]
            electricity_kwh = 1
            """,
            "4: opration: unknown section",
            "did you mean [operation]?",
            id="unknown-section",
        ),
        pytest.param(
            """
            # the sample
            [building]
            name = "a"
            gross_floor_area = 192
            """,
            "4: building.gross_floor_area: unknown key",
            "did you mean gross_floor_area_m2?",
            id="unknown-key",
        ),
        pytest.param(
            """
            [transport]
            concrete_km = 40
            other_km = "500 km"
            """,
            '3: transport.other_km: expected a number (km), got string "500 km"',
            None,
            id="wrong-type-string",
        ),
        pytest.param(
            """
            [building]
            design_life_years = true
            """,
            "2: building.design_life_years: expected a number (years), got boolean true",
            None,
            id="wrong-type-bool-is-no-number",
        ),
        pytest.param(
            """
            [scope]
            include_operation = true
            include_embodied = 0
            """,
            "3: scope.include_embodied: expected true or false, got integer 0",
            None,
            id="wrong-type-number-is-no-bool",
        ),
        pytest.param(
            """
            [building]
            gross_floor_area_m2 = 0
            """,
            "2: building.gross_floor_area_m2: must be > 0 (m²), got 0",
            None,
            id="out-of-range-area",
        ),
        pytest.param(
            """
            [building]
            design_life_years = 250
            """,
            "2: building.design_life_years: must be > 0 and ≤ 200 (years), got 250",
            None,
            id="out-of-range-life",
        ),
        pytest.param(
            """
            [operation]
            electricity_kwh = -5
            """,
            "2: operation.electricity_kwh: must be ≥ 0 (kWh/a), got -5",
            None,
            id="out-of-range-negative",
        ),
        pytest.param(
            """
            [operation]
            electricity_kwh = nan
            """,
            "2: operation.electricity_kwh: must be a finite number, got nan",
            None,
            id="not-finite",
        ),
        pytest.param(
            """
            [operation]
            grid_factor = 530.6
            """,
            "2: operation.grid_factor: must be > 0 and ≤ 2 (kgCO2/kWh), got 530.6",
            "a grid factor is in kgCO2/kWh (0.5306, not 530.6 g/kWh)",
            id="out-of-range-grid-factor",
        ),
        pytest.param(
            """
            [building]
            climate_zone = "cool"
            """,
            '2: building.climate_zone: unknown value "cool"',
            "did you mean cold?",
            id="bad-enum",
        ),
        pytest.param(
            """
            [building]
            building_type = "office"
            """,
            '2: building.building_type: unknown value "office"',
            "one of: public, residential",
            id="bad-enum-listed",
        ),
        pytest.param(
            """
            [building]
            province = "Peking"
            """,
            '2: building.province: unknown province "Peking" (not in energy_cn.csv or grid_regions.csv)',
            "did you mean beijing?",
            id="unknown-province",
        ),
        pytest.param(
            """
            [operation]
            grid_factor = "east-2025"
            """,
            '2: operation.grid_factor: unknown grid-factor key "east-2025"',
            "did you mean east-2023?",
            id="unknown-grid-key",
        ),
        pytest.param(
            """
            [operation]
            grid_factor = "province"
            """,
            '2: operation.grid_factor: "province" needs building.province',
            None,
            id="province-grid-needs-province",
        ),
        pytest.param(
            """
            [operation]
            electricity_kwh = 100
            district_heat_gj = 50
            """,
            "3: operation.district_heat_gj: needs operation.district_heat_factor_kgco2_per_gj "
            "(GB/T 51366 gives no heat factor)",
            None,
            id="heat-needs-its-factor",
        ),
        pytest.param(
            """
            [building]
            name = "a"
            [building.site]
            area = 5
            """,
            "3: building.site: unknown key",
            "keys of [building]: name, gross_floor_area_m2, building_type, climate_zone, province, "
            "design_life_years",
            id="unknown-subtable",
        ),
        pytest.param(
            """
            electricity_kwh = 100
            """,
            "1: electricity_kwh: unknown key",
            "a key of [construction]: write it under [construction]",
            id="key-outside-any-section",
        ),
        pytest.param(
            """
            building = "office"
            """,
            '1: building: expected a table ([building]), got string "office"',
            None,
            id="section-not-a-table",
        ),
        pytest.param(
            """
            [[materials]]
            material = "C30混凝土"
            transport_km = 20

            [[materials]]
            material = "岩棉板"
            service_life = 25
            """,
            "7: materials[2].service_life: unknown key",
            "did you mean service_life_years?",
            id="unknown-key-in-second-material",
        ),
        pytest.param(
            """
            [[materials]]
            material = "岩棉板"
            service_life_years = 25

            [[materials]]
            material = "C30混凝土"

            [[materials]]
            material = "岩棉板"
            transport_km = 100
            """,
            '9: materials[3].material: duplicate override for material "岩棉板" (first at line 2)',
            "one [[materials]] entry per material",
            id="duplicate-material",
        ),
        pytest.param(
            """
            [[materials]]
            material = "岩棉板"
            recycled_share = 30
            """,
            "3: materials[1].recycled_share: must be between 0 and 1, got 30",
            "a share is a fraction: 0.3 for 30 %",
            id="share-out-of-range",
        ),
        pytest.param(
            """
            [[materials]]
            transport_km = 100
            """,
            '1: materials[1]: missing key "material" (the material name as the model writes it)',
            None,
            id="material-without-name",
        ),
        pytest.param(
            """
            [[materials]]
            material = "再生骨料"
            recycled_low_value = true
            """,
            "3: materials[1].recycled_low_value: needs recycled_share (the share it applies to)",
            None,
            id="low-value-needs-share",
        ),
        pytest.param(
            """
            [materials]
            material = "岩棉板"
            """,
            "1: materials: expected an array of tables ([[materials]]), got a table",
            None,
            id="materials-not-an-array",
        ),
    ],
)
def test_each_problem_names_file_line_and_key(
    tmp_path: Path, text: str, message: str, hint: str | None
) -> None:
    """The message is `file:line: dotted.key: problem`, the hint says what was meant or what is allowed."""
    path = write(tmp_path, text)
    error = error_of(path)
    assert (error.message, error.hint) == (f"{path}:{message}", hint)
    assert error.problems == (error.message,)


def test_unknown_transport_mode_lists_the_modes(tmp_path: Path) -> None:
    """An unknown mode; with nothing close, the hint lists the Table E.0.1 modes."""
    path = write(tmp_path, '[transport]\ndefault_mode = "truck"\n')
    error = error_of(path)
    assert error.message == f'{path}:2: transport.default_mode: unknown transport mode "truck"'
    assert error.hint is not None and error.hint.startswith("known: road_gasoline_2t, road_gasoline_8t")
    assert "road_diesel_18t" in error.hint and "ship_container_200teu" in error.hint


def test_an_unclosed_value_is_reported_on_the_last_line_with_its_key(tmp_path: Path) -> None:
    """An array left open runs to the end of the file: the last written line, the key that opened it."""
    path = write(tmp_path, "[operation]\nelectricity_kwh = [1,\n2\n\n\n")
    assert error_of(path).message == (
        f"{path}:3: operation.electricity_kwh: TOML syntax error: Unclosed array at the end of the file"
    )


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    """Bytes that are not UTF-8: the line of the first bad byte."""
    path = tmp_path / "embodied.toml"
    path.write_bytes(b'[building]\nname = "' + "办公楼".encode("gbk") + b'"\n')
    error = error_of(path)
    assert (error.message, error.hint) == (f"{path}:2: not UTF-8 text", "save the file as UTF-8")


def test_every_problem_at_once_in_file_order(tmp_path: Path) -> None:
    """All problems of a file are reported together, one line each (with its hint), sorted by line."""
    path = write(
        tmp_path,
        """
        [scope]
        include_module_d = "yes"

        [building]
        gross_floor_area_m2 = -1
        province = "北京"

        [[materials]]
        material = "岩棉板"
        service_life_yeras = 25
        """,
    )
    error = error_of(path)
    assert error.problems == (
        f'{path}:2: scope.include_module_d: expected true or false, got string "yes"',
        f"{path}:5: building.gross_floor_area_m2: must be > 0 (m²), got -1",
        f"{path}:10: materials[1].service_life_yeras: unknown key",
    )
    assert error.message.splitlines() == [
        error.problems[0],
        error.problems[1],
        f"{error.problems[2]} (did you mean service_life_years?)",
    ]
    assert error.hint is None


def test_lines_of_inline_tables_and_dotted_keys(tmp_path: Path) -> None:
    """Keys written in an inline table or as dotted keys are placed on their own line."""
    path = write(
        tmp_path,
        """
        transport.concrete_km = 40
        building = { name = "a", gross_floor_area_m2 = -3 }
        transport.other_km = -1
        """,
    )
    assert error_of(path).problems == (
        f"{path}:2: building.gross_floor_area_m2: must be > 0 (m²), got -3",
        f"{path}:3: transport.other_km: must be ≥ 0 (km), got -1",
    )


def test_a_multiline_string_does_not_confuse_the_line_scanner(tmp_path: Path) -> None:
    """Text inside a multi-line string that looks like a key is not taken for one."""
    path = write(
        tmp_path,
        '''
        [building]
        name = """
        gross_floor_area_m2 = 5
        """
        gross_floor_area_m2 = -5
        ''',
    )
    assert error_of(path).message == f"{path}:5: building.gross_floor_area_m2: must be > 0 (m²), got -5"
