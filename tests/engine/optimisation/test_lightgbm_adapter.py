"""The LightGBM adapter: a trained PropertyModel drives the optimiser; domains agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.optimisation import optimise
from engine.optimisation.examples import example_path
from engine.optimisation.lightgbm_adapter import LightGBMPredictorAdapter
from engine.optimisation.predictor import PropertyPredictor
from engine.optimisation.study import StudySpec
from engine.uncertainty.domain import threshold_score
from tests.engine.optimisation.fakes import (
    AbramsFakePredictor,
    concrete_derive,
    independent_violations,
)

lightgbm_model = pytest.importorskip("engine.models.lightgbm_model")

AMOUNTS = ["cement", "fly_ash", "slag", "water", "superplasticizer", "coarse_aggregate",
           "fine_aggregate"]


@pytest.fixture(scope="module")
def model() -> object:
    fake = AbramsFakePredictor()
    rng = np.random.default_rng(0)
    cloud = fake._domain_model.cloud * fake._domain_model.scale
    X = pd.DataFrame(cloud[:300], columns=AMOUNTS)
    X["age_days"] = 28.0
    X["curing"] = pd.Categorical(rng.choice(["standard", "steam"], len(X)))
    truth = fake.predict(concrete_derive(X.copy()))
    y = pd.DataFrame({
        "compressive_strength": truth.mean["compressive_strength"] + rng.normal(0, 2, len(X)),
        "slump": truth.mean["slump"] + rng.normal(0, 10, len(X)),
    })
    return lightgbm_model.PropertyModel(
        inputs=list(X.columns), categorical=["curing"], num_boost_round=80,
        calibration="random", seed=0,
    ).fit(X, y)


def test_adapter_follows_the_protocol_and_the_models_domain(model: object) -> None:
    adapter = LightGBMPredictorAdapter(model)
    assert isinstance(adapter, PropertyPredictor)
    assert adapter.target_names == ("compressive_strength", "slump")
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({name: rng.uniform(0, 1200, 200) for name in AMOUNTS})
    frame["age_days"] = 28.0
    frame["curing"] = pd.Categorical(rng.choice(["standard", "steam"], 200))
    predictions = adapter.predict(frame)
    reference = model.predict_table(frame)  # type: ignore[attr-defined]
    assert np.array_equal(predictions.domain_label, reference["domain"].to_numpy())
    assert np.allclose(predictions.domain_score, reference["domain score"].to_numpy())
    for target in adapter.target_names:
        assert np.all(predictions.lower[target] <= predictions.upper[target])
        assert np.allclose(predictions.mean[target], reference[target].to_numpy())


def test_domain_score_maps_thresholds_to_one_and_two() -> None:
    score = threshold_score(np.array([0.0, 2.0, 3.0, 4.0, 5.0]), 2.0, 4.0)
    assert score.tolist() == [0.0, 1.0, 1.5, 2.0, 2.5]


def test_optimise_with_a_trained_model(model: object) -> None:
    spec = StudySpec.from_toml(example_path("concrete_study.toml"))
    spec.algorithm = spec.algorithm.model_copy(update={"population": 40, "generations": 15})
    result = optimise(spec, LightGBMPredictorAdapter(model))
    assert len(result.pareto) > 0
    assert independent_violations(spec, result.pareto) == []
    assert set(result.pareto["domain_label"]) <= {"inside", "edge"}
