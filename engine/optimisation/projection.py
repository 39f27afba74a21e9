"""Vectorised projections onto the convex part of a design space.

The convex set is ``box ∩ {E z = e} ∩ {A z ≤ b}`` (bounds, mixtures and linear equalities,
linear bounds and ratios). All kernels work on a whole population at once (rows), in scaled
coordinates ``w = z / scale`` so that a kilogram of admixture and a kilogram of gravel are not
treated alike.

* One equality with bounds, ``{a·w = t, l ≤ w ≤ u}``: the exact Euclidean projection is
  ``clip(y − λa, l, u)`` with λ chosen so the sum is met. ``Σ a·clip(y − λa)`` is piecewise
  linear and non-increasing in λ; it is evaluated at all 2k breakpoints, the bracketing segment
  is found and λ is solved for exactly (the "water-filling" projection onto a weighted simplex
  with bounds; any signs of ``a``).
* Equalities on disjoint components are projected independently: one exact step.
* Otherwise (inequalities, overlapping equalities) Dykstra's alternating projections over the
  sets, always ending on ``box ∩ equalities``, so bounds and mixture sums hold exactly whatever
  happens; half-spaces are tightened by a tiny margin so the iterates cross into them in finitely
  many sweeps. Rows stop as soon as they satisfy everything; rows that do not within
  ``max_sweeps`` are returned as they are and caught by the feasibility check.

Rows that already satisfy every constraint are returned bit-for-bit unchanged (idempotence).
Per-row bounds (``L``, ``U`` arrays) let callers fix coordinates row by row (rounded integers,
components snapped to zero); fixed coordinates never move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.optimisation.constraints import LinearSystem
from engine.optimisation.encoding import DesignSpace

_EQ_SKIP_TOL = 1e-13  # relative residual below which a row is left untouched
_EQ_ACCEPT_TOL = 1e-12  # for equalities not projected last (overlapping groups)
_MARGIN = 1e-9  # half-spaces are tightened by this (scaled, unit-normal units)


@dataclass(frozen=True)
class _Equality:
    columns: np.ndarray
    weights: np.ndarray
    target: float


def project_hyperplane_box(Y: np.ndarray, L: np.ndarray, U: np.ndarray, a: np.ndarray,
                           t: float) -> np.ndarray:
    """Project each row of ``Y`` onto ``{w : a·w = t, L ≤ w ≤ U}`` (Euclidean, exact).

    Args:
        Y, L, U: points and per-row bounds, shape (n, k).
        a: non-zero coefficients, shape (k,).
        t: the right-hand side.

    Returns:
        The projected rows. Where ``t`` cannot be reached within the bounds, the row at the
        nearest reachable end (the caller's feasibility check reports it).
    """
    n_rows, k = Y.shape
    if n_rows == 0:
        return Y.copy()
    breaks = np.concatenate([(Y - U) / a, (Y - L) / a], axis=1)
    breaks.sort(axis=1)
    candidates = np.clip(Y[:, None, :] - breaks[:, :, None] * a, L[:, None, :], U[:, None, :])
    sums = candidates @ a  # non-increasing along axis 1
    above = (sums >= t).sum(axis=1)
    rows = np.arange(n_rows)
    lam = np.empty(n_rows)
    low_end = above == 0  # t above every reachable sum
    high_end = above == 2 * k  # t at or below the smallest sum
    inside = ~(low_end | high_end)
    lam[low_end] = breaks[low_end, 0]
    lam[high_end] = breaks[high_end, -1]
    j = above[inside] - 1
    r = rows[inside]
    b0, b1 = breaks[r, j], breaks[r, j + 1]
    s0, s1 = sums[r, j], sums[r, j + 1]
    drop = s0 - s1
    safe = np.where(drop > 0, drop, 1.0)
    lam[inside] = np.where(drop > 0, b0 + (s0 - t) / safe * (b1 - b0), b0)
    W = np.clip(Y - lam[:, None] * a, L, U)
    # one Newton step on the free components removes the rounding left by the interpolation
    free = (W > L) & (W < U)
    curvature = (free * a * a).sum(axis=1)
    residual = t - W @ a
    step = np.where(curvature > 0, residual / np.where(curvature > 0, curvature, 1.0), 0.0)
    return np.clip(W + free * a * step[:, None], L, U)


class ConvexProjector:
    """Projects full numeric vectors onto the convex part of a study's design space."""

    def __init__(self, space: DesignSpace, system: LinearSystem, max_sweeps: int = 200) -> None:
        self._scale = space.scale
        self._max_sweeps = max_sweeps
        E = system.eq_matrix * space.scale
        free = ~space.is_fixed
        equalities = []
        for row, target in zip(E, system.eq_rhs, strict=True):
            columns = np.flatnonzero(row != 0)
            equalities.append(_Equality(columns, row[columns], float(target)))
        self._groups = _disjoint_groups(equalities, free)
        A = system.ineq_matrix * space.scale
        norms = np.linalg.norm(A, axis=1)
        keep = norms > 0
        self._A = A[keep] / norms[keep, None]
        self._b = system.ineq_rhs[keep] / norms[keep]
        self._E, self._e = E, system.eq_rhs

    @property
    def exact_in_one_step(self) -> bool:
        """Whether projections need no iteration (disjoint equalities, no inequalities)."""
        return len(self._groups) <= 1 and len(self._b) == 0

    def project(self, Z: np.ndarray, L: np.ndarray, U: np.ndarray) -> np.ndarray:
        """Project rows of ``Z`` (full numeric vectors) within per-row bounds ``L``, ``U``.

        Rows already feasible come back unchanged; coordinates with ``L == U`` are set to it.
        """
        s = self._scale
        W, Lw, Uw = Z / s, L / s, U / s
        todo = ~self._satisfied(W, Lw, Uw, _EQ_SKIP_TOL)
        out = Z.copy()
        if not todo.any():
            return out
        Wt, Lt, Ut = W[todo], Lw[todo], Uw[todo]
        Wt = self._project_group(Wt, Lt, Ut, 0)
        if not self.exact_in_one_step:
            Wt = self._dykstra(Wt, Lt, Ut)
        out[todo] = np.clip(Wt * s, L[todo], U[todo])
        return out

    # ------------------------------------------------------------------------------ kernels

    def _satisfied(self, W: np.ndarray, L: np.ndarray, U: np.ndarray, eq_tol: float,
                   skip_group0: bool = False) -> np.ndarray:
        ok = np.all((W >= L) & (W <= U), axis=1)
        if len(self._e):
            residual = np.abs(W @ self._E.T - self._e)
            size = np.maximum(np.abs(W) @ np.abs(self._E).T, np.abs(self._e))
            within = residual <= eq_tol * np.maximum(size, 1e-300)
            if skip_group0 and self._groups:
                within[:, list(self._groups[0][1])] = True
            ok &= np.all(within, axis=1)
        if len(self._b):
            ok &= np.all(W @ self._A.T - self._b <= 0.0, axis=1)
        return ok

    def _project_group(self, Y: np.ndarray, L: np.ndarray, U: np.ndarray,
                       group: int) -> np.ndarray:
        W = np.clip(Y, L, U)
        if group < len(self._groups):
            for equality in self._groups[group][0]:
                c = equality.columns
                W[:, c] = project_hyperplane_box(Y[:, c], L[:, c], U[:, c], equality.weights,
                                                 equality.target)
        return W

    def _project_halfspace(self, Y: np.ndarray, L: np.ndarray, U: np.ndarray,
                           j: int) -> np.ndarray:
        a, b = self._A[j], self._b[j]
        free = U > L
        a_rows = np.where(free, a, 0.0)
        rhs = b - _MARGIN - np.where(free, 0.0, a * Y).sum(axis=1)
        excess = (a_rows * Y).sum(axis=1) - rhs
        norm2 = (a_rows * a_rows).sum(axis=1)
        move = np.where((excess > 0) & (norm2 > 0), excess / np.where(norm2 > 0, norm2, 1.0),
                        0.0)
        return Y - move[:, None] * a_rows

    def _dykstra(self, W: np.ndarray, L: np.ndarray, U: np.ndarray) -> np.ndarray:
        W = W.copy()
        sets: list[tuple[str, int]] = [("half", j) for j in range(len(self._b))]
        sets += [("group", g) for g in range(1, len(self._groups))]
        sets.append(("group", 0))  # last: bounds and (most) equalities hold exactly
        increments = [np.zeros_like(W) for _ in sets]
        active = ~self._satisfied(W, L, U, _EQ_ACCEPT_TOL, skip_group0=True)
        for _ in range(self._max_sweeps):
            rows = np.flatnonzero(active)
            if len(rows) == 0:
                break
            X, Lr, Ur = W[rows], L[rows], U[rows]
            for (kind, j), increment in zip(sets, increments, strict=True):
                Y = X + increment[rows]
                if kind == "half":
                    X = self._project_halfspace(Y, Lr, Ur, j)
                else:
                    X = self._project_group(Y, Lr, Ur, j)
                increment[rows] = Y - X
            W[rows] = X
            done = self._satisfied(X, Lr, Ur, _EQ_ACCEPT_TOL, skip_group0=True)
            active[rows[done]] = False
        return W


def _disjoint_groups(equalities: list[_Equality],
                     free: np.ndarray) -> list[tuple[list[_Equality], set[int]]]:
    """Greedily pack equalities into groups whose free components do not overlap.

    Returns (equalities, their row numbers in E) per group.
    """
    groups: list[tuple[list[_Equality], set[int], set[int]]] = []
    for number, equality in enumerate(equalities):
        support = {int(c) for c in equality.columns if free[c]}
        for members, rows, used in groups:
            if not support & used:
                members.append(equality)
                rows.add(number)
                used |= support
                break
        else:
            groups.append(([equality], {number}, set(support)))
    return [(members, rows) for members, rows, _ in groups]
