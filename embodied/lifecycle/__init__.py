"""Life-cycle stage: matched materials and project settings to EN 15978 modules and GB/T 51366 stages.

    result = calculate(match, db, settings, floor_area=(1234.5, "Σ IfcSpace areas"))
    result.lines          # one ImpactLine per computed number, its arithmetic in .formula
    result.modules        # all 15 EN 15978 modules "A1-A3" ... "D" -> kgCO2e, None when not declared,
                          # not covered by GB/T 51366 or excluded; result.module_notes says which
    result.stages         # GB/T 51366 stages; result.beside_gbt: B4 and D
    result.defaults_used  # the settings the project file left out and the defaults taken
    result.grid           # the grid factor used and how it was chosen

- ``materials``    A1-A3, A4, B4 and D lines of each matched material;
- ``energy``       A5, B6, C1 and green-power lines; the grid factor (given, or by location);
- ``defaults``     the method file's defaults of the design life and the [transport] keys;
- ``zero_carbon``  the draft zero-carbon standard's tiers and the GB 55015 check;
- ``data``         service_lives.csv, grid_regions.csv, substitutions.csv and the two rule files
                   of material_db/methods;
- ``engine``       the composer: scope switches, roll-up, totals, problems;
- ``results``      the records (ImpactLine, SwitchEffect, TierCheck, GridFactor, DefaultUsed,
                   LifecycleResult).

No I/O besides reading the data files of the factor database (cached per folder).
"""

from embodied.lifecycle.data import LifecycleData, check_data, load_data
from embodied.lifecycle.engine import calculate
from embodied.lifecycle.results import (
    DefaultUsed,
    GridFactor,
    ImpactLine,
    LifecycleResult,
    SwitchEffect,
    TierCheck,
)

__all__ = [
    "DefaultUsed",
    "GridFactor",
    "ImpactLine",
    "LifecycleData",
    "LifecycleResult",
    "SwitchEffect",
    "TierCheck",
    "calculate",
    "check_data",
    "load_data",
]
