"""Explanations: TreeSHAP contributions, importance, recipe-vs-baseline Shapley shares."""

from __future__ import annotations

import numpy as np
import pytest
from model_testdata import INPUTS

from engine.models.explain import (
    EXPECTED,
    baseline_shapley,
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


def test_baseline_shapley_credits_each_switched_group_and_splits_interactions() -> None:
    """Four groups: three act alone, two of them also together; the interaction is split."""
    weights = np.array([1.0, 2.0, 3.0, 4.0])

    def value(masks: np.ndarray) -> np.ndarray:
        return np.column_stack([masks @ weights + 5.0 * (masks[:, 0] & masks[:, 1]),
                                -2.0 * masks[:, 3]])

    shares = baseline_shapley(value, 4)
    np.testing.assert_allclose(shares[:, 0], [3.5, 4.5, 3.0, 4.0])
    np.testing.assert_allclose(shares[:, 1], [0.0, 0.0, 0.0, -2.0])  # unaffected groups: 0


def test_sampled_shapley_keeps_the_sum_and_finds_the_shares() -> None:
    """Beyond the exact limit, orders are sampled with their reverses: the shares still add up
    to the whole change, and a pairwise interaction is split evenly."""
    n = 15
    weights = np.arange(1.0, n + 1)

    def value(masks: np.ndarray) -> np.ndarray:
        return (masks @ weights + 3.0 * (masks[:, 0] & masks[:, 3]))[:, None]

    shares = baseline_shapley(value, n, exact_max=10)
    assert shares.sum() == pytest.approx(weights.sum() + 3.0, abs=1e-9)
    expected = weights.copy()
    expected[[0, 3]] += 1.5
    np.testing.assert_allclose(shares[:, 0], expected, atol=1e-9)
    def curved(masks: np.ndarray) -> np.ndarray:
        return np.exp(masks @ weights / 40.0)[:, None]

    sampled = baseline_shapley(curved, n, exact_max=10)[:, 0]
    exact = baseline_shapley(curved, n, exact_max=n)[:, 0]
    assert sampled.sum() == pytest.approx(np.exp(weights.sum() / 40.0) - 1.0, rel=1e-12)
    assert exact.sum() == pytest.approx(sampled.sum(), rel=1e-12)
    assert np.abs(sampled - exact).max() < 0.05 * exact.max()


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
