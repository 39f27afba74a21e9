"""Validation: splits keep recipes together, metrics and out-of-fold predictions are kept."""

from __future__ import annotations

import numpy as np
import pytest
from model_testdata import FAST, INPUTS, make_recipes

from engine.errors import FormixError
from engine.models.splits import cv_splits
from engine.models.validation import cross_validate

METRIC_KEYS = {
    "rmse",
    "mae",
    "r2",
    "coverage",
    "mean_interval_width",
    "n_rows",
    "n_groups",
    "cv",
    "folds",
    "repeats",
    "constant_width_conformal_width",
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grouped_folds_never_split_a_group(seed):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 40, 400)
    splits = cv_splits("group", len(groups), 7, seed, groups=groups)
    tested = np.concatenate([te for _, te in splits])
    assert np.array_equal(np.sort(tested), np.arange(len(groups)))  # each row tested once
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])


def test_time_splits_only_test_later_rows():
    order = np.random.default_rng(0).permutation(100)
    for train, test in cv_splits("time", 100, 4, order=order):
        assert order[train].max() < order[test].min()


def test_too_many_folds_for_the_groups_is_a_clear_error():
    with pytest.raises(FormixError, match="recipe groups"):
        cv_splits("group", 10, 5, groups=np.array([0, 0, 1, 1, 1, 2, 2, 2, 3, 3]))


def test_cross_validate_keeps_out_of_fold_predictions_with_intervals():
    frame = make_recipes(n_recipes=60, seed=2)
    results = cross_validate(
        frame,
        ["strength", "slump"],
        INPUTS,
        cv="group",
        folds=4,
        repeats=2,
        categorical=["route"],
        age_column="age",
        model_options=FAST,
    )
    assert set(results) == {"strength", "slump"}
    result = results["strength"]
    assert set(result.metrics) >= METRIC_KEYS
    assert result.metrics["n_groups"] == 60  # inferred: rows equal except age
    oof = result.predictions
    assert len(oof) == 2 * len(frame)  # every row once per repeat
    assert (oof["lower"] <= oof["predicted"]).all() and (oof["predicted"] <= oof["upper"]).all()
    # recipes (inferred groups) never straddle folds
    recipe_of = frame["recipe"].to_numpy()
    for _, part in oof.groupby("repeat"):
        folds_per_recipe = part.assign(recipe=recipe_of[part["row"]]).groupby("recipe")["fold"]
        assert folds_per_recipe.nunique().max() == 1


def test_a_target_counts_only_the_recipes_that_measured_it():
    frame = make_recipes(n_recipes=40, seed=4)
    unmeasured = frame["recipe"].isin([f"R{i:04d}" for i in range(9)])  # 9 recipes lack slump
    frame.loc[unmeasured, "slump"] = np.nan
    results = cross_validate(frame, ["strength", "slump"], INPUTS, folds=4,
                             categorical=["route"], groups=frame["recipe"], model_options=FAST)
    assert results["strength"].metrics["n_groups"] == 40
    assert results["slump"].metrics["n_groups"] == 31
    assert results["slump"].metrics["n_rows"] == int((~unmeasured).sum())


def test_random_and_time_protocols_run():
    frame = make_recipes(n_recipes=40, seed=3)
    frame["made"] = np.arange(len(frame))
    for cv in ("random", "time"):
        result = cross_validate(
            frame,
            ["strength"],
            INPUTS,
            cv=cv,
            folds=3,
            categorical=["route"],
            time_column="made",
            model_options=FAST,
        )["strength"]
        assert result.metrics["cv"] == cv and np.isfinite(result.metrics["rmse"])
