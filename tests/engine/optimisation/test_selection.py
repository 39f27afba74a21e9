"""NeighbourhoodSelection: the second parent comes from the first one's neighbours on the front."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from pymoo.core.population import Population
from pymoo.core.problem import Problem

from engine.optimisation.selection import NeighbourhoodSelection


def _front(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` non-dominated points on the simplex x + y + z = 1, objectives of very different
    scales (as MPa, USD and kg would be)."""
    return rng.dirichlet(np.ones(3), size=n) * np.array([1.0, 100.0, 1000.0])


def _select(F: np.ndarray, CV: np.ndarray, probability: float, seed: int = 0) -> np.ndarray:
    pop = Population.new(X=np.zeros((len(F), 1)), F=F)
    pop.set("CV", CV[:, None])
    pop.set("rank", np.zeros(len(F), dtype=int))
    pop.set("crowding", np.ones(len(F)))
    problem = Problem(n_var=1, n_obj=3, n_ieq_constr=1, xl=0.0, xu=1.0)
    selection = NeighbourhoodSelection(neighbourhood=0.1, probability=probability)
    rng = np.random.default_rng(seed)
    nsga2 = SimpleNamespace(tournament_type="comp_by_dom_and_crowding", random_state=rng)
    return selection.do(problem, pop, 400, 2, to_pop=False, algorithm=nsga2, random_state=rng)


def _neighbours(F: np.ndarray, feasible: np.ndarray, k: int) -> dict[int, set[int]]:
    scaled = (F - F[feasible].min(axis=0)) / np.ptp(F[feasible], axis=0)
    out = {}
    for i in feasible:
        d = np.linalg.norm(scaled[feasible] - scaled[i], axis=1)
        d[feasible == i] = np.inf
        out[int(i)] = {int(j) for j in feasible[np.argsort(d)[:k]]}
    return out


def test_second_parent_is_a_near_neighbour_in_scaled_objectives() -> None:
    F = _front(60, np.random.default_rng(1))
    parents = _select(F, np.zeros(60), probability=1.0)
    near = _neighbours(F, np.arange(60), k=6)
    assert parents.shape == (400, 2)
    assert all(int(b) in near[int(a)] for a, b in parents)


def test_probability_sets_the_share_of_restricted_pairs() -> None:
    F = _front(60, np.random.default_rng(2))
    near = _neighbours(F, np.arange(60), k=6)
    parents = _select(F, np.zeros(60), probability=0.5, seed=3)
    share = np.mean([int(b) in near[int(a)] for a, b in parents])
    # restricted pairs (about half) plus tournament pairs that happen to be neighbours (~10 %)
    assert 0.45 < share < 0.7


def test_infeasible_members_are_never_taken_as_neighbours() -> None:
    F = _front(60, np.random.default_rng(4))
    CV = np.zeros(60)
    CV[::3] = 1.0
    feasible = np.flatnonzero(CV == 0)
    parents = _select(F, CV, probability=1.0)
    near = _neighbours(F, feasible, k=6)
    restricted = [(int(a), int(b)) for a, b in parents if CV[a] == 0]
    assert restricted and all(b in near[a] for a, b in restricted)
