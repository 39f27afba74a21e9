"""A mutation that uses what the optimiser knows exactly: cost and CO₂ are linear in a recipe.

Tree models predict piecewise-constant properties: around a recipe there is usually a small
box where the predicted strength does not change at all, while cost and CO₂ keep falling in a
known direction. Polynomial mutation finds those moves only by chance. :class:`DescentMutation`
sends a share of the offspring a short, random-length step down a random convex combination of
the exact cost/CO₂ gradients (in decision space, balance elements included), and mutates the
rest with the usual polynomial mutation. The repair that follows makes every step feasible
again; NSGA-II's selection keeps a step only if the predicted properties held.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pymoo.core.mutation import Mutation

from engine.optimisation.encoding import DesignSpace


def linear_directions(space: DesignSpace, factors: list[np.ndarray]) -> np.ndarray:
    """Gradients of ``factor · Z`` with respect to the numeric decision variables.

    Args:
        space: the compiled study; balances are affine in the decision vector.
        factors: per linear objective, its factor over the full numeric vector Z.

    Returns:
        One row per factor, over the decision vector (zeros at categorical columns).
    """
    middle = (space.xl + space.xu) / 2
    base, _ = space.decode(middle[None, :], clip_balance=False)
    rows = np.zeros((len(factors), space.n_var))
    for j in space.x_numeric_cols:
        step = np.zeros(space.n_var)
        step[j] = 1.0
        moved, _ = space.decode((middle + step)[None, :], clip_balance=False)
        change = moved[0] - base[0]
        for i, factor in enumerate(factors):
            rows[i, j] = float(factor @ change)
    return rows


class DescentMutation(Mutation):
    """Polynomial mutation, or (with probability ``share``) a step down the linear objectives.

    The step direction is a random convex combination of the gradients, each scaled to the
    decision box; its length is uniform in ``(0, max_step]`` of the box diagonal. Short steps
    (2 % rather than 5 %) keep more offspring in the same tree cells: on the demo study they
    raised the hypervolume at 100 × 200 from 0.962 to 0.967 of the 10× reference (mean of
    seeds 0–4, ``formix bench optimise``).
    """

    def __init__(self, base: Mutation, directions: np.ndarray, xl: np.ndarray, xu: np.ndarray,
                 share: float = 0.3, max_step: float = 0.02) -> None:
        super().__init__()
        self.base = base
        self.share = share
        self.max_step = max_step
        span = np.where(xu > xl, xu - xl, 1.0)
        scaled = directions * span  # gradient per unit of normalised decision space
        norms = np.linalg.norm(scaled, axis=1, keepdims=True)
        usable = norms[:, 0] > 0
        self.directions = scaled[usable] / norms[usable]
        self.span = span

    def _do(self, problem: Any, X: np.ndarray, *args: Any, random_state: Any = None,
            **kwargs: Any) -> np.ndarray:
        rng = random_state if random_state is not None else np.random.default_rng()
        out = np.asarray(self.base._do(problem, X, *args, random_state=rng, **kwargs),
                         dtype=float).copy()
        if not len(self.directions):
            return out
        chosen = rng.random(len(X)) < self.share
        if not chosen.any():
            return out
        n = int(chosen.sum())
        weights = rng.dirichlet(np.ones(len(self.directions)), size=n)
        direction = weights @ self.directions
        norms = np.linalg.norm(direction, axis=1, keepdims=True)
        direction = direction / np.where(norms > 0, norms, 1.0)
        length = rng.random((n, 1)) * self.max_step * np.sqrt(len(self.span))
        out[chosen] = np.asarray(X, dtype=float)[chosen] - length * direction * self.span
        return out
