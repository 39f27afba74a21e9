"""Recommendations: k distinct, diverse recipes with reasons, compared with the baseline."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from engine.optimisation import OptimisationResult, optimise, recommend
from engine.optimisation.examples import example_path
from engine.optimisation.study import StudySpec
from tests.engine.optimisation.fakes import (
    AbramsFakePredictor,
    AlloyAnalyticPredictor,
    concrete_derive,
)


@pytest.fixture(scope="module")
def concrete() -> OptimisationResult:
    spec = StudySpec.from_toml(example_path("concrete_study.toml"))
    spec.algorithm = spec.algorithm.model_copy(update={"population": 60, "generations": 40})
    return optimise(spec, AbramsFakePredictor(), derive=concrete_derive)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_k_distinct_recipes_with_reasons(concrete: OptimisationResult, k: int) -> None:
    picks = recommend(concrete, k)
    assert len(picks) == k
    assert [p.rank for p in picks] == list(range(1, k + 1))
    rows = [p.row for p in picks]
    assert len(set(rows)) == k
    recipes = concrete.pareto.iloc[rows][list(concrete.variable_names)]
    assert not recipes.duplicated().any()
    for pick in picks:
        assert pick.reasons and pick.domain_label in ("inside", "edge")
        assert pick.recipe["cement"] == concrete.pareto.iloc[pick.row]["cement"]


def test_reasons_name_knee_cheapest_and_best(concrete: OptimisationResult) -> None:
    reasons = {r for p in recommend(concrete, 6) for r in p.reasons}
    assert reasons & {"knee", "balanced"}
    assert {"cheapest", "lowest CO₂", "best compressive_strength_lower"} & reasons


def test_deltas_against_the_baseline(concrete: OptimisationResult) -> None:
    assert concrete.baseline is not None
    base = concrete.baseline.iloc[0]
    for pick in recommend(concrete, 3):
        for label, delta in (pick.deltas or {}).items():
            assert delta == pytest.approx(pick.objectives[label] - base[label])
        signs = dict(zip(concrete.objective_labels, concrete.signs, strict=True))
        better = {label for label, d in (pick.deltas or {}).items() if d * signs[label] < 0}
        assert set(pick.better_than_baseline or ()) == better
    ranks = [len(p.better_than_baseline or ()) for p in recommend(concrete, 3)]
    assert ranks == sorted(ranks, reverse=True)
    assert isinstance(recommend(concrete, 1)[0].to_dict()["recipe"]["cement"], float)


def test_greedy_choice_spreads_out_in_input_space(concrete: OptimisationResult) -> None:
    picks = recommend(concrete, 3)
    X = concrete.pareto[["cement", "slag", "fly_ash", "water"]].to_numpy(float)
    Xs = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1)
    chosen = Xs[[p.row for p in picks]]
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(chosen) for b in chosen[i + 1:]]
    typical = np.median([np.linalg.norm(a - b) for a in Xs for b in Xs])
    assert min(gaps) > 0.3 * typical


def test_small_fronts_and_no_baseline() -> None:
    spec = StudySpec.from_toml(example_path("alloy_study.toml"))
    spec.algorithm = spec.algorithm.model_copy(update={"population": 20, "generations": 5})
    result = optimise(spec, AlloyAnalyticPredictor())
    no_baseline = replace(result, baseline=None)
    picks = recommend(no_baseline, 50)
    assert len(picks) == len({p.row for p in picks}) <= len(result.pareto)
    assert all(p.deltas is None and p.dominates_baseline is None for p in picks)
    empty = replace(result, pareto=result.pareto.iloc[:0])
    assert recommend(empty, 3) == ()


def test_pymoo_decision_making_leaves_warning_filters_alone(
        concrete: OptimisationResult) -> None:
    before = list(warnings.filters)
    recommend(concrete, 3)
    assert warnings.filters == before
