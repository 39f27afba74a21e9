"""Fast fake predictors and an independent constraint checker for the optimisation tests.

The analytic predictors live in ``engine.optimisation.analytic`` (the CLI and the benchmark use
them too); this module re-exports them under test-friendly names and adds wrappers that count
calls or break the predictor contract on purpose. ``independent_violations`` re-checks returned
recipes straight from the study spec, without any of the optimiser's own constraint code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from engine.optimisation.analytic import (
    AlloyAnalyticPredictor,
    ConcreteAnalyticPredictor,
    GenericAnalyticPredictor,
    analytic_setup,
    concrete_derive,
)
from engine.optimisation.predictor import Predictions
from engine.optimisation.study import Mixture, StudySpec, water_density

AbramsFakePredictor = ConcreteAnalyticPredictor  # Abrams' law strength, cloud-distance domain

__all__ = [
    "AbramsFakePredictor",
    "AlloyAnalyticPredictor",
    "CrossingPredictor",
    "GenericAnalyticPredictor",
    "StrengthPairPredictor",
    "analytic_setup",
    "concrete_derive",
    "independent_violations",
]

TOL = 1e-9


class CrossingPredictor:
    """Wraps a predictor and returns lower > upper: the optimiser must refuse it."""

    def __init__(self, inner: GenericAnalyticPredictor) -> None:
        self.inner = inner
        self.input_names = inner.input_names
        self.target_names = inner.target_names
        self.coverage = inner.coverage

    def predict(self, frame: pd.DataFrame) -> Predictions:
        p = self.inner.predict(frame)
        return replace(p, lower=p.upper, upper=p.lower)


class StrengthPairPredictor:
    """Two independent strength models (MPa) of a steel with ``hardener`` and ``toughener``
    in wt %: yield = 200 + 300·hardener, tensile = 300 + 100·hardener + 50·toughener.

    Alone they let yield exceed tensile (500 against at most 450 at hardener = 1); yield ≤
    tensile holds exactly where hardener ≤ 0.5 + 0.25·toughener. Every recipe is inside."""

    input_names = ("hardener", "toughener")
    target_names = ("yield_strength", "tensile_strength")
    coverage = 0.9

    def predict(self, frame: pd.DataFrame) -> Predictions:
        hardener = frame["hardener"].to_numpy(dtype=float)
        toughener = frame["toughener"].to_numpy(dtype=float)
        mean = {"yield_strength": 200.0 + 300.0 * hardener,
                "tensile_strength": 300.0 + 100.0 * hardener + 50.0 * toughener}
        n_rows = len(frame)
        return Predictions(mean=mean, lower={k: v - 20.0 for k, v in mean.items()},
                           upper={k: v + 20.0 for k, v in mean.items()},
                           domain_score=np.zeros(n_rows),
                           domain_label=np.full(n_rows, "inside", dtype=object),
                           coverage=self.coverage)


def _density(spec: StudySpec, mixture: Mixture, name: str) -> float:
    """A component's density from the study's densities, or its specific gravity × water."""
    if mixture.densities and name in mixture.densities:
        return float(mixture.densities[name])
    return float(mixture.specific_gravities[name]) * water_density(spec.variable(name).unit)


def independent_violations(spec: StudySpec, frame: pd.DataFrame,
                           tol: float = TOL) -> list[str]:
    """Every constraint of ``spec`` that a row of ``frame`` breaks, as readable strings.

    Mixture sums, linear rows and ratios are compared relative to their size (``tol``); bounds
    relative to the variable's range; counts and categories exactly.
    """
    problems: list[str] = []
    by_name = {v.name: v for v in spec.variables}
    for i, row in frame.iterrows():
        problems += [f"row {i}: {p}" for p in _row_problems(spec, by_name, row, tol)]
    return problems


def _amount(spec: StudySpec, row: pd.Series, name: str) -> float:
    """A variable's value, or how much of a content (CaO …) the recipe holds in all."""
    if name in row.index:
        return float(row[name])
    return sum(float(row[m]) * f.content[name] for m, f in spec.materials.items()
               if name in f.content)


def _row_problems(spec: StudySpec, by_name: dict, row: pd.Series, tol: float) -> list[str]:
    out = []
    for v in spec.variables:
        value = row[v.name]
        if v.type == "categorical":
            if value not in (v.choices or []):
                out.append(f"{v.name}={value!r} not a choice")
            continue
        if v.type == "fixed":
            if value != v.value:
                out.append(f"{v.name}={value!r} not fixed value {v.value!r}")
            continue
        span = max(v.upper - v.lower, 1e-300)
        if value < v.lower - tol * span or value > v.upper + tol * span:
            out.append(f"{v.name}={value} outside [{v.lower}, {v.upper}]")
        if v.type == "integer" and value != round(value):
            out.append(f"{v.name}={value} not integer")
    for m in spec.mixture:
        names = list(dict.fromkeys([*m.components, *([m.balance] if m.balance else [])]))
        if m.basis == "volume":
            terms = [row[n] / _density(spec, m, n) for n in names]
            total = sum(terms) + m.air
            target = m.total if m.total is not None else 1.0
        else:
            terms = [row[n] for n in names]
            total, target = sum(terms), m.total
        size = max(abs(target), sum(abs(t) for t in terms))
        if abs(total - target) > tol * size:
            out.append(f"mixture {names} sums to {total!r}, not {target!r}")
    for lin in spec.linear:
        terms = [c * _amount(spec, row, n) for n, c in lin.coefficients.items()]
        value, size = sum(terms), sum(abs(t) for t in terms)
        for bound, sign in ((lin.max, 1), (lin.min, -1), (lin.equal, 0)):
            if bound is None:
                continue
            slack = tol * max(size, abs(bound))
            if (sign == 1 and value > bound + slack) or (sign == -1 and value < bound - slack) \
                    or (sign == 0 and abs(value - bound) > slack):
                out.append(f"linear {lin.coefficients} = {value} vs {bound}")
    for r in spec.ratio:
        num = sum(w * _amount(spec, row, n) for n, w in r.numerator.items())
        den = sum(w * _amount(spec, row, n) for n, w in r.denominator.items())
        size = abs(num) + abs(den) * max(r.max or 0.0, r.min or 0.0)
        if r.max is not None and num - r.max * den > tol * size:
            out.append(f"ratio {num}/{den} > {r.max}")
        if r.min is not None and r.min * den - num > tol * size:
            out.append(f"ratio {num}/{den} < {r.min}")
    for c in spec.count:
        values = np.array([row[n] for n in c.components], dtype=float)
        if (values > 0).sum() > c.max_nonzero:
            out.append(f"count {c.components}: {(values > 0).sum()} non-zero > {c.max_nonzero}")
        small = values[(values > 0) & (values < c.min_amount)]
        if len(small):
            out.append(f"count {c.components}: amounts {small} below min_amount {c.min_amount}")
    return out


def output_ok(frame: pd.DataFrame, spec: StudySpec) -> bool:
    """Whether every output constraint holds (using the frame's prediction columns)."""
    for c in spec.constraints:
        column = f"{c.target}_{c.statistic}" if c.kind == "target" else c.kind
        values = frame[column].to_numpy(dtype=float)
        if c.min is not None and np.any(values < c.min - TOL * max(abs(c.min), 1.0)):
            return False
        if c.max is not None and np.any(values > c.max + TOL * max(abs(c.max), 1.0)):
            return False
    return True


def finite(values: Sequence[float]) -> bool:
    """All finite."""
    return all(math.isfinite(v) for v in values)
