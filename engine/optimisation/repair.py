"""The repair: makes every individual satisfy the structural constraints before evaluation.

Order of operations on the full numeric vector (see :mod:`projection`):

1. round integers and categorical codes and clip them to range; rounded integers are then held
   fixed for the row;
2. project onto bounds ∩ mixtures ∩ linear constraints;
3. for each count constraint: amounts below ``min_amount`` snap to 0, the largest
   ``max_nonzero`` survivors are kept (components that must be present first: lower bound > 0,
   or no solution of the other constraints without them, found once by a small LP), the rest
   are fixed at 0 and the kept ones get ``lower = max(lower, min_amount)`` for the row;
4. project again within those per-row bounds.

Repair never evaluates anything; whatever cannot be repaired exactly is left to the problem's
constraint values (feasibility first) and to the final feasibility filter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pymoo.core.repair import Repair

from engine.optimisation.constraints import CountSet, LinearSystem
from engine.optimisation.coordinates import SearchCoordinates
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.projection import ConvexProjector
from engine.optimisation.study import StudySpecError


class RecipeRepairer:
    """Repairs recipes in the full numeric space; pure numpy, reusable outside pymoo.

    Raises:
        StudySpecError: a count constraint cannot hold because more of its components must be
            non-zero (by their bounds or by the other constraints) than it allows.
    """

    def __init__(self, space: DesignSpace, system: LinearSystem, max_sweeps: int = 30) -> None:
        self.space = space
        self.system = system
        self.projector = ConvexProjector(space, system, max_sweeps=max_sweeps)
        self.forced = tuple(self._forced(i, count) for i, count in enumerate(system.counts))

    def repair(self, Z: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Repair full numeric vectors ``Z`` and categorical ``codes`` (copies are returned)."""
        space = self.space
        Z = np.array(Z, dtype=float, copy=True)
        n_rows = len(Z)
        L = np.broadcast_to(space.lower, Z.shape).copy()
        U = np.broadcast_to(space.upper, Z.shape).copy()
        Z[:, space.is_fixed] = space.lower[space.is_fixed]
        if space.is_integer.any():
            ints = space.is_integer
            Z[:, ints] = np.clip(np.rint(Z[:, ints]), space.lower[ints], space.upper[ints])
            L[:, ints] = U[:, ints] = Z[:, ints]
        Z = self.projector.project(Z, L, U)
        if self.system.counts:
            self._snap_counts(Z, L, U)
            Z = self.projector.project(Z, L, U)
        codes = np.array(codes, dtype=float, copy=True).reshape(n_rows, -1)
        if codes.shape[1]:
            codes = np.clip(np.floor(codes + 0.5), 0, space.n_choices - 1)
        return Z, codes

    def _snap_counts(self, Z: np.ndarray, L: np.ndarray, U: np.ndarray) -> None:
        """Fix dropped components at 0 and raise kept ones' lower bound (in place)."""
        for count, forced in zip(self.system.counts, self.forced, strict=True):
            c = count.columns
            values = Z[:, c]
            eligible = (values > 0) & (values >= count.min_amount)
            priority = np.where(forced, np.inf, np.where(eligible, values, -np.inf))
            order = np.argsort(-priority, axis=1, kind="stable")
            rank = np.empty_like(order)
            np.put_along_axis(rank, order, np.arange(len(c))[None, :].repeat(len(Z), 0), 1)
            keep = (rank < count.max_nonzero) & np.isfinite(priority) | (priority == np.inf)
            drop = ~keep
            Zc, Lc, Uc = Z[:, c], L[:, c], U[:, c]
            Zc[drop] = Lc[drop] = Uc[drop] = 0.0
            Lc[keep] = np.minimum(np.maximum(Lc[keep], count.min_amount), Uc[keep])
            Z[:, c], L[:, c], U[:, c] = Zc, Lc, Uc

    def _forced(self, number: int, count: CountSet) -> np.ndarray:
        """Members that must be non-zero: by their bounds, or because the mixtures, linear
        constraints and ratios have no solution with them at zero (one small LP each)."""
        forced = count.forced.copy()
        for j, column in enumerate(count.columns):
            if not forced[j]:
                forced[j] = not self._feasible_with_zero(int(column))
        if forced.sum() > count.max_nonzero:
            names = ", ".join(self.space.numeric_names[c] for c in count.columns[forced])
            raise StudySpecError([(f"count[{number}].max_nonzero", (
                f"{int(forced.sum())} components must be non-zero for the bounds and the other "
                f"constraints to hold ({names}), but max_nonzero = {count.max_nonzero}"))])
        return forced

    def _feasible_with_zero(self, column: int) -> bool:
        space = self.space
        if space.lower[column] > 0:
            return False
        upper = space.upper.copy()
        upper[column] = 0.0
        result = self.system.minimise(np.zeros(space.n_numeric), space.lower, upper)
        return bool(result.status == 0)

    def repair_decisions(self, X: np.ndarray) -> np.ndarray:
        """Repair decision vectors (balances recomputed from the repaired components)."""
        Z, codes = self.space.decode(X, clip_balance=False)
        Z, codes = self.repair(Z, codes)
        return self.space.encode(Z, codes)


class RecipeRepair(Repair):
    """pymoo ``Repair`` around :class:`RecipeRepairer`, for individuals in search coordinates
    (:mod:`engine.optimisation.coordinates`)."""

    def __init__(self, repairer: RecipeRepairer, coordinates: SearchCoordinates) -> None:
        super().__init__()
        self.repairer = repairer
        self.coordinates = coordinates

    def _do(self, problem: Any, X: np.ndarray, **kwargs: Any) -> np.ndarray:
        coordinates = self.coordinates
        # Out-of-range shares or ratios are infeasible anyway: clip them before the projection.
        decisions = coordinates.to_decisions(np.clip(X, coordinates.xl, coordinates.xu))
        repaired = coordinates.from_decisions(self.repairer.repair_decisions(decisions))
        # Rounding can put a share a hair outside its range, and SBX needs parents inside.
        return np.clip(repaired, coordinates.xl, coordinates.xu)
