"""material_db is the only home of domain numbers: no number of the method file is written in the code.

Every numeric parameter of material_db/methods/gbt51366_2019.yaml (0.95 coverage share, 0.001 cut-off,
40 and 500 km, 50 a, 0.5 recycling shares, rebar ratios 80–180 kg/m³ …) is looked for among the numeric
literals of embodied/ (the abstract syntax tree: comments and docstrings do not count). A literal that
equals one is a failure unless it is listed below with why it is not that parameter."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
METHOD = REPO / "material_db" / "methods" / "gbt51366_2019.yaml"
TRIVIAL = {0.0, 1.0, 2.0, 3.0, 10.0, 100.0, 1000.0}  # counts and unit conversions, not parameters
# (file, value): why the literal there is not the method parameter of the same value
NOT_DOMAIN = {
    ("embodied/cli/db.py", 0.5): "difflib cutoff of close factor ids",
    ("embodied/matching/decide.py", 0.95): "confidence of a classification match",
    ("embodied/matching/core.py", 0.5): "confidence of the rebar estimate",
    ("embodied/matching/rules.py", 0.5): "alias confidence when grades.yaml gives no band",
    ("embodied/report/charts.py", 0.5): "chart layout",
    ("embodied/park/render.py", 0.5): "chart layout",
    ("embodied/park/render.py", 0.95): "chart layout",
    ("embodied/takeoff/geometry.py", 0.5): "seconds a geometry batch waits",
    ("embodied/takeoff/area.py", 0.5): "spaces must cover half the slab area to be used (take-off heuristic)",
    ("embodied/compare/render.py", 0.5): "chart layout (headroom above a zoomed waterfall)",
    ("embodied/compare/render.py", 40): "rows of the largest causes shown on the page",
    ("embodied/web/app.py", 500): "HTTP status 500 (internal server error)",
    ("embodied/web/pages.py", 50): "rapidfuzz score a close factor name needs to be offered",
    ("embodied/web/scene.py", 0.5): "mesher angular deflection of the 3D view (rad)",
}


def _numbers(node: Any) -> set[float]:
    if isinstance(node, dict):
        return set().union(*(_numbers(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_numbers(v) for v in node)) if node else set()
    if isinstance(node, int | float) and not isinstance(node, bool):
        return {float(node)}
    return set()


def test_no_method_parameter_is_a_literal_in_the_code() -> None:
    domain = _numbers(yaml.safe_load(METHOD.read_text(encoding="utf-8"))) - TRIVIAL
    assert {0.95, 0.001, 40.0, 500.0, 50.0} <= domain  # the file still holds what this test guards
    found = []
    for path in sorted((REPO / "embodied").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float):
                value = float(node.value)
                if value in domain and (name, value) not in NOT_DOMAIN:
                    found.append(f"{name}:{node.lineno}: {node.value}")
    assert found == [], "read these from the method file (FactorDB.parameter), not from a literal"
