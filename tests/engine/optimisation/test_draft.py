"""Draft studies from a project's data: an alloy composition with its balance element."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from engine.optimisation.constraints import FEASIBILITY_TOL, LinearSystem
from engine.optimisation.draft import draft_study, readable_limits
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.study import StudySpec
from engine.types import ModellingTable


def _alloy_table(rows: int = 60, heats: int = 40) -> ModellingTable:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "recipe_id": [f"heat-{i % heats}" for i in range(rows)],
        "C": rng.uniform(0.05, 0.4, rows).round(3),
        "Ni": rng.uniform(0.0, 18.0, rows).round(2),
        "Co": rng.uniform(0.0, 12.0, rows).round(2),
        "route": rng.choice(["solution_annealed", "aged"], rows),
    })
    frame["Fe"] = 100.0 - frame[["C", "Ni", "Co"]].sum(axis=1)
    frame["yield_strength"] = 900 + 40 * frame["Ni"]
    frame["elongation"] = 25 - frame["Co"]
    units = {"C": "wt%", "Ni": "wt%", "Co": "wt%", "Fe": "wt%", "yield_strength": "MPa"}
    return ModellingTable(frame=frame, id_columns=("recipe_id",), group_column="recipe_id",
                          age_column=None, time_column=None,
                          input_columns=("C", "Ni", "Co", "Fe", "Ni_at_frac", "route"),
                          categorical_columns=("route",),
                          target_columns=("elongation", "yield_strength"), units=units)


def _derive(frame: pd.DataFrame) -> pd.DataFrame:
    """Like the project deriver: fractions of what is there (here Ni over all wt %)."""
    present = [c for c in ("C", "Ni", "Co", "Fe") if c in frame.columns]
    return frame.assign(Ni_at_frac=frame["Ni"] / frame[present].sum(axis=1))


def test_alloy_draft_keeps_the_balance_element_and_leaves_derived_inputs_out() -> None:
    table = _alloy_table()
    table.frame.loc[59, "recipe_id"] = "heat-5"  # made three times, every other heat ≤ twice
    table.frame["Ni_at_frac"] = _derive(table.frame)["Ni_at_frac"]
    catalogue = pd.DataFrame({"material": ["C", "Ni", "Co"], "kind": "element",
                              "currency": "USD", "density_kg_m3": np.nan})
    draft = draft_study(table, list(table.input_columns), list(table.target_columns),
                        catalogue, _derive)
    spec = StudySpec.from_dict(draft)
    spec.check()
    names = [v.name for v in spec.variables]
    assert names == ["C", "Ni", "Co", "Fe", "route"]  # Ni_at_frac is derived
    (mixture,) = spec.mixture
    assert mixture.basis == "mass" and mixture.total == 100.0 and mixture.balance == "Fe"
    assert spec.objectives[0].target == "yield_strength"  # strength before elongation
    route = next(v for v in spec.variables if v.name == "route")
    assert route.type == "categorical" and set(route.choices) == {"solution_annealed", "aged"}
    assert spec.currency == "USD"
    assert spec.baseline is not None and spec.baseline.name == "heat-5 (made most often)"
    for variable in spec.variables:
        if variable.type == "continuous":
            value = spec.baseline.values.get(variable.name)
            assert value is None or variable.lower <= value <= variable.upper


def test_without_a_most_made_recipe_the_baseline_is_the_most_typical_one() -> None:
    table = _alloy_table(rows=40)  # every heat made once
    table.frame["Ni_at_frac"] = _derive(table.frame)["Ni_at_frac"]
    catalogue = pd.DataFrame({"material": ["C", "Ni", "Co"], "kind": "element",
                              "currency": "USD", "density_kg_m3": np.nan})
    spec = StudySpec.from_dict(draft_study(table, list(table.input_columns),
                                           list(table.target_columns), catalogue, _derive))
    frame = table.frame
    amounts = frame[["C", "Ni", "Co", "Fe"]]
    distance = ((amounts - amounts.median()) / amounts.std()).pow(2).sum(axis=1)
    typical = frame.at[distance.idxmin(), "recipe_id"]
    assert spec.baseline is not None
    assert spec.baseline.name == f"{typical} (typical recipe: closest to the data's medians)"


def test_the_current_recipe_satisfies_its_own_draft_even_with_a_rare_small_dose() -> None:
    table = _alloy_table(rows=300, heats=150)
    frame = table.frame
    frame.loc[frame.index % 3 == 0, "Co"] = 0.0  # cobalt is sometimes left out …
    frame.loc[frame.index % 3 != 0, "Co"] = np.linspace(6.0, 12.0, (frame.index % 3 != 0).sum())
    frame.loc[299, "recipe_id"] = "heat-5"  # … and the recipe made most often has a rare dose
    frame.loc[frame["recipe_id"] == "heat-5", "Co"] = 2.0
    frame["Fe"] = 100.0 - frame[["C", "Ni", "Co"]].sum(axis=1)
    frame["Ni_at_frac"] = _derive(frame)["Ni_at_frac"]
    catalogue = pd.DataFrame({"material": ["C", "Ni", "Co"], "kind": "element",
                              "currency": "USD", "density_kg_m3": np.nan})
    draft = draft_study(table, list(table.input_columns), list(table.target_columns),
                        catalogue, _derive)
    # as drafted, and with its limits rounded for reading (as `formix optimize --out` writes
    # a draft in the units the project shows)
    for spec in (StudySpec.from_dict(draft), StudySpec.from_dict(readable_limits(draft))):
        spec.check()
        assert spec.baseline is not None and spec.baseline.values["Co"] == 2.0
        (cobalt,) = [count for count in spec.count if count.components == ["Co"]]
        assert 0 < cobalt.min_amount <= 2.0

        space = DesignSpace.from_spec(spec)
        system = LinearSystem.from_spec(spec, space)
        Z, codes = space.from_records([spec.baseline.values], ["baseline.values"])
        assert system.max_violation(space, Z, codes)[0] <= FEASIBILITY_TOL


def _with_tensile(table: ModellingTable, tensile: pd.Series) -> ModellingTable:
    table.frame["tensile_strength"] = tensile
    table.frame["Ni_at_frac"] = _derive(table.frame)["Ni_at_frac"]
    return replace(table, target_columns=(*table.target_columns, "tensile_strength"),
                   units={**table.units, "tensile_strength": "MPa"})


def _draft(table: ModellingTable) -> StudySpec:
    catalogue = pd.DataFrame({"material": ["C", "Ni", "Co"], "kind": "element",
                              "currency": "USD", "density_kg_m3": np.nan})
    spec = StudySpec.from_dict(draft_study(table, list(table.input_columns),
                                           list(table.target_columns), catalogue, _derive))
    spec.check()
    return spec


def test_a_draft_keeps_yield_strength_at_most_tensile_strength_as_the_data_do() -> None:
    table = _alloy_table()
    table = _with_tensile(table, table.frame["yield_strength"] + 60 + 10 * table.frame["Co"])
    table.frame.loc[table.frame.index[:3], "tensile_strength"] = np.nan  # not measured
    spec = _draft(table)
    (relation,) = spec.relation
    assert (relation.lower, relation.upper, relation.max_ratio) == (
        "yield_strength", "tensile_strength", 1.0)
    assert relation.name == "yield strength at most tensile strength, as measured"
    assert ("predicted yield strength is kept at most the predicted tensile strength, as in "
            "57 of the 57 rows measuring both") in spec.description


def test_a_draft_adds_no_order_the_data_contradict() -> None:
    table = _alloy_table()
    spec = _draft(_with_tensile(table, table.frame["yield_strength"] - 5.0))
    assert spec.relation == []
    assert "tensile_strength" not in spec.description


@pytest.mark.parametrize(("lower", "upper"), [("0_2_proof_stress", "ultimate_tensile_strength"),
                                              ("ys", "uts"), ("rp0_2", "rm")])
def test_proof_and_ultimate_strengths_are_recognised_by_their_header_names(
        lower: str, upper: str) -> None:
    table = _alloy_table()
    table = _with_tensile(table, table.frame["yield_strength"] + 60)
    frame = table.frame.rename(columns={"yield_strength": lower, "tensile_strength": upper})
    table = replace(table, frame=frame, target_columns=("elongation", lower, upper),
                    units={"C": "wt%", "Ni": "wt%", "Co": "wt%", "Fe": "wt%", lower: "MPa",
                           upper: "MPa"})
    (relation,) = _draft(table).relation
    assert (relation.lower, relation.upper) == (lower, upper)
