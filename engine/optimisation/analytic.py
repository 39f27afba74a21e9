"""Closed-form stand-ins for trained models: for tests, benchmarks and ``--fake-predictor``.

They follow :class:`~engine.optimisation.predictor.PropertyPredictor` exactly, are fast
(microseconds per row) and behave like the real thing where the optimiser cares: conflicting
objectives, intervals that widen away from the data, and an applicability domain given by the
distance to a cloud of "training" recipes. They are not material models.

* :class:`ConcreteAnalyticPredictor`: Abrams' law on the effective water/binder ratio
  (fly ash and slag with k-values 0.4 and 0.8), ACI 209 age factor, curing factor; slump from
  water and superplasticiser. Needs the derived input ``water_binder_ratio``
  (:func:`concrete_derive`).
* :class:`AlloyAnalyticPredictor`: linear strengthening by alloying elements and route,
  tempering softening; elongation falls as strength rises.
* :class:`GenericAnalyticPredictor`: smooth random-coefficient functions of any study's
  variables (for randomly generated design spaces).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from engine.optimisation.predictor import DeriveFn, Predictions, domain_labels

if TYPE_CHECKING:
    import pandas as pd

    from engine.optimisation.study import StudySpec

_COVERAGE = 0.9


def _z(coverage: float) -> float:
    return NormalDist().inv_cdf(0.5 + coverage / 2)


class _CloudDomain:
    """Domain score = mean distance to the k nearest cloud points / its 95th percentile in-cloud."""

    def __init__(self, cloud: np.ndarray, scale: np.ndarray, k: int = 5) -> None:
        self.scale = scale
        self.cloud = cloud / scale
        self.k = k
        d = _pairwise(self.cloud, self.cloud)
        np.fill_diagonal(d, np.inf)
        self.reference = float(np.quantile(self._knn(d), 0.95))

    def _knn(self, d: np.ndarray) -> np.ndarray:
        return np.sort(np.partition(d, self.k, axis=1)[:, : self.k], axis=1).mean(axis=1)

    def score(self, points: np.ndarray) -> np.ndarray:
        return self._knn(_pairwise(points / self.scale, self.cloud)) / self.reference


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))


class _AnalyticBase:
    """Shared ``predict``: subclasses give means, base half-widths and domain features."""

    coverage = _COVERAGE
    input_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    half_widths: ClassVar[Mapping[str, float]] = {}
    widening = 1.5  # half-width grows by this per unit of domain score beyond 1

    def __init__(self) -> None:
        self.calls = 0
        self.rows = 0
        self.widths = dict(self.half_widths)

    def _means(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _domain(self, frame: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def predict(self, frame: pd.DataFrame, coverage: float | None = None) -> Predictions:
        """Vectorised predictions with intervals at ``coverage`` (default 0.9)."""
        self.calls += 1
        self.rows += len(frame)
        missing = [name for name in self.input_names if name not in frame.columns]
        if missing:
            raise KeyError(f"missing inputs {missing}")
        means = self._means(frame)
        score = self._domain(frame)
        factor = _z(coverage or self.coverage) / _z(self.coverage)
        widen = 1.0 + self.widening * np.maximum(score - 1.0, 0.0)
        lower, upper = {}, {}
        for target, mean in means.items():
            half = self.widths[target] * factor * widen
            lower[target], upper[target] = mean - half, mean + half
        return Predictions(means, lower, upper, score, domain_labels(score),
                           coverage or self.coverage)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float)


def _mapped(frame: pd.DataFrame, name: str, table: Mapping[str, float],
            default: float = 1.0) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), default)
    labels = frame[name].astype(str).to_numpy()
    return np.array([table.get(label, default) for label in labels], dtype=float)


# --------------------------------------------------------------------------------- concrete

CONCRETE_AMOUNTS = ("cement", "fly_ash", "slag", "water", "superplasticizer",
                    "coarse_aggregate", "fine_aggregate")


def concrete_derive(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``binder`` (kg/m³) and ``water_binder_ratio`` (water / (cement + fly ash + slag))."""
    binder = frame["cement"] + frame["fly_ash"] + frame["slag"]
    frame["binder"] = binder
    frame["water_binder_ratio"] = frame["water"] / binder.where(binder > 0)
    return frame


class ConcreteAnalyticPredictor(_AnalyticBase):
    """Strength (MPa, Abrams' law) and slump (mm) of a concrete mix per m³."""

    input_names = (*CONCRETE_AMOUNTS, "age_days", "curing", "water_binder_ratio")
    target_names = ("compressive_strength", "slump")
    half_widths: ClassVar[Mapping[str, float]] = {"compressive_strength": 4.0, "slump": 18.0}
    _curing: ClassVar[Mapping[str, float]] = {"standard": 1.0, "steam": 1.04, "autoclave": 1.10}

    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(20240601)
        n = 400
        cloud = np.column_stack([
            rng.uniform(220, 460, n),
            np.where(rng.random(n) < 0.5, 0.0, rng.uniform(40, 160, n)),
            np.where(rng.random(n) < 0.5, 0.0, rng.uniform(40, 200, n)),
            rng.uniform(145, 215, n),
            rng.uniform(0, 10, n),
            rng.uniform(850, 1120, n),
            rng.uniform(650, 900, n),
        ])
        self._domain_model = _CloudDomain(cloud, np.array([60, 50, 60, 15, 3, 60, 60.0]))

    def _means(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        cement, fly_ash, slag, water, sp, coarse, fine = (
            _column(frame, n) for n in CONCRETE_AMOUNTS
        )
        binder = np.maximum(cement + fly_ash + slag, 1.0)
        efficiency = (cement + 0.4 * fly_ash + 0.8 * slag) / binder
        wb_effective = _column(frame, "water_binder_ratio") / np.maximum(efficiency, 0.05)
        age = np.maximum(_column(frame, "age_days"), 0.5)
        age_factor = (age / (4 + 0.85 * age)) / (28 / (4 + 0.85 * 28))
        curing = _mapped(frame, "curing", self._curing)
        strength = (96.5 / 7.0 ** wb_effective + 0.6 * sp - 0.004 * (fine - 800)) * age_factor
        strength = strength * curing
        slump = 40 + 1.4 * (water - 100) + 9.0 * sp - 0.08 * (binder - 350) - 0.03 * (
            fine + coarse - 1750)
        return {"compressive_strength": strength, "slump": np.clip(slump, 0.0, 260.0)}

    def _domain(self, frame: pd.DataFrame) -> np.ndarray:
        points = np.column_stack([_column(frame, n) for n in CONCRETE_AMOUNTS])
        return self._domain_model.score(points)


# --------------------------------------------------------------------------------- alloy

ALLOY_ELEMENTS = ("C", "Mn", "Si", "Cr", "Ni", "Mo", "V", "Nb")


class AlloyAnalyticPredictor(_AnalyticBase):
    """Yield strength (MPa) and elongation (%) of a low-alloy steel in wt %."""

    input_names = (*ALLOY_ELEMENTS, "tempering_temperature", "route")
    target_names = ("yield_strength", "elongation")
    half_widths: ClassVar[Mapping[str, float]] = {"yield_strength": 30.0, "elongation": 2.0}
    _route: ClassVar[Mapping[str, float]] = {
        "normalised": 1.0, "quenched_tempered": 1.45, "tmcp": 1.25}
    _route_ductility: ClassVar[Mapping[str, float]] = {
        "normalised": 0.0, "quenched_tempered": -4.0, "tmcp": -2.0}
    _strengthening = np.array([800, 40, 60, 30, 20, 100, 700, 1500.0])

    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(7)
        n = 400
        cloud = np.column_stack([
            rng.uniform(0.05, 0.45, n), rng.uniform(0.4, 1.6, n), rng.uniform(0.1, 0.5, n),
            rng.uniform(0.0, 1.2, n), rng.uniform(0.0, 1.0, n), rng.uniform(0.0, 0.35, n),
            np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.01, 0.1, n)),
            np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.01, 0.05, n)),
            rng.uniform(450, 680, n),
        ])
        scale = np.array([0.06, 0.2, 0.08, 0.2, 0.2, 0.06, 0.02, 0.01, 40.0])
        self._domain_model = _CloudDomain(cloud, scale)

    def _means(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        elements = np.column_stack([_column(frame, n) for n in ALLOY_ELEMENTS])
        temper = _column(frame, "tempering_temperature")
        route = _mapped(frame, "route", self._route)
        base = 120 + elements @ self._strengthening
        strength = route * base - 0.4 * (temper - 550)
        c, mn, _, cr, _, mo, v, nb = elements.T
        elongation = (38 - 40 * c - 2 * mn - 1.5 * cr - 3 * mo - 20 * v - 30 * nb
                      + 0.012 * (temper - 550) + _mapped(frame, "route", self._route_ductility,
                                                         0.0)
                      - 0.01 * (strength - 400))
        return {"yield_strength": strength, "elongation": np.maximum(elongation, 2.0)}

    def _domain(self, frame: pd.DataFrame) -> np.ndarray:
        points = np.column_stack(
            [_column(frame, n) for n in (*ALLOY_ELEMENTS, "tempering_temperature")]
        )
        return self._domain_model.score(points)


# --------------------------------------------------------------------------------- generic

class GenericAnalyticPredictor(_AnalyticBase):
    """Smooth functions of any variables; inside the central 70 % of each range is "inside".

    Args:
        numeric: name → (lower, upper) of numeric inputs.
        categorical: name → choices of categorical inputs.
        targets: output names; coefficients are derived from each name (stable across runs).
    """

    def __init__(self, numeric: Mapping[str, tuple[float, float]],
                 categorical: Mapping[str, Sequence[str]], targets: Sequence[str]) -> None:
        super().__init__()
        self.input_names = (*numeric, *categorical)
        self.target_names = tuple(targets)
        self.widths = {t: 0.2 for t in targets}
        self._bounds = dict(numeric)
        self._choices = {k: list(v) for k, v in categorical.items()}
        self._coefficients = {}
        for target in targets:
            rng = np.random.default_rng(zlib.crc32(target.encode()))
            self._coefficients[target] = (
                rng.normal(size=len(numeric)),
                rng.uniform(0.1, 0.6, size=len(numeric)),
                {k: rng.normal(scale=0.5, size=len(v)) for k, v in self._choices.items()},
            )

    def _unit(self, frame: pd.DataFrame) -> np.ndarray:
        if not self._bounds:
            return np.zeros((len(frame), 0))
        columns = []
        for name, (low, high) in self._bounds.items():
            middle, half = (low + high) / 2, max((high - low) / 2, 1e-12)
            columns.append((_column(frame, name) - middle) / half)
        return np.column_stack(columns)

    def _means(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        u = self._unit(frame)
        out = {}
        for target, (linear, quadratic, offsets) in self._coefficients.items():
            value = 1.0 + u @ linear + (u * u) @ quadratic
            for name, table in offsets.items():
                codes = frame[name].cat.codes.to_numpy() if hasattr(frame[name], "cat") else \
                    np.array([self._choices[name].index(str(v)) for v in frame[name]])
                value = value + table[codes]
            out[target] = value
        return out

    def _domain(self, frame: pd.DataFrame) -> np.ndarray:
        u = self._unit(frame)
        if u.shape[1] == 0:
            return np.zeros(len(frame))
        return np.abs(u).max(axis=1) / 0.7


# --------------------------------------------------------------------------------- factory

def analytic_setup(spec: StudySpec) -> tuple[_AnalyticBase, DeriveFn | None]:
    """A fitting analytic predictor for ``spec`` and the derive step it needs.

    The concrete or alloy model when the study uses only their targets and has their inputs,
    else a generic one over the study's variables and targets.
    """
    names = {v.name for v in spec.variables}
    targets = {o.target for o in spec.objectives if o.target}
    targets |= {c.target for c in spec.constraints if c.target}
    targets |= {name for r in spec.relation for name in (r.lower, r.upper)}
    concrete_inputs = set(ConcreteAnalyticPredictor.input_names) - {"water_binder_ratio"}
    if targets <= set(ConcreteAnalyticPredictor.target_names) and concrete_inputs <= names:
        return ConcreteAnalyticPredictor(), concrete_derive
    if targets <= set(AlloyAnalyticPredictor.target_names) and set(
            AlloyAnalyticPredictor.input_names) <= names:
        return AlloyAnalyticPredictor(), None
    numeric, categorical = {}, {}
    for variable in spec.variables:
        if variable.type in ("continuous", "integer"):
            numeric[variable.name] = (float(variable.lower or 0.0), float(variable.upper or 1.0))
        elif variable.type == "categorical":
            categorical[variable.name] = list(variable.choices or [])
    return GenericAnalyticPredictor(numeric, categorical, sorted(targets) or ["y"]), None

