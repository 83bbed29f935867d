"""The factor database (material_db/) and user packs: emission factors with their sources.

    db = load()                       # the shipped database; DatabaseError lists every problem
    db = load(packs=[Path("epd.csv")])
    problems = check()                # the same checks as records, nothing raised
    db.factors["gbt51366:D:concrete_c30"].gwp_kgco2e_per_unit   # 295.0, kgCO2e per m3
    db.density_for(factor)            # (2400.0, "densities.csv:concrete (gb50009_2012)")

The numbers live in material_db/ (CSV + YAML, described by datapackage.yaml); this package only
reads and checks them.
"""

from embodied.factors.db import FactorDB, category_keywords, check, data_version, load
from embodied.factors.packs import UserPack, read_pack
from embodied.factors.recipes import recompute
from embodied.factors.schema import (
    DEFAULT_ROOT,
    Alias,
    CategoryKeyword,
    DataProblem,
    Density,
    Factor,
    Source,
)

__all__ = [
    "DEFAULT_ROOT",
    "Alias",
    "CategoryKeyword",
    "DataProblem",
    "Density",
    "Factor",
    "FactorDB",
    "Source",
    "UserPack",
    "category_keywords",
    "check",
    "data_version",
    "load",
    "read_pack",
    "recompute",
]
