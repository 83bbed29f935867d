"""Matching stage: each model material to an emission factor, explainably (see ``core``).

- ``normalize``  names to a comparable form; grade tokens (C30, HRB400, Q355B, M10 ...) parsed;
- ``rules``      grades, aliases and categories from material_db, and fuzzy suggestions; the kind a
                 name suggests (``category_of``, category_keywords.csv), for mass estimates and kinds;
- ``mapping``    the user's mapping file (material or classification -> factor id);
- ``kinds``      the kind (factor category) of a name, and suggestions that never leave it;
- ``defaults``   the declared default of a family named without grade (混凝土 -> C30), with the effect of
                 one grade up and down (grades.yaml ``defaults``);
- ``decide``     one material on one IFC class: mapping, rules, default, or suggestions;
- ``quantities`` one output row: its quantities in the factor's unit, where each mass came from, class
                 shares;
- ``coverage``   the share of the mass matched (GB/T 51366 §6.1), and the problems about it;
- ``core``       the composer: decides per material and IFC class, builds the rows, estimates rebar.
"""

from embodied.matching.core import MatchOptions, run

__all__ = ["MatchOptions", "run"]
