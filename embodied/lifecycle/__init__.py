"""Life-cycle stage: matched materials and project settings to EN 15978 modules and GB/T 51366 stages.

    result = calculate(match, db, settings, floor_area=(1234.5, "Σ IfcSpace areas"))
    result.lines          # one ImpactLine per computed number, its arithmetic in .formula
    result.modules        # "A1-A3" ... "D" -> kgCO2e, None when not declared or excluded
    result.stages         # GB/T 51366 stages; result.beside_gbt: B4 and D

- ``materials``    A1-A3, A4, B4 and D lines of each matched material;
- ``energy``       A5, B6, C1 and green-power lines; the grid factor;
- ``zero_carbon``  the draft zero-carbon standard's tiers and the GB 55015 check;
- ``data``         service_lives.csv and the two rule files of material_db/methods;
- ``engine``       the composer: scope switches, roll-up, totals, problems;
- ``results``      the records (ImpactLine, SwitchEffect, TierCheck, LifecycleResult).

No I/O besides reading the data files of the factor database (cached per folder).
"""

from embodied.lifecycle.data import LifecycleData, check_data, load_data
from embodied.lifecycle.engine import calculate
from embodied.lifecycle.results import ImpactLine, LifecycleResult, SwitchEffect, TierCheck

__all__ = [
    "ImpactLine",
    "LifecycleData",
    "LifecycleResult",
    "SwitchEffect",
    "TierCheck",
    "calculate",
    "check_data",
    "load_data",
]
