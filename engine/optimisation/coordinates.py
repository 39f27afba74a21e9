"""Search coordinates: the numbers NSGA-II's crossover and mutation vary.

Recipes are decided in amounts, but concrete studies constrain, and models learn, ratios to a
shared denominator: water/binder, SCM shares of binder, superplasticizer dose. Varying cement
alone moves all of those at once, so crossover and mutation rarely change one driver at a
time. When [[ratio]] tables share a denominator group (the binder), the search runs in

* the group's total (binder content),
* each member's share of it, except a base member that takes the remainder (cement),
* for each variable that is the sole numerator of a ratio over the group, its ratio to the
  total (water/binder, superplasticizer/binder),

with every other column left as it is (other amounts, integers, categorical codes). The map is
one-to-one between positive totals; repair, evaluation and results still work on decision
vectors (amounts). Without such a group the coordinates are the decision vector itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from engine.optimisation.constraints import LinearSystem
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.study import StudySpec


@dataclass(frozen=True)
class SearchCoordinates:
    """Decision vectors X ↔ search vectors U (same length, same column order).

    Attributes:
        xl, xu: bounds of U for pymoo.
        total_col: the U column holding the group total (the base member's X column); −1
            when U is X.
        share_cols: X columns of the other group members (U holds their shares there).
        ratio_cols: X columns of the sole numerators (U holds their ratio to the total there).
    """

    xl: np.ndarray
    xu: np.ndarray
    total_col: int = -1
    share_cols: tuple[int, ...] = ()
    ratio_cols: tuple[int, ...] = ()

    @classmethod
    def for_study(cls, spec: StudySpec, space: DesignSpace,
                  system: LinearSystem) -> SearchCoordinates:
        """Ratio coordinates over the denominator most [[ratio]] tables share, if any."""
        identity = cls(space.xl.copy(), space.xu.copy())
        column = _continuous_decision_columns(space)
        groups = Counter(
            frozenset(r.denominator) for r in spec.ratio
            if _unit_weights(r.denominator) and set(r.denominator) <= column.keys()
        )
        if not groups:
            return identity
        group = sorted(groups.most_common(), key=lambda item: (-item[1], sorted(item[0])))[0][0]
        low, high = _total_range(space, system, [space.index(name) for name in group])
        if not low > 0 or not np.isfinite(high):
            return identity
        base = max(sorted(group), key=lambda name: space.upper[space.index(name)])
        xl, xu = space.xl.copy(), space.xu.copy()
        total_col = column[base]
        xl[total_col], xu[total_col] = low, high
        ratios: dict[str, tuple[float, float]] = {}
        for ratio in spec.ratio:
            if (frozenset(ratio.denominator) == group and len(ratio.numerator) == 1
                    and _unit_weights(ratio.numerator)):
                (name,) = ratio.numerator
                if name in column and name != base:
                    lo, hi = ratios.get(name, (0.0, np.inf))
                    ratios[name] = (max(lo, ratio.min or 0.0),
                                    min(hi, np.inf if ratio.max is None else ratio.max))
        share_cols: list[int] = []
        ratio_cols: list[int] = []
        for name in sorted((group - {base}) | ratios.keys(), key=column.__getitem__):
            lo, hi = ratios.get(name, (-np.inf, np.inf))
            j, z = column[name], space.index(name)
            xl[j] = max(lo, space.lower[z] / high)
            xu[j] = min(hi, space.upper[z] / low, 1.0 if name in group else np.inf)
            (share_cols if name in group else ratio_cols).append(j)
        if np.any(xl > xu):
            return identity
        return cls(xl, xu, total_col, tuple(share_cols), tuple(ratio_cols))

    @property
    def is_identity(self) -> bool:
        """Whether U is the decision vector itself."""
        return self.total_col < 0

    def to_decisions(self, U: np.ndarray) -> np.ndarray:
        """Search vectors → decision vectors (the base member may come out negative for
        shares summing past 1; repair fixes that like any other violation)."""
        X = np.array(U, dtype=float, copy=True, ndmin=2)
        if self.is_identity:
            return X
        total = X[:, self.total_col].copy()
        shares = X[:, list(self.share_cols)]
        X[:, list(self.share_cols)] = shares * total[:, None]
        X[:, list(self.ratio_cols)] *= total[:, None]
        base = total * (1.0 - shares.sum(axis=1))
        X[:, self.total_col] = np.where(np.abs(base) <= 1e-12 * np.abs(total), 0.0, base)
        return X

    def from_decisions(self, X: np.ndarray) -> np.ndarray:
        """Decision vectors → search vectors (a zero total gives zero shares and ratios)."""
        U = np.array(X, dtype=float, copy=True, ndmin=2)
        if self.is_identity:
            return U
        members = [self.total_col, *self.share_cols]
        total = U[:, members].sum(axis=1)
        scaled = [*self.share_cols, *self.ratio_cols]
        safe = np.where(total > 0, total, 1.0)[:, None]
        U[:, scaled] = np.where(total[:, None] > 0, U[:, scaled] / safe, 0.0)
        U[:, self.total_col] = total
        return U


def _continuous_decision_columns(space: DesignSpace) -> dict[str, int]:
    """X column of every continuous decision variable (no integers, balances, fixed values)."""
    out = {}
    for j, z in zip(space.x_numeric_cols, space.z_numeric_cols, strict=True):
        if not space.is_integer[z] and not space.is_fixed[z]:
            out[space.numeric_names[z]] = int(j)
    return out


def _unit_weights(weights: dict[str, float]) -> bool:
    return all(w == 1.0 for w in weights.values())


def _total_range(space: DesignSpace, system: LinearSystem,
                 members: list[int]) -> tuple[float, float]:
    """Smallest and largest Σ Z[members] the bounds, mixtures and linear constraints allow."""
    objective = np.zeros(space.n_numeric)
    objective[members] = 1.0
    found = []
    for sign in (1.0, -1.0):
        result = system.minimise(sign * objective, space.lower, space.upper)
        if result.status != 0:
            return 0.0, np.inf
        found.append(sign * result.fun)
    return float(found[0]), float(found[1])
