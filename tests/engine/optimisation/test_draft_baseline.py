"""A drafted study's baseline ("current recipe") is the recipe's own amounts, not a batch's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.optimisation.draft import draft_study
from engine.optimisation.study import StudySpec
from engine.types import ModellingTable

ELEMENTS = ["C", "Ni", "Co", "Fe"]


def _tables(recipe_fe_offset: float = 0.0) -> tuple[ModellingTable, pd.DataFrame]:
    """Heats as weighed (the table) and the same rows with their grades' nominal amounts.

    Every grade is made once, except GR-7 (three heats: the baseline). Weighed amounts differ
    from the grade's by up to 2 %."""
    rng = np.random.default_rng(5)
    grades = [f"GR-{i}" for i in range(30)] + ["GR-7", "GR-7"]
    nominal = pd.DataFrame({"batch_id": [f"H{i:03d}" for i in range(len(grades))],
                            "recipe_id": grades})
    by_grade = pd.DataFrame({"C": rng.uniform(0.05, 0.4, 30).round(3),
                             "Ni": rng.uniform(1.0, 18.0, 30).round(2),
                             "Co": rng.uniform(1.0, 12.0, 30).round(2)},
                            index=[f"GR-{i}" for i in range(30)])
    nominal = nominal.join(by_grade, on="recipe_id")
    nominal["Fe"] = 100.0 - nominal[["C", "Ni", "Co"]].sum(axis=1) + recipe_fe_offset
    weighed = nominal.copy()
    weighed[["C", "Ni", "Co"]] *= rng.uniform(0.98, 1.02, (len(weighed), 3))
    weighed["Fe"] = 100.0 - weighed[["C", "Ni", "Co"]].sum(axis=1)
    weighed["yield_strength"] = 900 + 40 * weighed["Ni"]
    table = ModellingTable(frame=weighed, id_columns=("batch_id", "recipe_id"),
                           group_column="recipe_id", age_column=None, time_column=None,
                           input_columns=tuple(ELEMENTS), categorical_columns=(),
                           target_columns=("yield_strength",),
                           units={**dict.fromkeys(ELEMENTS, "wt%"), "yield_strength": "MPa"})
    return table, nominal


def _draft(table: ModellingTable, recipes: pd.DataFrame | None) -> StudySpec:
    catalogue = pd.DataFrame({"material": ELEMENTS, "kind": "element", "currency": "USD",
                              "density_kg_m3": np.nan})
    spec = StudySpec.from_dict(draft_study(table, ELEMENTS, ["yield_strength"], catalogue,
                                           recipes=recipes))
    spec.check()
    return spec


def test_the_baseline_is_the_recipes_own_amounts_not_its_latest_heats() -> None:
    table, nominal = _tables()
    spec = _draft(table, nominal)
    assert spec.baseline is not None
    assert spec.baseline.name == "GR-7 (made most often)"  # closes at 100 wt %: no note
    grade = nominal[nominal["recipe_id"] == "GR-7"].iloc[0]
    for element in ("C", "Ni", "Co"):
        assert spec.baseline.values[element] == grade[element]
    heat = table.frame[table.frame["recipe_id"] == "GR-7"].iloc[-1]
    assert spec.baseline.values["Ni"] != heat["Ni"]  # the weighed heat differs
    # Without the recipes the draft falls back to the latest heat, as before.
    assert _draft(table, None).baseline.values["Ni"] == heat["Ni"]


def test_a_recipe_that_does_not_close_the_mixture_says_how_its_balance_is_adjusted() -> None:
    table, nominal = _tables(recipe_fe_offset=-0.5)  # the grade sheet sums to 99.5 wt %
    spec = _draft(table, nominal)
    grade = nominal[nominal["recipe_id"] == "GR-7"].iloc[0]
    assert spec.baseline is not None
    assert spec.baseline.name == (f"GR-7 (made most often; Fe {grade['Fe']:.1f} → "
                                  f"{grade['Fe'] + 0.5:.1f} wt% to make 100 in total)")
    assert "Fe" not in spec.baseline.values  # the run fills the balance
