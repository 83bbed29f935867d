"""Project settings: the project file (``embodied.toml``) read into frozen records, checked with clear errors.

    settings = find_settings(Path("model.ifc"), explicit=None)   # --config FILE, else embodied.toml
                                                                 # beside the model, else the defaults
    settings = load_settings(Path("embodied.toml"))
    settings.building.province          # "beijing": the grid-factor slug, however the file wrote it
    settings.override_for("岩棉板")     # its [[materials]] entry, or None

Every problem is a ``ConfigError`` whose message reads ``<file>:<line>: <dotted.key>: <problem>``,
one line per problem in file order (all problems of a file are reported at once); the hint says
"did you mean" or lists what is allowed.

Province names, grid-factor keys and transport modes are checked against material_db/factors (the
MEE/NBS grid rows of energy_cn.csv, the Table E.0.1 rows of gbt51366_2019.csv): no second list here.

A key the file leaves out is None ("not set by the project file") when its default is a number of
the method: the design life and the [transport] defaults come from the method file of the database
(methods/gbt51366_2019.yaml, read by embodied/lifecycle/defaults.py), the grid factor by location
(embodied/lifecycle/energy.py); the calculation lists every default it took.

``editing`` is the project file edited from a form (``embodied serve``): its keys as fields, a form's
values written back with every comment kept, the edited text checked before it is saved.

``settings`` holds the records, ``reader`` the rule-based reader of a settings file (also used by the
park file), ``places`` the province names, grid keys and transport modes, ``loading`` the sections
of the project file and where it is found.
"""

from __future__ import annotations

from embodied.project.editing import FormField, FormSection, form_fields, set_values, validate_text
from embodied.project.loading import MATERIAL_RULES, PROJECT_FILE, SECTIONS, find_settings, load_settings
from embodied.project.places import province_slug
from embodied.project.reader import SHARE, TEXT, Reader, Rule, describe, number, read_text, read_toml, suggest
from embodied.project.settings import (
    Building,
    EnergyUse,
    MaterialOverride,
    Offsets,
    Operation,
    PlausibilitySettings,
    ProjectSettings,
    Scope,
    SignOff,
    Transport,
)

# The names tests/test_project.py reads from this package: the rules of each section, the province lookup.
_SECTIONS, _MATERIAL_RULES, _province_slug = SECTIONS, MATERIAL_RULES, province_slug

__all__ = [
    "PROJECT_FILE",
    "SHARE",
    "TEXT",
    "Building",
    "EnergyUse",
    "FormField",
    "FormSection",
    "MaterialOverride",
    "Offsets",
    "Operation",
    "PlausibilitySettings",
    "ProjectSettings",
    "Reader",
    "Rule",
    "Scope",
    "SignOff",
    "Transport",
    "describe",
    "find_settings",
    "form_fields",
    "load_settings",
    "number",
    "read_text",
    "read_toml",
    "set_values",
    "suggest",
    "validate_text",
]
