"""Cross-conformal intervals: coverage on held-out recipe groups, no crossing, adaptivity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import FormixError
from engine.models.lightgbm_model import PropertyModel
from engine.uncertainty.conformal import calibrate, conformal_quantile, interval_metrics

FAST = {"num_boost_round": 80, "spread_boost_round": 40, "calibration_folds": 5}


def heteroscedastic(n_groups: int, seed: int) -> pd.DataFrame:
    """Groups of 4 rows; y = smooth signal + noise whose sd is 0.5 (x1 < 0) or 3 (x1 ≥ 0)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n_groups, 3))
    frame = pd.DataFrame(np.repeat(x, 4, axis=0), columns=["x1", "x2", "x3"])
    frame["t"] = np.tile([1.0, 2.0, 3.0, 4.0], n_groups)
    frame["group"] = np.repeat(np.arange(n_groups), 4)
    sd = np.where(frame["x1"] < 0, 0.5, 3.0)
    signal = 4 * frame["x2"] + 2 * frame["x3"] ** 2 + frame["t"]
    frame["y"] = signal + rng.normal(0, 1, len(frame)) * sd
    return frame


@pytest.mark.parametrize("seed", [0, 1])
def test_coverage_holds_on_new_groups_and_intervals_adapt(seed):
    train, test = heteroscedastic(250, seed), heteroscedastic(500, seed + 100)
    inputs = ["x1", "x2", "x3", "t"]
    model = PropertyModel(inputs=inputs, coverage=0.9, seed=seed, **FAST)
    model.fit(train[inputs], train["y"], groups=train["group"])
    table = model.predict_interval(test[inputs])
    lower, upper = table["y lower"].to_numpy(), table["y upper"].to_numpy()
    metrics = interval_metrics(test["y"].to_numpy(), lower, upper)
    assert 0.86 <= metrics["coverage"] <= 0.95  # nominal 0.90 on 2,000 rows of new recipes
    # adaptive: narrower where the known noise is small
    width = upper - lower
    quiet = test["x1"].to_numpy() < 0
    assert width[quiet].mean() < 0.6 * width[~quiet].mean()
    # and narrower on average than the constant-width interval from the same residuals
    constant = 2 * model.targets_["y"].calibration.constant_halfwidth
    assert metrics["mean_interval_width"] < constant
    residual = np.abs(test["y"] - table["y"]).to_numpy()
    assert (residual[quiet] <= constant / 2).mean() > 0.97  # constant over-covers the quiet part


def test_intervals_never_cross_even_far_outside_the_data():
    train = heteroscedastic(100, 3)
    inputs = ["x1", "x2", "x3", "t"]
    model = PropertyModel(inputs=inputs, **FAST).fit(train[inputs], train["y"])
    rng = np.random.default_rng(0)
    wild = pd.DataFrame(rng.normal(0, 50, (5000, 4)), columns=inputs)
    wild.iloc[::7, 0] = np.nan
    table = model.predict_interval(wild)
    assert (table["y lower"] <= table["y"]).all() and (table["y"] <= table["y upper"]).all()
    assert np.isfinite(table.to_numpy()).all()


def test_conformal_quantile_is_the_finite_sample_rank():
    scores = np.arange(1, 101, dtype=float)  # 1..100
    assert conformal_quantile(scores, 0.9) == 91.0  # ceil(101 × 0.9) = 91st smallest
    assert conformal_quantile(scores[:5], 0.9) == 5.0  # too few: the largest
    with pytest.raises(FormixError):
        conformal_quantile(scores, 1.0)
    with pytest.raises(FormixError, match="too few"):
        conformal_quantile(np.array([np.nan]), 0.9)


def test_calibrate_widths_are_non_negative_and_cover_the_calibration_set():
    rng = np.random.default_rng(0)
    spread = rng.uniform(0.1, 3.0, 2000)
    residuals = rng.normal(0, 1, 2000) * spread
    calibration = calibrate(residuals, spread, 0.9)
    lower, upper = calibration.interval(np.zeros(2000), spread)
    assert (upper - lower >= 0).all()
    covered = interval_metrics(residuals, lower, upper)["coverage"]
    assert 0.9 <= covered <= 0.92
    assert calibration.quantile == pytest.approx(1.645, rel=0.1)  # normal 95th percentile
