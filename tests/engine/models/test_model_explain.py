"""Explanations: TreeSHAP contributions, importance, recipe-vs-recipe deltas."""

from __future__ import annotations

import numpy as np
from model_testdata import INPUTS

from engine.models.explain import (
    EXPECTED,
    compare,
    contributions,
    global_importance,
    top_contributions_text,
)


def test_contributions_sum_to_the_prediction(fitted_model):
    model, frame = fitted_model
    rows = frame[INPUTS].head(50)
    contrib = contributions(model, rows, "strength")
    assert list(contrib.columns) == [*model.feature_names_, EXPECTED]
    np.testing.assert_allclose(contrib.sum(axis=1), model.predict(rows)["strength"], atol=1e-9)


def test_global_importance_ranks_real_drivers_first(fitted_model):
    model, frame = fitted_model
    table = global_importance(model, "strength", frame[INPUTS])
    assert set(table.columns) == {"feature", "gain_share", "mean_abs_shap"}
    assert table["gain_share"].sum() == np.float64(1.0) or abs(table["gain_share"].sum() - 1) < 1e-9
    assert table["feature"].iloc[0] in {"age", "cement"}  # the strongest effects in the data
    assert table["mean_abs_shap"].is_monotonic_decreasing


def test_compare_gives_sorted_deltas_that_sum_to_the_difference(fitted_model):
    model, frame = fitted_model
    baseline = frame[INPUTS].iloc[[0]]
    candidate = baseline.assign(cement=baseline["cement"] + 40, route="steam")
    deltas = compare(
        model, baseline, candidate, "strength", units={"cement": "kg/m³", "strength": "MPa"}
    )
    predicted = (
        model.predict(candidate)["strength"].iloc[0] - model.predict(baseline)["strength"].iloc[0]
    )
    assert abs(sum(d.contribution_delta for d in deltas) - predicted) < 1e-9
    sizes = [abs(d.contribution_delta) for d in deltas]
    assert sizes == sorted(sizes, reverse=True)
    cement = next(d for d in deltas if d.feature == "cement")
    assert cement.text().startswith("cement +40 kg/m³ → ")
    assert cement.text().endswith(" MPa")
    route = next(d for d in deltas if d.feature == "route")
    assert "→steam" in route.text()


def test_top_contributions_text_per_row(fitted_model):
    model, frame = fitted_model
    texts = top_contributions_text(
        model, frame[INPUTS].head(4), "strength", k=3, units={"strength": "MPa"}
    )
    assert len(texts) == 4
    assert all(t.count(";") == 2 and t.count("MPa") == 3 for t in texts)


def test_a_small_change_is_shown_with_its_significant_figures() -> None:
    """An alloy's atomic fraction moving by 0.00046 shows as that, not as "±0.000"."""
    from engine.models.explain import ContributionDelta

    small = ContributionDelta("Mn at frac", 0.00100, 0.00146, 1.6e8 / 6.9e6, "", "ksi")
    assert small.text().startswith("Mn at frac +0.00046 → +23.2")
    assert ContributionDelta("w/b", 0.45, 0.40, -2.0).text().startswith("w/b −0.050 → ")
    assert ContributionDelta("cement", 300.0, 340.0, 5.0, "kg/m³").text().startswith(
        "cement +40 kg/m³")
