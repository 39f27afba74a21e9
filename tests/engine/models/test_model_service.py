"""Service entry points: ModellingTable in, ModelSet out; evaluation with explicit groups."""

from __future__ import annotations

import numpy as np
import pytest
from model_testdata import FAST, make_recipes

from engine.errors import FormixError
from engine.models.dataset import frame_fingerprint
from engine.models.service import evaluate_models, train_models
from engine.progress import Cancelled, CancelToken
from engine.types import ModellingTable


def _table() -> ModellingTable:
    frame = make_recipes(n_recipes=50, seed=13)
    frame["batch"] = np.arange(len(frame))
    return ModellingTable(
        frame=frame,
        id_columns=("batch",),
        group_column="recipe",
        age_column="age",
        time_column=None,
        input_columns=("cement", "slag", "water", "route", "age"),
        categorical_columns=("route",),
        target_columns=("strength", "slump"),
        units={"cement": "kg/m³", "strength": "MPa", "slump": "mm"},
    )


def test_train_models_from_a_modelling_table():
    table = _table()
    seen: list[float] = []
    model_set = train_models(
        table, cv_folds=3, model_options=FAST, progress=lambda f, m: seen.append(f)
    )
    assert model_set.targets == ["strength", "slump"]
    assert model_set.inputs == list(table.input_columns)  # ids never become inputs
    assert set(model_set.cv_metrics) == {"strength", "slump"}
    assert model_set.cv_metrics["strength"]["cv"] == "group"
    assert model_set.cv_metrics["strength"]["n_groups"] == 50
    assert model_set.units["strength"] == "MPa"
    used = table.frame[[*table.input_columns, *table.target_columns]]
    assert model_set.training_fingerprint == frame_fingerprint(used)
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_evaluate_with_explicit_group_columns_and_cancel():
    frame = make_recipes(n_recipes=40, seed=14)
    results = evaluate_models(
        frame,
        ["strength"],
        categorical=["route"],
        drop=["slump"],
        group_by=["recipe"],
        folds=4,
        model_options=FAST,
    )
    assert results["strength"].metrics["n_groups"] == 40
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        evaluate_models(
            frame,
            ["strength"],
            drop=["slump"],
            categorical=["route"],
            folds=4,
            model_options=FAST,
            cancel=token,
        )


def test_roles_are_checked():
    frame = make_recipes(n_recipes=20, seed=15)
    with pytest.raises(FormixError, match="both inputs and targets"):
        train_models(frame, ["strength"], ["strength", "cement"], cv_folds=0)
    with pytest.raises(FormixError, match="age column"):
        train_models(frame, ["strength"], ["cement"], age_column="age", cv_folds=0)
