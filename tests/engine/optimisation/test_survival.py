"""HypervolumeSurvival: dominated members go first, then the one adding least hypervolume."""

from __future__ import annotations

import numpy as np
from moocore import hypervolume
from pymoo.core.population import Population
from pymoo.core.problem import Problem

from engine.optimisation.survival import HypervolumeSurvival


def _population(F: np.ndarray, CV: np.ndarray | None = None) -> Population:
    pop = Population.new(X=np.zeros((len(F), 1)), F=F)
    cv = np.zeros(len(F)) if CV is None else CV
    pop.set("CV", cv[:, None])
    return pop


def _problem(n_obj: int) -> Problem:
    return Problem(n_var=1, n_obj=n_obj, n_ieq_constr=1, xl=0.0, xu=1.0)


def _survivors(pop: Population, n: int) -> np.ndarray:
    kept = HypervolumeSurvival().do(_problem(pop.get("F").shape[1]), pop, n_survive=n)
    return np.asarray(kept.get("F"))


def test_keeps_a_subset_with_more_hypervolume_than_random_subsets() -> None:
    rng = np.random.default_rng(0)
    # 12 points on the plane x + y + z = 1 (all non-dominated), keep 6.
    points = rng.dirichlet(np.ones(3), size=12)
    kept = _survivors(_population(points), 6)
    assert len(kept) == 6

    def scaled_hypervolume(subset: np.ndarray) -> float:
        low, high = points.min(axis=0), points.max(axis=0)
        return float(hypervolume((subset - low) / (high - low), ref=np.full(3, 2.0)))

    random_best = max(scaled_hypervolume(points[rng.choice(12, 6, replace=False)])
                      for _ in range(300))
    assert scaled_hypervolume(kept) >= random_best - 1e-12


def test_dominated_and_infeasible_members_go_first() -> None:
    F = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0],
                  [1.5, 1.5, 1.5], [0.2, 0.2, 0.2]])
    CV = np.array([0.0, 0.0, 0.0, 0.0, 3.0])
    kept = _survivors(_population(F, CV), 3)
    assert {tuple(row) for row in kept} == {tuple(row) for row in F[:3]}


def test_survivors_carry_rank_and_their_contribution_for_the_tournament() -> None:
    F = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.5, 0.5, 0.5],
                  [0.51, 0.5, 0.5]])
    pop = _population(F)
    kept = HypervolumeSurvival().do(_problem(3), pop, n_survive=5)
    ranks = np.asarray(kept.get("rank"), dtype=int)
    crowding = np.asarray(kept.get("crowding"), dtype=float)
    assert set(ranks) == {0, 1}  # [0.51, 0.5, 0.5] is dominated by [0.5, 0.5, 0.5]
    assert np.all(crowding >= 0.0)
    middle = int(np.flatnonzero(np.all(np.asarray(kept.get("F")) == [0.5, 0.5, 0.5], axis=1))[0])
    assert crowding[middle] > 0.0
