"""Recipes of the derived factors (material_db/recipes.yaml): recompute a value from what it names.

A derived factor is our arithmetic on cited figures; its value is stored in the factor table and
must equal what its recipe gives (to 1e-9), so a changed input or a typo is caught by ``check``.

Methods (the arithmetic is written out in each recipe's ``formula`` as well):

- ``interpolate``: v1 + (x - x1) * (v2 - v1) / (x2 - x1), the two inputs carrying x; an x outside
  [x1, x2] is an extrapolation and the recipe must say ``extrapolated: true``;
- ``mix``: sum of quantity * gwp over the inputs, each quantity in its input's declared unit;
- ``proxy`` and ``convert``: quantity * gwp of a single input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from embodied.factors.schema import DataProblem, Factor, YamlDoc

METHODS = ("interpolate", "mix", "proxy", "convert")
REQUIRED = ("method", "declared_unit", "inputs", "formula", "source_id", "source_ref")
TOLERANCE = 1e-9


class RecipeError(ValueError):
    """A recipe that cannot be computed; the message says why."""


def recompute(recipe: Mapping[str, Any], factors: Mapping[str, Factor]) -> float:
    """The value a recipe gives, from the current values of the factors it names."""
    method = recipe.get("method")
    inputs = recipe.get("inputs")
    if not isinstance(inputs, list) or not inputs or not all(isinstance(i, dict) for i in inputs):
        raise RecipeError("inputs must be a non-empty list of mappings")
    if method == "interpolate":
        if len(inputs) != 2:
            raise RecipeError("interpolate takes exactly two inputs")
        (f1, x1), (f2, x2) = ((_factor(i, factors), _number(i, "x")) for i in inputs)
        if x1 == x2:
            raise RecipeError("the two inputs of an interpolation have the same x")
        x = _number(recipe, "x")
        return f1.gwp_kgco2e_per_unit + (x - x1) * (f2.gwp_kgco2e_per_unit - f1.gwp_kgco2e_per_unit) / (
            x2 - x1
        )
    if method in ("mix", "proxy", "convert"):
        if method != "mix" and len(inputs) != 1:
            raise RecipeError(f"{method} takes exactly one input")
        total = 0.0
        for item in inputs:
            factor = _factor(item, factors)
            if item.get("unit") != factor.declared_unit:
                raise RecipeError(
                    f"input {factor.factor_id}: unit {item.get('unit')!r} is not its declared unit "
                    f"{factor.declared_unit!r}"
                )
            total += _number(item, "quantity") * factor.gwp_kgco2e_per_unit
        return total
    raise RecipeError(f"method {method!r} is not one of {', '.join(METHODS)}")


def is_extrapolation(recipe: Mapping[str, Any]) -> bool:
    """Whether an interpolation recipe's x lies outside its two inputs' x."""
    xs = [_number(i, "x") for i in recipe["inputs"]]
    return not min(xs) <= _number(recipe, "x") <= max(xs)


def _factor(item: Mapping[str, Any], factors: Mapping[str, Factor]) -> Factor:
    factor_id = item.get("factor_id")
    if not isinstance(factor_id, str) or factor_id not in factors:
        raise RecipeError(f"input factor {factor_id!r} does not exist")
    return factors[factor_id]


def _number(item: Mapping[str, Any], key: str) -> float:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RecipeError(f"{key} must be a number, not {value!r}")
    return float(value)


def check_recipes(
    doc: YamlDoc,
    display: str,
    factors: Mapping[str, Factor],
    rows: Mapping[str, tuple[str, int | None]],
    sources: Mapping[str, object],
) -> list[DataProblem]:
    """Every derived factor has a recipe that recomputes its value, and every recipe has its factor.

    ``rows`` says where each factor is (display name, line), for the problems about its value.
    """
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        return [DataProblem(display, None, "must be a mapping of factor id -> recipe")]
    problems = [
        DataProblem(*rows[f.factor_id], "derived factor has no recipe in recipes.yaml")
        for f in factors.values()
        if f.data_type == "derived" and f.factor_id not in data
    ]
    for factor_id, recipe in data.items():
        line = doc.line(str(factor_id))
        factor = factors.get(str(factor_id))
        if factor is None or factor.data_type != "derived":
            what = "does not exist" if factor is None else f"is {factor.data_type}, not derived"
            problems.append(DataProblem(display, line, f"recipe for {factor_id}, which {what}"))
            continue
        if not isinstance(recipe, dict):
            problems.append(DataProblem(display, line, f"recipe of {factor_id} is not a mapping"))
            continue
        problems += [
            DataProblem(display, line, m) for m in _recipe_problems(factor, recipe, factors, sources)
        ]
        try:
            value = recompute(recipe, factors)
        except RecipeError as exc:
            problems.append(DataProblem(display, line, f"recipe of {factor_id}: {exc}"))
            continue
        if not math.isclose(value, factor.gwp_kgco2e_per_unit, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            message = f"{factor_id} is {factor.gwp_kgco2e_per_unit:g} but its recipe gives {value:.10g}"
            problems.append(DataProblem(*rows[factor.factor_id], message))  # the stored value is the suspect
    return problems


def _recipe_problems(
    factor: Factor, recipe: Mapping[str, Any], factors: Mapping[str, Factor], sources: Mapping[str, object]
) -> list[str]:
    name = factor.factor_id
    messages = [f"recipe of {name} lacks {key}" for key in REQUIRED if not recipe.get(key)]
    if recipe.get("declared_unit") not in (None, factor.declared_unit):
        messages.append(
            f"recipe of {name} is per {recipe['declared_unit']!r}, the factor per {factor.declared_unit!r}"
        )
    cited = [recipe.get("source_id")] + [
        i.get("quantity_source") for i in recipe.get("inputs") or () if isinstance(i, dict)
    ]
    messages += [
        f"recipe of {name} cites unknown source {s!r}" for s in cited if s is not None and s not in sources
    ]
    if recipe.get("method") == "interpolate":
        try:
            outside = is_extrapolation(recipe)
        except (RecipeError, KeyError, TypeError, AttributeError):
            return messages  # recompute reports the malformed inputs
        if bool(recipe.get("extrapolated")) != outside:
            messages.append(f"recipe of {name}: extrapolated must be {str(outside).lower()}")
    return messages
