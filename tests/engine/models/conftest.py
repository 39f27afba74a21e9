"""Fixtures of the property-model tests."""

from __future__ import annotations

import pandas as pd
import pytest
from model_testdata import FAST, INPUTS, make_recipes


@pytest.fixture
def recipes() -> pd.DataFrame:
    """120 recipes × 3 ages with two targets."""
    return make_recipes()


@pytest.fixture(scope="session")
def fitted_model():
    """A small two-target model with a categorical route, trained once per session."""
    from engine.models.lightgbm_model import PropertyModel

    frame = make_recipes(seed=1)
    model = PropertyModel(inputs=INPUTS, categorical=["route"], age_column="age", **FAST)
    model.fit(frame[INPUTS], frame[["strength", "slump"]], groups=frame["recipe"])
    return model, frame
