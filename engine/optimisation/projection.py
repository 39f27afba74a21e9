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
  many sweeps. Rows stop as soon as they satisfy everything.
* Rows Dykstra does not finish within ``max_sweeps`` (thin sets, corners where it crawls) move
  along the segment towards an *anchor*, a feasible point deep inside the set (a small LP, solved
  once per pattern of per-row bounds and cached): both ends satisfy bounds and equalities, so the
  point as far along as every half-space allows is feasible, in one step. Only rows whose
  per-row set is empty stay infeasible; the feasibility check reports them.

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
_RELATIVE_ACCEPT = 1e-12  # fallback acceptance for half-spaces, relative as in the final check


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
    """Projects full numeric vectors onto the convex part of a study's design space.

    Not thread-safe: it caches anchor points (one small LP per distinct pattern of per-row
    bounds on constrained components).
    """

    def __init__(self, space: DesignSpace, system: LinearSystem, max_sweeps: int = 30) -> None:
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
        self._constrained = np.flatnonzero(
            (np.abs(self._E).sum(axis=0) > 0) | (np.abs(self._A).sum(axis=0) > 0))
        self._anchors: dict[bytes, np.ndarray | None] = {}

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
            failed = self._dykstra(Wt, Lt, Ut)
            if failed.any():
                Wt[failed] = self._toward_anchor(Wt[failed], Lt[failed], Ut[failed])
        out[todo] = np.clip(Wt * s, L[todo], U[todo])
        return out

    # ------------------------------------------------------------------------------ kernels

    def _satisfied(self, W: np.ndarray, L: np.ndarray, U: np.ndarray, eq_tol: float,
                   skip_group0: bool = False, relative: float | None = None) -> np.ndarray:
        ok = np.all((W >= L) & (W <= U), axis=1)
        if len(self._e):
            ok &= np.all(self._eq_within(W, eq_tol, skip_group0), axis=1)
        if len(self._b):
            excess = W @ self._A.T - self._b
            if relative is None:
                ok &= np.all(excess <= 0.0, axis=1)
            else:
                size = np.maximum(np.abs(W) @ np.abs(self._A).T, np.abs(self._b))
                ok &= np.all(excess <= relative * size, axis=1)
        return ok

    def _eq_within(self, W: np.ndarray, tol: float, skip_group0: bool) -> np.ndarray:
        residual = np.abs(W @ self._E.T - self._e)
        size = np.maximum(np.abs(W) @ np.abs(self._E).T, np.abs(self._e))
        within = residual <= tol * np.maximum(size, 1e-300)
        if skip_group0 and self._groups:
            within[:, list(self._groups[0][1])] = True
        return within

    def _project_group(self, Y: np.ndarray, L: np.ndarray, U: np.ndarray,
                       group: int) -> np.ndarray:
        W = np.clip(Y, L, U)
        if group < len(self._groups):
            for equality in self._groups[group][0]:
                c = equality.columns
                W[:, c] = project_hyperplane_box(Y[:, c], L[:, c], U[:, c], equality.weights,
                                                 equality.target)
        return W

    def _project_halfspace(self, Y: np.ndarray, L: np.ndarray, U: np.ndarray, j: int,
                           margin: float) -> np.ndarray:
        a, b = self._A[j], self._b[j]
        free = U > L
        a_rows = np.where(free, a, 0.0)
        rhs = b - margin - np.where(free, 0.0, a * Y).sum(axis=1)
        excess = (a_rows * Y).sum(axis=1) - rhs
        norm2 = (a_rows * a_rows).sum(axis=1)
        move = np.where((excess > 0) & (norm2 > 0), excess / np.where(norm2 > 0, norm2, 1.0),
                        0.0)
        return Y - move[:, None] * a_rows

    def _dykstra(self, W: np.ndarray, L: np.ndarray, U: np.ndarray, margin: float = _MARGIN,
                 relative: float | None = None, sweeps: int | None = None) -> np.ndarray:
        """Dykstra sweeps on the rows of ``W`` (in place); returns the rows not accepted.

        With a margin, half-spaces are tightened and accepted only when met exactly.
        """
        sets: list[tuple[str, int]] = [("half", j) for j in range(len(self._b))]
        sets += [("group", g) for g in range(1, len(self._groups))]
        sets.append(("group", 0))  # last: bounds and (most) equalities hold exactly
        increments = [np.zeros_like(W) for _ in sets]
        active = ~self._satisfied(W, L, U, _EQ_ACCEPT_TOL, skip_group0=True, relative=relative)
        for _ in range(self._max_sweeps if sweeps is None else sweeps):
            rows = np.flatnonzero(active)
            if len(rows) == 0:
                break
            X, Lr, Ur = W[rows], L[rows], U[rows]
            for (kind, j), increment in zip(sets, increments, strict=True):
                Y = X + increment[rows]
                if kind == "half":
                    X = self._project_halfspace(Y, Lr, Ur, j, margin)
                else:
                    X = self._project_group(Y, Lr, Ur, j)
                increment[rows] = Y - X
            W[rows] = X
            done = self._satisfied(X, Lr, Ur, _EQ_ACCEPT_TOL, skip_group0=True,
                                   relative=relative)
            active[rows[done]] = False
        return active

    # ------------------------------------------------------------------------------ anchors

    def _toward_anchor(self, Y: np.ndarray, L: np.ndarray, U: np.ndarray) -> np.ndarray:
        """Move rows Dykstra could not finish onto the segment towards a feasible anchor.

        Both ends satisfy the bounds and the group-0 equalities, so every point between does;
        the step is the largest that keeps every half-space satisfied.
        """
        out = Y.copy()
        c = self._constrained
        keys = np.concatenate([L[:, c], U[:, c]], axis=1)
        patterns, which = np.unique(keys, axis=0, return_inverse=True)
        for p in range(len(patterns)):
            rows = np.flatnonzero(which.reshape(-1) == p)
            anchor = self._anchor(L[rows[0]], U[rows[0]])
            if anchor is None:
                continue  # no feasible point with these bounds: left to the checks
            A = np.broadcast_to(anchor, (len(rows), len(anchor))).copy()
            unconstrained = np.ones(Y.shape[1], dtype=bool)
            unconstrained[c] = False
            A[:, unconstrained] = Y[rows][:, unconstrained]
            out[rows] = self._segment(A, Y[rows])
        return out

    def _segment(self, A: np.ndarray, Y: np.ndarray) -> np.ndarray:
        t = np.ones(len(Y))
        if len(self._b):
            g_anchor = np.minimum(A @ self._A.T - self._b, 0.0)  # ≤ 1e-12 relative over
            g_point = Y @ self._A.T - self._b
            rising = g_point > 0
            ratio = np.where(rising, -g_anchor / np.where(rising, g_point - g_anchor, 1.0), 1.0)
            t = np.clip(ratio.min(axis=1), 0.0, 1.0)
        if len(self._e):  # equalities Dykstra left unmet cannot be interpolated
            t = np.where(self._eq_within(Y, _EQ_ACCEPT_TOL, False).all(axis=1), t, 0.0)
        Z = A + t[:, None] * (Y - A)
        if len(self._b):
            bad = np.any(Z @ self._A.T - self._b > 0, axis=1)
            Z[bad] = A[bad]
        return Z

    def _anchor(self, L: np.ndarray, U: np.ndarray) -> np.ndarray | None:
        """A feasible point deep inside the set with these bounds (cached per bound pattern).

        Solves max s s.t. E w = e, A w + s ≤ b, L + s ≤ w ≤ U − s (free coordinates), 0 ≤ s ≤ 1
        (a Chebyshev-style centre in scaled units), then snaps it exactly onto the equalities.
        """
        c = self._constrained
        key = np.concatenate([L[c], U[c]]).tobytes()
        if key in self._anchors:
            return self._anchors[key]
        anchor = self._solve_anchor(L, U)
        if len(self._anchors) > 512:
            self._anchors.clear()
        self._anchors[key] = anchor
        return anchor

    def _solve_anchor(self, L: np.ndarray, U: np.ndarray) -> np.ndarray | None:
        from scipy.optimize import linprog

        n = len(L)
        free = np.flatnonzero(U > L)
        rows = [np.hstack([self._A, np.ones((len(self._b), 1))])]
        rhs = [self._b]
        box = np.zeros((2 * len(free), n + 1))
        box[np.arange(len(free)), free] = -1.0
        box[len(free) + np.arange(len(free)), free] = 1.0
        box[:, n] = 1.0
        rows.append(box)
        rhs.append(np.concatenate([-L[free], U[free]]))
        objective = np.zeros(n + 1)
        objective[n] = -1.0
        solution = linprog(
            objective,
            A_ub=np.vstack(rows), b_ub=np.concatenate(rhs),
            A_eq=np.hstack([self._E, np.zeros((len(self._e), 1))]) if len(self._e) else None,
            b_eq=self._e if len(self._e) else None,
            bounds=[*zip(L, U, strict=True), (0.0, 1.0)],
            method="highs",
        )
        if solution.status != 0:
            return None
        W = np.clip(solution.x[:n], L, U)[None, :]
        for group in range(len(self._groups) - 1, -1, -1):
            W = self._project_group(W, L[None, :], U[None, :], group)
        if not self._satisfied(W, L[None], U[None], _EQ_ACCEPT_TOL)[0]:
            # a thin set: polish without a margin, accepting a 1e-12 relative violation
            unfinished = self._dykstra(W, L[None], U[None], margin=0.0,
                                       relative=_RELATIVE_ACCEPT, sweeps=5000)
            if unfinished[0]:
                return None
        return W[0]


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
