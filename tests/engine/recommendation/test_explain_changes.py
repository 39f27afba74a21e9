""""Why" lines credit what the engineer changed: derived inputs (atomic fractions, w/b) count
with the amounts they come from, the balance follows, unchanged variables get nothing, and the
shares add up to the predicted change. Reports name materials as the catalogue does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.linking import deriver
from engine.models.lightgbm_model import PropertyModel
from engine.optimisation import optimise
from engine.optimisation.decision import recommend
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.lightgbm_adapter import LightGBMPredictorAdapter
from engine.optimisation.study import StudySpec
from engine.recommendation.explain import (
    ExplainedRecommendation,
    explain_recommendations,
    material_names,
    recipe_shares,
)
from engine.recommendation.report_html import html_report

ELEMENTS = ["Ti", "Mn", "Co", "Ni"]
DERIVE = deriver(pd.DataFrame())  # element symbols are recognised without a catalogue
FAST = {"num_boost_round": 80, "spread_boost_round": 30, "calibration_folds": 5}


@pytest.fixture(scope="module")
def steel() -> tuple[PropertyModel, StudySpec]:
    """Maraging-like heats: yield strength follows the Ti atomic fraction and Ni; the model
    sees the wt % and the atomic fractions derived from them, as a project's model does."""
    rng = np.random.default_rng(7)
    n = 300
    heats = pd.DataFrame({"Ti": rng.uniform(0.0, 2.0, n), "Mn": rng.uniform(0.01, 1.0, n),
                          "Co": rng.uniform(0.0, 10.0, n), "Ni": rng.uniform(5.0, 18.0, n)})
    heats["Fe"] = 100.0 - heats[ELEMENTS].sum(axis=1)
    heats = DERIVE(heats)
    heats["yield_strength"] = (1000.0 + 30000.0 * heats["Ti_at_frac"] + 20.0 * heats["Ni"]
                               + rng.normal(0.0, 10.0, n))
    inputs = [*ELEMENTS, "Fe", *(f"{e}_at_frac" for e in [*ELEMENTS, "Fe"])]
    model = PropertyModel(inputs=inputs, **FAST).fit(heats[inputs], heats["yield_strength"])
    spec = StudySpec.from_dict({
        "name": "steel",
        "variables": [
            {"name": "Ti", "lower": 0.0, "upper": 2.0, "unit": "wt%", "material": True},
            {"name": "Mn", "lower": 0.01, "upper": 1.0, "unit": "wt%", "material": True},
            {"name": "Co", "lower": 0.0, "upper": 10.0, "unit": "wt%", "material": True},
            {"name": "Ni", "lower": 5.0, "upper": 18.0, "unit": "wt%", "material": True},
            {"name": "Fe", "lower": 50.0, "upper": 95.0, "unit": "wt%", "material": True},
        ],
        "mixture": [{"name": "composition", "components": [*ELEMENTS, "Fe"], "total": 100.0,
                     "balance": "Fe"}],
        "objectives": [{"target": "yield_strength", "sense": "maximize"}, {"kind": "cost"}],
        "materials": {"Ti": {"price": 10.0}, "Mn": {"price": 2.0}, "Co": {"price": 50.0},
                      "Ni": {"price": 15.0}, "Fe": {"price": 0.5}},
        "baseline": {"name": "grade A", "values": {"Ti": 0.5, "Mn": 0.3, "Co": 4.0,
                                                   "Ni": 10.0}},
        "domain": {"mode": "explore"},
        "algorithm": {"population": 24, "generations": 8, "seed": 1},
    })
    return model, spec


def _predict(model: PropertyModel, space: DesignSpace, records: list[dict[str, Any]],
             derive: Any) -> np.ndarray:
    Z, codes = space.from_records(records, [f"r{i}" for i in range(len(records))])
    frame = derive(space.to_frame(Z, codes))
    return model.predict(frame[list(model.encoder_.inputs)]).iloc[:, 0].to_numpy()


def test_a_titanium_change_is_credited_once_and_wholly_to_titanium(steel: Any) -> None:
    """Adding Ti moves Fe and every atomic fraction (Co's too), yet only Ti changed."""
    model, spec = steel
    space = DesignSpace.from_spec(spec)
    baseline = {"Ti": 0.5, "Mn": 0.3, "Co": 4.0, "Ni": 10.0}
    recipe = {**baseline, "Ti": 2.0}
    before, after = DERIVE(pd.DataFrame([{**baseline, "Fe": 85.2}, {**recipe, "Fe": 83.7}]))\
        .filter(like="_at_frac").to_numpy()
    assert (np.abs(after - before) > 1e-6).all()  # every atomic fraction moved, Co's too

    players, shares, change = recipe_shares(model, space, DERIVE, baseline, recipe,
                                            ["yield_strength"])
    predicted = np.diff(_predict(model, space, [baseline, recipe], DERIVE))
    assert players == ["Ti"]
    assert change == pytest.approx(predicted, abs=1e-9)
    assert shares[0] == pytest.approx(predicted, abs=1e-9)
    assert predicted[0] > 20.0  # the model does see titanium


def test_two_changes_share_the_change_and_an_unchanged_variable_gets_nothing(steel: Any) -> None:
    model, spec = steel
    space = DesignSpace.from_spec(spec)
    baseline = {"Ti": 0.5, "Mn": 0.3, "Co": 4.0, "Ni": 10.0}
    recipe = {**baseline, "Ti": 1.8, "Ni": 16.0}
    players, shares, change = recipe_shares(model, space, DERIVE, baseline, recipe,
                                            ["yield_strength"])
    assert players == ["Ti", "Ni"]  # Mn and Co are unchanged, Fe follows
    assert shares.sum() == pytest.approx(change[0], abs=1e-9)
    only_ti, only_ni, both = _predict(model, space, [{**baseline, "Ti": 1.8},
                                                     {**baseline, "Ni": 16.0}, recipe],
                                      DERIVE) - _predict(model, space, [baseline], DERIVE)[0]
    # two players: each gets its own effect plus half of what they do together
    interaction = both - only_ti - only_ni
    assert shares[0, 0] == pytest.approx(only_ti + interaction / 2, abs=1e-9)
    assert shares[1, 0] == pytest.approx(only_ni + interaction / 2, abs=1e-9)


def test_steel_recommendations_name_each_changed_element_once(steel: Any) -> None:
    model, spec = steel
    result = optimise(spec, LightGBMPredictorAdapter(model), derive=DERIVE, seed=1)
    recs = explain_recommendations(result, spec, recommend(result, 3), model=model,
                                   derive=DERIVE, units={"yield_strength": "MPa"})
    assert recs
    for rec in recs:
        (attribution,) = rec.attributions
        assert attribution.total == pytest.approx(attribution.predicted_change, abs=1e-6)
        assert sum(d.effect for d in attribution.drivers) + attribution.other == \
            pytest.approx(attribution.total, abs=1e-9)
        changed = {c.name for c in rec.changes if c.shown_delta is not None}
        features = [d.feature for d in attribution.drivers]
        assert len(features) == len(set(features))
        assert set(features) <= changed - {"Fe"}
        for driver in attribution.drivers:
            assert "atomic fraction" not in driver.text and driver.text.endswith("MPa")
        assert "Fe, the balance, follows" in rec.attribution_note
        assert "atomic fractions" in rec.attribution_note and "w/b" not in rec.attribution_note
    page = html_report(recs)
    assert "w/b" not in page and "per kg" not in page
    assert "<b>Cost</b> (EUR/kg) and <b>CO₂</b> (kg CO₂e/kg)" in page


def test_changing_water_alone_credits_water_with_the_whole_change(
        demo_run: Any, run_project: Path) -> None:
    """w/b, w/c and the sand that closes 1 m³ all move, yet the engineer changed water."""
    from engine.model_services import project_deriver

    model = demo_run.model_set.model
    assert "water_binder_ratio" in model.encoder_.inputs
    spec, derive = demo_run.spec, project_deriver(run_project)
    space = DesignSpace.from_spec(spec)
    baseline = {v.name: demo_run.result.baseline.iloc[0][v.name] for v in spec.variables
                if v.name != "fine_aggregate"}
    recipe = {**baseline, "water": baseline["water"] + 25.0}
    players, shares, change = recipe_shares(model, space, derive, baseline, recipe,
                                            ["compressive_strength"])
    predicted = np.diff(_predict(model, space, [baseline, recipe], derive))
    assert players == ["water"]
    assert change == pytest.approx(predicted, abs=1e-9)
    assert shares[0] == pytest.approx(predicted, abs=1e-9)
    assert predicted[0] < -1.0  # more water, weaker concrete


def test_concrete_reports_name_the_catalogue_materials(demo_recommendations: Any) -> None:
    catalogue = pd.read_csv(Path(__file__).parents[3] / "engine/demo/data/materials.csv")
    names = material_names(catalogue)
    assert names["cement"] == "Portland cement (CEM I / ASTM C150 Type I)"
    rec = demo_recommendations[0]
    text = rec.text()
    recipe_lines = text.splitlines()[1:1 + len(rec.changes)]
    assert recipe_lines[0].split("  ")[1] == names[rec.changes[0].name]
    assert not any(re.match(r"\s+(cement|fly_ash|blast_furnace_slag)\s", line)
                   for line in recipe_lines)
    for driver in rec.attributions[0].drivers:
        assert driver.text.startswith(names[driver.feature])
    assert "why compressive strength:" in text and "compressive_strength" not in text
    assert "w/b" in rec.attribution_note and "fine aggregate" in rec.attribution_note.lower()


def test_a_change_below_the_shown_precision_is_shown_as_none() -> None:
    rec = ExplainedRecommendation.from_dict({
        "rank": 1, "reasons": ["knee"],
        "changes": [{"name": "Nb", "value": 0.0100008, "baseline": 0.01, "unit": "wt%"},
                    {"name": "Ti", "value": 2.0, "baseline": 0.47, "unit": "wt%"}]})
    lines = rec.text().splitlines()
    assert lines[1].split() == ["Nb", "0.01", "wt%"]
    assert lines[2].split() == ["Ti", "2.00", "(+1.53)", "wt%"]
    page = html_report([rec])
    assert "8e-07" not in page and "+1.53" in page
