"""The run's archive: every feasible non-dominated recipe evaluated, not only the survivors.

With three objectives most of NSGA-II's merged population is non-dominated, so survival drops
non-dominated offspring every generation. :class:`FrontArchive` keeps them. It holds plain
arrays and uses moocore's O(n log n) non-dominance test: pymoo's ``Archive`` reads every
member's attributes through Python objects each generation, which took a quarter of a
2,000-generation run once it held thousands of recipes.
"""

from __future__ import annotations

import numpy as np
from moocore import is_nondominated


class FrontArchive:
    """Feasible, non-dominated, distinct (in objectives) search vectors and objectives.

    Attributes:
        X: search vectors, one row per recipe (empty until a feasible one is added).
        F: their objectives in minimisation form.
    """

    def __init__(self) -> None:
        self.X = np.empty((0, 0))
        self.F = np.empty((0, 0))

    def __len__(self) -> int:
        return len(self.X)

    def add(self, X: np.ndarray, F: np.ndarray, feasible: np.ndarray) -> None:
        """Add the feasible rows of an evaluated batch; drop whatever they dominate."""
        X, F = np.asarray(X, dtype=float), np.asarray(F, dtype=float)
        keep = np.asarray(feasible, dtype=bool) & np.isfinite(F).all(axis=1)
        if not keep.any():
            return
        X, F = X[keep], F[keep]
        if len(self):
            X, F = np.vstack([self.X, X]), np.vstack([self.F, F])
        front = is_nondominated(F)  # a repeated point is kept once
        self.X, self.F = X[front], F[front]
