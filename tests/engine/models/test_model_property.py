"""PropertyModel: fitting, conventions, categorical encoding and monotone constraints."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from model_testdata import FAST, INPUTS, make_recipes

from engine.errors import FormixError
from engine.models.features import DerivedFeature, UnknownCategoryWarning, ratio
from engine.models.lightgbm_model import NotFittedError, PropertyModel


def test_one_call_trains_every_target(fitted_model):
    model, frame = fitted_model
    predictions = model.predict(frame[INPUTS])
    assert list(predictions.columns) == ["strength", "slump"]
    for target in ("strength", "slump"):
        error = predictions[target] - frame[target]
        assert np.sqrt(np.mean(error**2)) < frame[target].std()  # learned something


def test_use_before_fit_is_a_clear_error(recipes):
    model = PropertyModel(inputs=INPUTS, categorical=["route"])
    with pytest.raises(NotFittedError, match="not trained"):
        model.predict(recipes)
    assert isinstance(NotFittedError("x"), FormixError)


def test_params_follow_sklearn_conventions():
    model = PropertyModel(num_boost_round=50, seed=3)
    params = model.get_params()
    assert params["num_boost_round"] == 50 and params["seed"] == 3
    model.set_params(coverage=0.8)
    assert model.coverage == 0.8
    assert not any(name.endswith("_") for name in vars(model))  # nothing fitted yet
    with pytest.raises(FormixError):
        model.set_params(unknown=1)


def test_intervals_contain_the_prediction_and_never_cross(fitted_model):
    model, frame = fitted_model
    far = make_recipes(n_recipes=50, seed=9)
    far["cement"] *= 3  # well outside training
    table = model.predict_interval(pd.concat([frame, far])[INPUTS])
    for target in ("strength", "slump"):
        assert (table[f"{target} lower"] <= table[target]).all()
        assert (table[target] <= table[f"{target} upper"]).all()


def test_category_codes_do_not_depend_on_frame_category_order(fitted_model):
    model, frame = fitted_model
    rows = frame[INPUTS].head(30).copy()
    reference = model.predict(rows)
    reordered = rows.copy()
    reordered["route"] = pd.Categorical(
        reordered["route"], categories=["water", "steam", "air", "unused"]
    )
    only_some = rows[rows["route"] == "water"].copy()
    only_some["route"] = pd.Categorical(only_some["route"])  # a single category → code 0
    pd.testing.assert_frame_equal(model.predict(reordered), reference)
    pd.testing.assert_frame_equal(model.predict(only_some), reference.loc[only_some.index])


def test_unknown_category_warns_and_is_treated_as_missing(fitted_model):
    model, frame = fitted_model
    rows = frame[INPUTS].head(5).copy()
    missing = rows.assign(route=np.nan)
    unknown = rows.assign(route="vacuum")
    with pytest.warns(UnknownCategoryWarning, match="vacuum"):
        got = model.predict(unknown)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing value is not "unknown"
        expected = model.predict(missing)
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("baseline", [False, True])
def test_monotone_constraint_holds_on_a_dense_sweep(sign, baseline):
    frame = make_recipes(n_recipes=150, noise=3.0, seed=4)
    # Noise makes an unconstrained model wiggle; the constraint must still hold exactly.
    column = "age" if sign == 1 else "water"
    model = PropertyModel(
        inputs=INPUTS,
        categorical=["route"],
        derived=[ratio("w/c", ["water"], ["cement"]), DerivedFeature("log age", "log", ("age",))],
        linear=["log age", "w/c"] if baseline else [],
        monotone={column: sign},
        **FAST,
    ).fit(frame[INPUTS], frame["strength"], groups=frame["recipe"])
    base = frame[INPUTS].sample(25, random_state=0).reset_index(drop=True)
    grid = np.linspace(frame[column].min() * 0.5, frame[column].max() * 1.5, 60)
    sweep = base.loc[base.index.repeat(len(grid))].reset_index(drop=True)
    sweep[column] = np.tile(grid, len(base))
    prediction = model.predict(sweep)["strength"].to_numpy().reshape(len(base), len(grid))
    steps = np.diff(prediction, axis=1) * sign
    assert (steps >= -1e-9).all()
    assert (prediction[:, -1] - prediction[:, 0]).mean() * sign > 0  # and it is used


def test_monotone_constraint_conflicting_with_a_derived_feature_is_refused(recipes):
    model = PropertyModel(
        inputs=INPUTS,
        categorical=["route"],
        derived=[ratio("water share", ["water"], ["water", "cement"])],
        monotone={"water": -1},
        **FAST,
    )
    with pytest.raises(FormixError, match="both sides"):
        model.fit(recipes[INPUTS], recipes["strength"])


def test_too_few_rows_and_bad_coverage_are_clear_errors(recipes):
    with pytest.raises(FormixError, match="at least"):
        PropertyModel(inputs=INPUTS, categorical=["route"], **FAST).fit(
            recipes[INPUTS].head(5), recipes["strength"].head(5)
        )
    with pytest.raises(FormixError, match="coverage"):
        PropertyModel(inputs=INPUTS, categorical=["route"], coverage=1.5).fit(
            recipes[INPUTS], recipes["strength"]
        )


def test_missing_target_values_only_drop_rows_of_that_target(recipes):
    targets = recipes[["strength", "slump"]].copy()
    targets.loc[:99, "slump"] = np.nan
    model = PropertyModel(inputs=INPUTS, categorical=["route"], **FAST).fit(
        recipes[INPUTS], targets, groups=recipes["recipe"]
    )
    assert model.targets_["strength"].n_rows == len(recipes)
    assert model.targets_["slump"].n_rows == len(recipes) - 100


def test_non_numeric_input_not_declared_categorical_is_refused(recipes):
    with pytest.raises(FormixError, match="categorical"):
        PropertyModel(inputs=INPUTS, **FAST).fit(recipes[INPUTS], recipes["strength"])


def test_cancel_stops_training(recipes):
    from engine.progress import Cancelled, CancelToken

    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        PropertyModel(inputs=INPUTS, categorical=["route"], **FAST).fit(
            recipes[INPUTS], recipes["strength"], cancel=token
        )


def test_progress_reaches_one(recipes):
    seen: list[float] = []
    PropertyModel(inputs=INPUTS, categorical=["route"], **FAST).fit(
        recipes[INPUTS], recipes["strength"], progress=lambda f, m: seen.append(f)
    )
    assert seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen)


def test_light_tuning_runs_inside_the_training_data(recipes):
    model = PropertyModel(inputs=INPUTS, categorical=["route"], tune=True, **FAST)
    model.fit(recipes[INPUTS], recipes["strength"], groups=recipes["recipe"])
    assert model.targets_["strength"].params["num_leaves"] in (4, 7, 15, 31)
