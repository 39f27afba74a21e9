"""optimise(): feasible results, determinism, cancel, progress and the predictor contract."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.errors import FormixError
from engine.optimisation import PredictorError, optimise
from engine.optimisation.examples import example_path
from engine.optimisation.study import StudySpec
from engine.progress import CancelToken
from tests.engine.optimisation.fakes import (
    AbramsFakePredictor,
    AlloyAnalyticPredictor,
    CrossingPredictor,
    GenericAnalyticPredictor,
    concrete_derive,
    independent_violations,
    output_ok,
)


def _spec(name: str = "concrete_study.toml", population: int = 40, generations: int = 30,
          **changes: Any) -> StudySpec:
    spec = StudySpec.from_toml(example_path(name))
    data = spec.model_dump()
    data["algorithm"].update(population=population, generations=generations)
    data.update(changes)
    return StudySpec.from_dict(data, source=example_path(name))


def _concrete(spec: StudySpec | None = None, **kwargs: Any) -> Any:
    return optimise(spec or _spec(), AbramsFakePredictor(), derive=concrete_derive, **kwargs)


@pytest.mark.parametrize("name", ["concrete_study.toml", "alloy_study.toml"])
def test_every_returned_recipe_satisfies_every_constraint(name: str) -> None:
    spec = _spec(name)
    if name.startswith("concrete"):
        result = _concrete(spec)
    else:
        result = optimise(spec, AlloyAnalyticPredictor())
    pareto = result.pareto
    assert len(pareto) >= 10
    assert independent_violations(spec, pareto) == []
    assert output_ok(pareto, spec)
    assert set(pareto["domain_label"]) <= {"inside", "edge"}
    assert (pareto["domain_score"] <= 2.0).all()
    assert 0.0 <= result.max_constraint_violation <= 1e-9
    assert result.n_evaluations == 40 * 30
    assert result.n_generations == 30 and len(result.history) == 30
    assert 0.0 < result.hypervolume <= 1.1 ** 3
    assert result.baseline is not None and result.baseline_feasible is True
    assert not pareto.duplicated(subset=list(result.variable_names)).any()


def test_result_frame_has_the_documented_columns() -> None:
    result = _concrete()
    columns = set(result.pareto.columns)
    assert set(result.variable_names) <= columns
    assert {"water_binder_ratio", "binder"} <= columns  # derived inputs
    for target in ("compressive_strength", "slump"):
        assert {f"{target}_mean", f"{target}_lower", f"{target}_upper"} <= columns
    assert {"domain_score", "domain_label", "cost", "co2", "max_violation"} <= columns
    assert result.objective_labels == ("compressive_strength_lower", "cost", "co2")
    assert result.senses == ("maximize", "minimize", "minimize")
    assert result.pareto["curing"].isin(["standard", "steam"]).all()
    first = result.objective_matrix()[:, 0]
    assert np.all(np.diff(-first) >= 0)  # best first by the first objective
    summary = result.summary()
    assert {"n_evaluations", "wall_s", "hypervolume", "max_constraint_violation"} <= set(summary)


def test_each_ratio_and_linear_limit_of_the_study_is_shown_once() -> None:
    spec = _spec()
    pareto = _concrete(spec).pareto
    numeric = pareto.select_dtypes("number")
    values = {ratio.name: sum(w * pareto[n] for n, w in ratio.numerator.items())
              / sum(w * pareto[n] for n, w in ratio.denominator.items()) for ratio in spec.ratio}
    values.update({linear.name: sum(c * pareto[n] for n, c in linear.coefficients.items())
                   for linear in spec.linear if linear.equal is None})
    assert spec.linear and len(values) == len(spec.ratio) + len(spec.linear)
    for name, value in values.items():
        showing = [c for c in numeric if np.allclose(numeric[c], value, rtol=1e-9, atol=0)]
        assert len(showing) == 1, (name, showing)  # its own column, or the model's w/b
    assert "water/binder" not in pareto and "water_binder_ratio" in pareto


def test_no_two_returned_recipes_are_the_same_at_the_variables_resolution() -> None:
    fine_spec = _spec()
    data = fine_spec.model_dump()
    for variable in data["variables"]:
        if variable["type"] == "continuous":
            variable["resolution"] = (variable["upper"] - variable["lower"]) / 25
    coarse_spec = StudySpec.from_dict(data, source=example_path("concrete_study.toml"))
    fine, coarse = _concrete(fine_spec), _concrete(coarse_spec)  # one seed: the same search
    assert 0 < len(coarse.pareto) < len(fine.pareto)
    numeric = [v["name"] for v in data["variables"] if v["type"] != "categorical"]
    step = np.array([v.get("resolution") or 1.0 for v in data["variables"]
                     if v["type"] != "categorical"])
    amounts = coarse.pareto[numeric].to_numpy(float) / step
    routes = coarse.pareto["curing"].to_numpy()
    for i in range(len(amounts)):
        same_route = routes[i + 1:] == routes[i]
        close = np.all(np.abs(amounts[i + 1:] - amounts[i]) < 1.0, axis=1)
        assert not np.any(same_route & close), i
    signs = fine.signs
    assert np.array_equal((coarse.objective_matrix() * signs).min(axis=0),
                          (fine.objective_matrix() * signs).min(axis=0))  # the extremes stay
    assert independent_violations(coarse_spec, coarse.pareto) == []


def test_same_seed_same_front_and_other_seed_other_front() -> None:
    a, b = _concrete(seed=11), _concrete(seed=11)
    pd.testing.assert_frame_equal(a.pareto, b.pareto)
    assert a.hypervolume == b.hypervolume
    assert all(np.array_equal(x, y) for x, y in zip(a.history, b.history, strict=True))
    c = _concrete(seed=12)
    assert not (len(c.pareto) == len(a.pareto) and np.allclose(
        c.objective_matrix(), a.objective_matrix()))


def test_seed_is_drawn_and_reported_when_the_study_has_none() -> None:
    spec = _spec()
    spec.algorithm = spec.algorithm.model_copy(update={"seed": None, "generations": 5})
    first = _concrete(spec)
    again = _concrete(spec, seed=first.seed)
    pd.testing.assert_frame_equal(first.pareto, again.pareto)


def test_cancel_after_generation_three_returns_promptly_with_a_valid_set() -> None:
    spec = _spec(population=60, generations=500)
    token = CancelToken()
    seen: list[tuple[float, str]] = []

    def progress(fraction: float, message: str) -> None:
        seen.append((fraction, message))
        if message.startswith("generation 3/"):
            token.cancel()

    started = time.perf_counter()
    result = _concrete(spec, progress=progress, cancel=token)
    assert time.perf_counter() - started < 5.0
    assert result.cancelled and result.n_generations == 3
    assert result.n_evaluations == 3 * 60
    assert len(result.pareto) > 0
    assert independent_violations(spec, result.pareto) == []
    assert output_ok(result.pareto, spec)
    assert result.message.startswith("cancelled")
    assert [round(f * 500) for f, _ in seen] == [1, 2, 3]


def test_progress_reaches_one_and_one_predictor_call_per_generation() -> None:
    predictor = AbramsFakePredictor()
    fractions: list[float] = []
    result = optimise(_spec(generations=12), predictor, derive=concrete_derive,
                      progress=lambda f, m: fractions.append(f))
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) == 12
    # one call per generation, one for the final set, one for the baseline
    assert predictor.calls == 12 + 2
    assert result.n_evaluations == 12 * 40


def test_nothing_feasible_returns_an_empty_set_and_says_why() -> None:
    spec = _spec(generations=5)
    spec.constraints[0].min = 150.0  # 150 MPa lower bound: impossible here
    result = _concrete(spec)
    assert len(result.pareto) == 0
    # not 0.0: the violation of the closest recipe, as a share of the limit it misses
    assert 0.1 < result.max_constraint_violation < 1.0
    assert "strength class C30/37 min" in result.message


def test_explore_mode_drops_the_domain_constraint() -> None:
    # the fake's strongest, cheapest mixes lie outside its data: explore mode gets there
    spec = _spec(generations=30)
    spec.domain.mode = "explore"
    explored = _concrete(spec)
    assert "outside" in set(explored.pareto["domain_label"]) or \
        explored.pareto["domain_score"].max() > 1.0
    inside = _spec(generations=15)
    inside.domain.mode = "inside"
    assert (_concrete(inside).pareto["domain_score"] <= 1.0).all()


def test_quantile_objective_uses_the_requested_coverage() -> None:
    spec = _spec(generations=5)
    spec.objectives[0] = spec.objectives[0].model_copy(
        update={"statistic": "mean", "quantile": 0.25})
    result = _concrete(spec)
    pareto = result.pareto
    label = "compressive_strength_q0.25"
    assert label in result.objective_labels
    half_90 = (pareto["compressive_strength_mean"] - pareto["compressive_strength_lower"])
    half_50 = pareto["compressive_strength_mean"] - pareto[label]
    assert np.all(half_50 < half_90)


def test_seed_recipes_from_a_csv(tmp_path: Path) -> None:
    text = example_path("concrete_study.toml").read_text("utf-8")
    text = text.replace("seed = 42", 'seed = 42\nseed_recipes = "history.csv"')
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    pd.DataFrame([{"cement": 320, "fly_ash": 0, "slag": 80, "water": 170,
                   "superplasticizer": 5, "coarse_aggregate": 1000, "curing": "steam"}]).to_csv(
        tmp_path / "history.csv", index=False)
    spec = StudySpec.from_toml(tmp_path / "study.toml")
    spec.algorithm = spec.algorithm.model_copy(update={"generations": 3, "population": 20})
    assert len(_concrete(spec).pareto) > 0


def test_missing_target_input_price_and_crossing_intervals_are_refused() -> None:
    spec = _spec(generations=2)
    generic = GenericAnalyticPredictor({"cement": (200, 450)}, {}, ["slump"])
    with pytest.raises(PredictorError, match="do not predict 'compressive_strength'"):
        optimise(spec, generic)
    with pytest.raises(PredictorError, match="water_binder_ratio"):
        optimise(spec, AbramsFakePredictor())  # no derive step
    no_prices = _spec(generations=2, materials={})
    with pytest.raises(FormixError, match="no price for material"):
        _concrete(no_prices)
    numeric = {v.name: (v.lower, v.upper) for v in spec.variables if v.type == "continuous"}
    crossing = CrossingPredictor(GenericAnalyticPredictor(
        numeric, {}, ["compressive_strength", "slump"]))
    with pytest.raises(PredictorError, match="lower > upper"):
        optimise(spec, crossing)
    quantile = _spec(generations=2)
    quantile.objectives[0] = quantile.objectives[0].model_copy(update={"coverage": 0.5})
    with pytest.raises(PredictorError, match="another coverage"):
        optimise(quantile, crossing)



def test_width_and_cost_constraints_and_a_width_objective() -> None:
    data = _spec(generations=10).model_dump()
    data["constraints"] += [
        {"kind": "uncertainty", "target": "compressive_strength", "max": 9.0},
        {"kind": "cost", "max": 90.0},
    ]
    data["objectives"][2] = {"kind": "uncertainty", "target": "slump"}
    spec = StudySpec.from_dict(data)
    result = _concrete(spec)
    pareto = result.pareto
    assert "slump_width" in result.objective_labels
    width = pareto["compressive_strength_upper"] - pareto["compressive_strength_lower"]
    assert len(pareto) > 0 and (width <= 9.0).all() and (pareto["cost"] <= 90.0).all()
    assert np.allclose(pareto["slump_width"], pareto["slump_upper"] - pareto["slump_lower"])
