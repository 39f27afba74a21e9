"""Linear baseline: boosting from a ridge fit on chosen features (e.g. log(age))."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from model_testdata import FAST, INPUTS, make_recipes

from engine.errors import FormixError
from engine.models.explain import EXPECTED, contributions
from engine.models.features import DerivedFeature
from engine.models.lightgbm_model import PropertyModel
from engine.models.linear import LinearBase
from engine.models.persistence import dump_model_files, load_model_files

LOG_AGE = DerivedFeature("log(age)", "log", ("age",))


def _model(**extra: object) -> PropertyModel:
    options = {**FAST, **extra}
    return PropertyModel(inputs=INPUTS, categorical=["route"], derived=[LOG_AGE], **options)


def test_linear_baseline_extrapolates_the_trend_trees_cannot():
    frame = make_recipes(n_recipes=150, ages=(3, 7, 14, 28), seed=7)
    older = make_recipes(n_recipes=60, ages=(90,), noise=0.0, seed=8)  # beyond training ages
    plain = _model().fit(frame[INPUTS], frame["strength"], groups=frame["recipe"])
    based = _model(linear=["log(age)"]).fit(
        frame[INPUTS], frame["strength"], groups=frame["recipe"]
    )
    error_plain = np.abs(plain.predict(older[INPUTS])["strength"] - older["strength"]).mean()
    error_based = np.abs(based.predict(older[INPUTS])["strength"] - older["strength"]).mean()
    assert error_based < 0.7 * error_plain  # trees stay flat after 28 days; the baseline does not


def test_baseline_coefficients_respect_monotone_signs():
    rng = np.random.default_rng(0)
    matrix = rng.normal(0, 1, (300, 2))
    y = -2.0 * matrix[:, 0] + matrix[:, 1] + rng.normal(0, 0.1, 300)
    free = LinearBase.fit(matrix, y, [0, 1])
    bounded = LinearBase.fit(matrix, y, [0, 1], signs=[1, 0])  # asks for a rising effect of x0
    assert free.coef[0] < -1.5
    assert bounded.coef[0] == 0.0 and bounded.coef[1] > 0.5
    again = LinearBase.from_dict(bounded.to_dict())
    np.testing.assert_array_equal(again.predict(matrix), bounded.predict(matrix))


def test_contributions_still_sum_to_the_prediction_and_round_trip_is_exact():
    frame = make_recipes(seed=9)
    model = _model(linear=["log(age)", "water"], monotone={"age": 1})
    model.fit(frame[INPUTS], frame[["strength", "slump"]], groups=frame["recipe"])
    rows = frame[INPUTS].head(40)
    contrib = contributions(model, rows, "strength")
    np.testing.assert_allclose(contrib.sum(axis=1), model.predict(rows)["strength"], atol=1e-9)
    assert contrib["log(age)"].abs().sum() > 0
    loaded = load_model_files(dump_model_files(model)).model
    pd.testing.assert_frame_equal(
        model.predict_table(rows), loaded.predict_table(rows), check_exact=True
    )


def test_unknown_or_categorical_baseline_features_are_refused(recipes):
    with pytest.raises(FormixError, match="neither an input nor a derived"):
        _model(linear=["log(cement)"]).fit(recipes[INPUTS], recipes["strength"])
    with pytest.raises(FormixError, match="categorical"):
        _model(linear=["route"]).fit(recipes[INPUTS], recipes["strength"])


def test_expected_value_column_includes_the_baseline_intercept(fitted_model):
    model, frame = fitted_model  # no baseline: expected value is LightGBM's own
    contrib = contributions(model, frame[INPUTS].head(3), "strength")
    assert contrib[EXPECTED].nunique() == 1
