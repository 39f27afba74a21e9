"""Parent selection with mating restricted to neighbours on the front.

NSGA-II picks both parents by binary tournament, so most pairs come from distant parts of the
front and their children land between them, away from it. :class:`NeighbourhoodSelection`
keeps the tournament for the first parent and, most of the time, takes the second from the
first one's nearest neighbours in scaled objective space (mating restriction, as in MOEA/D):
children of neighbours fill gaps on the front instead. Measured on the demo study (see
:mod:`engine.optimisation.bench`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pymoo.algorithms.moo.nsga2 import binary_tournament
from pymoo.core.selection import Selection
from pymoo.operators.selection.tournament import TournamentSelection

from engine.optimisation.result import unit_scaled


class NeighbourhoodSelection(Selection):
    """Binary tournament; the second parent is, with ``probability``, one of the first parent's
    nearest feasible neighbours (``neighbourhood`` × population size of them) in objective
    space scaled by the feasible members' ideal and nadir.

    Infeasible first parents, and populations with too few feasible members, keep the
    tournament's second parent.
    """

    def __init__(self, neighbourhood: float = 0.2, probability: float = 0.7) -> None:
        super().__init__()
        self.neighbourhood = neighbourhood
        self.probability = probability
        self.tournament = TournamentSelection(func_comp=binary_tournament)

    def _do(self, problem: Any, pop: Any, n_select: int, n_parents: int = 2,
            random_state: Any = None, **kwargs: Any) -> np.ndarray:
        parents = self.tournament._do(problem, pop, n_select, n_parents,
                                      random_state=random_state, **kwargs)
        feasible = np.flatnonzero(np.asarray(pop.get("CV"), dtype=float)[:, 0] <= 0.0)
        k = min(max(1, round(self.neighbourhood * len(pop))), len(feasible) - 1)
        if n_parents < 2 or k < 1:
            return parents
        scaled = unit_scaled(np.asarray(pop.get("F"), dtype=float)[feasible])
        distance = np.linalg.norm(scaled[:, None, :] - scaled[None, :, :], axis=2)
        np.fill_diagonal(distance, np.inf)
        nearest = feasible[np.argsort(distance, axis=1)[:, :k]]
        position = np.full(len(pop), -1)
        position[feasible] = np.arange(len(feasible))
        first = position[parents[:, 0]]
        restrict = (first >= 0) & (random_state.random(n_select) < self.probability)
        pick = random_state.integers(0, k, n_select)
        parents[restrict, 1] = nearest[first[restrict], pick[restrict]]
        return parents
