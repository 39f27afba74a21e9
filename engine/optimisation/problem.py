"""The pymoo problem: evaluates a population, nothing else (repair and stopping live elsewhere)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pymoo.core.problem import Problem

from engine.optimisation.coordinates import SearchCoordinates
from engine.optimisation.evaluation import StudyEvaluator


class RecipeProblem(Problem):
    """Vectorised recipe problem: one predictor call per generation.

    ``F`` holds the objectives with maximised ones sign-flipped; ``G`` the structural safety
    net, the output constraints and the applicability-domain constraint (see
    :mod:`engine.optimisation.evaluation`). Individuals are search vectors (see
    :mod:`engine.optimisation.coordinates`) of repaired recipes.
    """

    def __init__(self, evaluator: StudyEvaluator, coordinates: SearchCoordinates) -> None:
        super().__init__(
            n_var=evaluator.space.n_var,
            n_obj=len(evaluator.objective_terms),
            n_ieq_constr=evaluator.n_constraints,
            xl=coordinates.xl,
            xu=coordinates.xu,
            vtype=float,
        )
        self.evaluator = evaluator
        self.coordinates = coordinates

    def _evaluate(self, x: np.ndarray, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        evaluation = self.evaluator.evaluate(self.coordinates.to_decisions(x))
        out["F"] = evaluation.F
        out["G"] = evaluation.G
