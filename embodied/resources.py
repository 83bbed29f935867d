"""Where the package's data, templates and schemas are.

``material_db/`` (the factor database), ``templates/`` (the report templates and labels) and
``schemas/`` (the JSON Schema of the report) live at the top of the source tree. A wheel carries them
inside the package, as ``embodied/_data/<name>`` (pyproject.toml, ``force-include``); an editable
install from the checkout reads them where they are. All are found here, once, through
``importlib.resources``::

    from embodied.resources import MATERIAL_DB, SCHEMAS, TEMPLATES
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _find(name: str) -> Path:
    """The packaged copy of `name` (an installed wheel), else the checkout's (an editable install)."""
    packaged = Path(str(files("embodied").joinpath("_data", name)))
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise RuntimeError(
        f"embodied is installed without its {name}/ (looked in {packaged} and {checkout}): "
        "reinstall it from a wheel built with the project's pyproject.toml"
    )


MATERIAL_DB = _find("material_db")
TEMPLATES = _find("templates")
SCHEMAS = _find("schemas")  # the published JSON Schema of the report (schemas/report.schema.json)
