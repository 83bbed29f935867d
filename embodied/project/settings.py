"""The project settings as frozen records: one per section of ``embodied.toml``, and `ProjectSettings`
holding them all with the ``[[materials]]`` overrides and the file they came from. A field the file
leaves out keeps its default here; None means "not set by the project file" wherever the default is
a number of the method (the calculation takes it from the database and lists it).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Building:
    name: str | None = None
    gross_floor_area_m2: float | None = None  # > 0; None: derived from the model
    building_type: Literal["public", "residential"] = "public"
    climate_zone: (
        Literal["severe_cold", "cold", "hot_summer_cold_winter", "hot_summer_warm_winter", "mild"] | None
    ) = None
    province: str | None = None  # the grid-id slug ("beijing"); the file may write 北京, 北京市, Beijing
    design_life_years: float | None = None  # > 0, <= 200; None: the method file's (GB/T 51366 §4.1)


@dataclass(frozen=True, slots=True)
class SignOff:
    """The ``[project]`` section: who the report is for, who made it and who signs it off (the cover's
    sign-off block). None: not given; the report shows a dash, never a made-up name."""

    client: str | None = None  # 建设单位
    designer: str | None = None  # 设计单位
    address: str | None = None  # 项目地址
    author: str | None = None  # 编制人
    checker: str | None = None  # 校对
    reviewer: str | None = None  # 审核
    approver: str | None = None  # 审定
    issue_date: str | None = None  # 出具日期, ISO 8601 (2026-12-04)


@dataclass(frozen=True, slots=True)
class Transport:
    """Project-wide transport (A4); None: the method file's default (transport_default_mode, _km)."""

    default_mode: str | None = None  # slug of a gbt51366:E:<slug> factor
    concrete_km: float | None = None  # >= 0
    other_km: float | None = None  # >= 0


@dataclass(frozen=True, slots=True)
class EnergyUse:
    """Energy of the construction (A5) or demolition (C1) stage, the whole stage."""

    electricity_kwh: float | None = None
    diesel_kg: float | None = None
    gasoline_kg: float | None = None
    natural_gas_m3: float | None = None
    estimate_kgco2e_per_m2: float | None = None  # user-entered, non-normative; used only if no energy given


@dataclass(frozen=True, slots=True)
class Operation:
    """Annual operation (B6)."""

    electricity_kwh: float | None = None
    natural_gas_m3: float | None = None
    district_heat_gj: float | None = None
    district_heat_factor_kgco2_per_gj: float | None = None  # GB/T 51366 gives none: required with heat
    onsite_renewable_kwh: float | None = None
    green_power_kwh: float | None = None
    carbon_sink_kgco2_per_year: float | None = None  # C_p
    grid_factor: str | float | None = None  # "<slug>-<year>" of a mee_nbs:grid_<year>:<slug> row,
    # "province" (building.province's latest factor), or a number in kgCO2/kWh; None: by location
    # (building.province's latest provincial, else regional, else the national factor)
    baseline_kgco2_per_m2a: float | None = None  # for the GB 55015 check (user supplied)


@dataclass(frozen=True, slots=True)
class Scope:
    include_embodied: bool = True
    include_transport: bool = True
    include_construction: bool = True
    include_operation: bool = True
    include_demolition: bool = True
    include_replacements: bool = True  # B4 (beside GB/T 51366)
    include_module_d: bool = False


@dataclass(frozen=True, slots=True)
class Offsets:
    """Reported separately, never netted into the gross."""

    carbon_credits_kgco2e: float | None = None


@dataclass(frozen=True, slots=True)
class PlausibilitySettings:
    """Plausibility checks of the whole building (intensity_range, floor_area_consistency) that the
    user has looked at and confirms, and why; they stay listed in the report, marked confirmed."""

    confirm: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class MaterialOverride:
    """One ``[[materials]]`` entry, keyed by the material name as the model writes it."""

    material: str
    transport_km: float | None = None
    transport_mode: str | None = None
    recycled_share: float | None = None  # 0..1 of the material that is recycled feedstock
    recycled_low_value: bool = False  # low-value waste: upstream emissions ignored (factor 0)
    service_life_years: float | None = None  # > 0
    recyclable_share: float | None = None  # 0..1 recovered at end of life (module D credit)


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    building: Building = Building()
    project: SignOff = SignOff()
    transport: Transport = Transport()
    construction: EnergyUse = EnergyUse()
    demolition: EnergyUse = EnergyUse()
    operation: Operation = Operation()
    scope: Scope = Scope()
    offsets: Offsets = Offsets()
    plausibility: PlausibilitySettings = PlausibilitySettings()
    materials: tuple[MaterialOverride, ...] = ()
    source: str | None = None  # path of the file read, None for the defaults
    sha256: str | None = None  # of the file's bytes

    def override_for(self, material: str) -> MaterialOverride | None:
        """The entry for a model material: the exact name, else ignoring case, width and outer spaces."""
        for entry in self.materials:
            if entry.material == material:
                return entry
        key = name_key(material)
        return next((entry for entry in self.materials if name_key(entry.material) == key), None)


def name_key(material: str) -> str:
    """A material name with case, width and outer spaces ignored (how overrides are matched)."""
    return unicodedata.normalize("NFKC", material).strip().casefold()
