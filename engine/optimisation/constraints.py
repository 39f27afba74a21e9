"""Structural constraints of a study compiled to arrays, and their exact feasibility check.

Mixtures and linear equalities become rows of ``E z = e``; linear bounds and ratios become
rows of ``A z ≤ b`` (a ratio ``Σ w·num / Σ v·den ≤ r`` is ``Σ w·num − r·Σ v·den ≤ 0``); count
constraints stay as index sets. ``z`` is the full numeric vector of :mod:`encoding`.

Every violation is *relative*: equality residuals are divided by ``max(|e|, Σ|E∘z|)``, so
"1e-9" means "a 100 wt % total is off by at most 1e-7 wt %". A recipe is feasible when every
relative violation is ≤ :data:`FEASIBILITY_TOL`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.optimisation.encoding import DesignSpace
from engine.optimisation.study import StudySpec

FEASIBILITY_TOL = 1e-9
_TINY = 1e-300


@dataclass(frozen=True)
class CountSet:
    """At most ``max_nonzero`` of Z[:, columns] are non-zero, and those are ≥ ``min_amount``."""

    label: str
    columns: np.ndarray
    max_nonzero: int
    min_amount: float
    forced: np.ndarray


@dataclass(frozen=True)
class LinearSystem:
    """``E z = e`` (mixtures, linear equalities), ``A z ≤ b`` (linear bounds, ratios), counts."""

    eq_matrix: np.ndarray
    eq_rhs: np.ndarray
    eq_labels: tuple[str, ...]
    ineq_matrix: np.ndarray
    ineq_rhs: np.ndarray
    ineq_labels: tuple[str, ...]
    counts: tuple[CountSet, ...]

    @classmethod
    def from_spec(cls, spec: StudySpec, space: DesignSpace) -> LinearSystem:
        """Compile the mixture, linear, ratio and count tables of a checked spec."""
        n = space.n_numeric
        eq_rows, eq_rhs, eq_labels = [], [], []
        ineq_rows, ineq_rhs, ineq_labels = [], [], []

        def row(weights: dict[str, float], sign: float = 1.0) -> np.ndarray:
            out = np.zeros(n)
            for name, weight in spec.variable_weights(weights).items():
                out[space.index(name)] += sign * weight
            return out

        for i, mixture in enumerate(spec.mixture):
            names = spec.mixture_components(mixture)
            eq_rows.append(row({name: spec.mixture_weight(mixture, name) for name in names}))
            eq_rhs.append(spec.mixture_total(mixture) - mixture.air)
            eq_labels.append(_label("mixture", i, mixture.name))
        for i, linear in enumerate(spec.linear):
            label = _label("linear", i, linear.name)
            equal = linear.equal if linear.min is None or linear.min != linear.max else linear.min
            if equal is not None:  # min == max is an equality: a band of width 0
                eq_rows.append(row(linear.coefficients))
                eq_rhs.append(equal)
                eq_labels.append(label)
                continue
            if linear.max is not None:
                ineq_rows.append(row(linear.coefficients))
                ineq_rhs.append(linear.max)
                ineq_labels.append(f"{label} max")
            if linear.min is not None:
                ineq_rows.append(row(linear.coefficients, -1.0))
                ineq_rhs.append(-linear.min)
                ineq_labels.append(f"{label} min")
        for i, ratio in enumerate(spec.ratio):
            label = _label("ratio", i, ratio.name)
            numerator, denominator = row(ratio.numerator), row(ratio.denominator)
            if ratio.min is not None and ratio.min == ratio.max:
                eq_rows.append(numerator - ratio.max * denominator)
                eq_rhs.append(0.0)
                eq_labels.append(label)
                continue
            if ratio.max is not None:
                ineq_rows.append(numerator - ratio.max * denominator)
                ineq_rhs.append(0.0)
                ineq_labels.append(f"{label} max")
            if ratio.min is not None:
                ineq_rows.append(ratio.min * denominator - numerator)
                ineq_rhs.append(0.0)
                ineq_labels.append(f"{label} min")
        counts = []
        for i, count in enumerate(spec.count):
            columns = np.array([space.index(name) for name in count.components], dtype=int)
            counts.append(CountSet(
                label=_label("count", i, count.name),
                columns=columns,
                max_nonzero=count.max_nonzero,
                min_amount=count.min_amount,
                forced=space.lower[columns] > 0,
            ))
        return cls(
            eq_matrix=np.array(eq_rows, dtype=float).reshape(-1, n),
            eq_rhs=np.array(eq_rhs, dtype=float),
            eq_labels=tuple(eq_labels),
            ineq_matrix=np.array(ineq_rows, dtype=float).reshape(-1, n),
            ineq_rhs=np.array(ineq_rhs, dtype=float),
            ineq_labels=tuple(ineq_labels),
            counts=tuple(counts),
        )

    def minimise(self, objective: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> Any:
        """scipy's HiGHS linear program: minimise ``objective · z`` subject to these equalities
        and inequalities within ``lower ≤ z ≤ upper`` (the ``OptimizeResult``; status 0 is
        solved)."""
        from scipy.optimize import linprog

        return linprog(
            objective,
            A_ub=self.ineq_matrix if len(self.ineq_rhs) else None,
            b_ub=self.ineq_rhs if len(self.ineq_rhs) else None,
            A_eq=self.eq_matrix if len(self.eq_rhs) else None,
            b_eq=self.eq_rhs if len(self.eq_rhs) else None,
            bounds=list(zip(lower, upper, strict=True)),
            method="highs",
        )

    def violations(self, space: DesignSpace, Z: np.ndarray,
                   codes: np.ndarray) -> dict[str, np.ndarray]:
        """Relative violation (≥ 0) of every structural constraint, per row of ``Z``."""
        out: dict[str, np.ndarray] = {}
        n_rows = len(Z)
        below = (space.lower - Z) / space.scale
        above = (Z - space.upper) / space.scale
        out["bounds"] = _row_max(np.maximum(np.maximum(below, above), 0.0), n_rows)
        integers = Z[:, space.is_integer]
        out["integers"] = _row_max(np.abs(integers - np.rint(integers)), n_rows)
        if codes.shape[1]:
            top = space.n_choices - 1
            off_grid = np.abs(codes - np.rint(codes))
            outside = np.maximum(np.maximum(-codes, codes - top), 0.0)
            out["categories"] = _row_max(np.maximum(off_grid, outside), n_rows)
        if len(self.eq_rhs):
            residual = np.abs(Z @ self.eq_matrix.T - self.eq_rhs)
            size = np.maximum(np.abs(Z) @ np.abs(self.eq_matrix).T, np.abs(self.eq_rhs))
            relative = residual / np.maximum(size, _TINY)
            for j, label in enumerate(self.eq_labels):
                out[label] = relative[:, j]
        if len(self.ineq_rhs):
            excess = np.maximum(Z @ self.ineq_matrix.T - self.ineq_rhs, 0.0)
            size = np.maximum(np.abs(Z) @ np.abs(self.ineq_matrix).T, np.abs(self.ineq_rhs))
            relative = excess / np.maximum(size, _TINY)
            for j, label in enumerate(self.ineq_labels):
                out[label] = relative[:, j]
        for count in self.counts:
            values = Z[:, count.columns]
            extra = np.maximum((values > 0).sum(axis=1) - count.max_nonzero, 0).astype(float)
            if count.min_amount > 0:
                small = (values > 0) & (values < count.min_amount)
                shortfall = np.where(small, (count.min_amount - values) / count.min_amount, 0.0)
                extra += shortfall.sum(axis=1)
            out[count.label] = extra
        return out

    def max_violation(self, space: DesignSpace, Z: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """The largest relative structural violation of each row (0.0 when none)."""
        table = self.violations(space, Z, codes)
        return np.max(np.column_stack(list(table.values())), axis=1)


def _row_max(values: np.ndarray, n_rows: int) -> np.ndarray:
    if values.shape[1] == 0:
        return np.zeros(n_rows)
    return values.max(axis=1)


def _label(table: str, index: int, name: str | None) -> str:
    return f"{table}[{index}]" + (f" {name}" if name else "")
