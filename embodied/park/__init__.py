"""A park of buildings: every building calculated as a Dask task, one park report from their outcomes.

    config.py   park.toml: the park's name and renewable target, its own renewables, each building's
                project file (checked like embodied.toml: file:line: key: problem)
    run.py      building_task (one building, picklable in and out), the cluster, run_park
    model.py    BuildingOutcome, ParkReport and build_park (sums of the buildings' report totals)
    render.py   JSON, Excel, HTML (templates/park/) and PDF of the park report

Library use (the CLI's ``embodied park`` only wires this)::

    from embodied.park import run_park
    result = run_park([Path("site/")], outdir=Path("out"), workers=2, formats=("json",))
    result.report.total_kgco2e, [b.error for b in result.failed], result.seconds
"""

from __future__ import annotations

from embodied.park.config import ParkConfig, find_park_config, load_park_config
from embodied.park.model import BuildingOutcome, ParkReport, build_park
from embodied.park.render import PARK_FORMATS, document, write_park
from embodied.park.run import BuildingSpec, ParkResult, building_task, collect_models, park_cluster, run_park

__all__ = [
    "PARK_FORMATS",
    "BuildingOutcome",
    "BuildingSpec",
    "ParkConfig",
    "ParkReport",
    "ParkResult",
    "build_park",
    "building_task",
    "collect_models",
    "document",
    "find_park_config",
    "load_park_config",
    "park_cluster",
    "run_park",
    "write_park",
]
