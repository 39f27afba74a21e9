"""How the optimiser talks to property models: the ``PropertyPredictor`` protocol.

The optimiser never imports a model class. It builds one input frame per generation (decision
variables, fixed values, balance elements, then ``derive`` adds derived inputs such as w/b),
selects ``predictor.input_names`` from it and calls ``predict`` once for the whole population.

Applicability-domain score (``Predictions.domain_score``), a per-row float ≥ 0:
    a novelty distance of the row from the training data divided by the same distance at a
    reference quantile of the training rows themselves (e.g. the 95th percentile of their
    leave-one-out k-nearest-neighbour distance). Hence

    * ``score ≤ 1``      → ``"inside"``:  as close to the data as typical training rows;
    * ``1 < score ≤ 2``  → ``"edge"``:    up to twice that distance;
    * ``score > 2``      → ``"outside"``: extrapolation; predictions are not to be trusted.

    :func:`domain_labels` turns scores into these labels; predictors may return their own labels
    but they must agree with the score by these thresholds.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from engine.errors import FormixError

if TYPE_CHECKING:
    import pandas as pd

INSIDE_MAX = 1.0
EDGE_MAX = 2.0
DOMAIN_LABELS = ("inside", "edge", "outside")

DeriveFn = Callable[["pd.DataFrame"], "pd.DataFrame"]
"""Adds derived model inputs (w/c, binder content …) as columns; must be vectorised, must not
drop or reorder rows, and must not change the columns it was given."""


class PredictorError(FormixError):
    """A predictor does not fit the study or returned malformed predictions."""


@dataclass(frozen=True)
class Predictions:
    """Predictions for n rows.

    Attributes:
        mean: per target, the point prediction, shape (n,).
        lower: per target, the lower interval bound at ``coverage``, shape (n,).
        upper: per target, the upper interval bound at ``coverage``; ``lower ≤ upper``.
        domain_score: per row, see the module docstring (≤ 1 inside, ≤ 2 edge, > 2 outside).
        domain_label: per row, ``"inside"``, ``"edge"`` or ``"outside"`` (object array).
        coverage: the two-sided coverage of [lower, upper], e.g. 0.9.
    """

    mean: Mapping[str, np.ndarray]
    lower: Mapping[str, np.ndarray]
    upper: Mapping[str, np.ndarray]
    domain_score: np.ndarray
    domain_label: np.ndarray
    coverage: float

    def statistic(self, target: str, statistic: str) -> np.ndarray:
        """``mean``, ``lower`` or ``upper`` of ``target``."""
        return {"mean": self.mean, "lower": self.lower, "upper": self.upper}[statistic][target]


@runtime_checkable
class PropertyPredictor(Protocol):
    """What the optimiser needs from a set of trained property models.

    Contract:
        * ``input_names``: the columns ``predict`` reads; categorical inputs arrive as pandas
          ``Categorical`` columns whose categories are the study's choices (map them by name,
          never by code).
        * ``target_names``: the outputs it predicts.
        * ``coverage``: the two-sided coverage of the intervals ``predict`` returns.
        * ``predict(frame)``: vectorised, deterministic, no side effects on ``frame``; returns
          :class:`Predictions` for every target with ``len(frame)`` rows and
          ``lower ≤ upper``. It may accept a keyword ``coverage=`` to return intervals at another
          coverage (needed only when a study asks for ``coverage`` or ``quantile``).
        * Thread-safety: one optimisation calls it from one thread at a time.
    """

    @property
    def input_names(self) -> Sequence[str]: ...

    @property
    def target_names(self) -> Sequence[str]: ...

    @property
    def coverage(self) -> float: ...

    def predict(self, frame: pd.DataFrame) -> Predictions: ...


class NoModels:
    """The predictor of a study that uses no model output (e.g. a raw-meal blend on cost and
    CO₂ with modulus limits): no inputs, no targets, and no data whose domain could be left
    (every row scores 0 and is labelled ``"n/a"``)."""

    input_names: Sequence[str] = ()
    target_names: Sequence[str] = ()
    coverage: float = 0.9

    def predict(self, frame: pd.DataFrame) -> Predictions:
        """Empty predictions for ``len(frame)`` rows."""
        n_rows = len(frame)
        return Predictions(mean={}, lower={}, upper={}, domain_score=np.zeros(n_rows),
                           domain_label=np.full(n_rows, "n/a", dtype=object),
                           coverage=self.coverage)


def domain_labels(score: np.ndarray) -> np.ndarray:
    """``"inside"`` (score ≤ 1), ``"edge"`` (≤ 2) or ``"outside"`` for each score."""
    score = np.asarray(score, dtype=float)
    labels = np.full(score.shape, "outside", dtype=object)
    labels[score <= EDGE_MAX] = "edge"
    labels[score <= INSIDE_MAX] = "inside"
    return labels


def supports_coverage(predictor: PropertyPredictor) -> bool:
    """Whether ``predictor.predict`` takes a ``coverage=`` keyword."""
    try:
        parameters = inspect.signature(predictor.predict).parameters
    except (TypeError, ValueError):
        return False
    return "coverage" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def check_predictions(predictions: Predictions, n_rows: int, targets: Sequence[str]) -> None:
    """Raise :class:`PredictorError` if ``predictions`` break the contract for these targets."""
    problems = []
    for target in targets:
        for name in ("mean", "lower", "upper"):
            values = getattr(predictions, name).get(target)
            if values is None:
                problems.append(f"no {name!r} for target {target!r}")
            elif np.shape(values) != (n_rows,):
                problems.append(f"{name!r} of {target!r} has shape {np.shape(values)}, "
                                f"expected ({n_rows},)")
        lower, upper = predictions.lower.get(target), predictions.upper.get(target)
        comparable = lower is not None and upper is not None and np.shape(lower) == np.shape(upper)
        if comparable and np.any(np.asarray(lower) > np.asarray(upper)):
            problems.append(f"lower > upper for {target!r}")
    if np.shape(predictions.domain_score) != (n_rows,):
        problems.append(f"domain_score has shape {np.shape(predictions.domain_score)}")
    if np.shape(predictions.domain_label) != (n_rows,):
        problems.append(f"domain_label has shape {np.shape(predictions.domain_label)}")
    if problems:
        raise PredictorError("the predictor returned malformed predictions: "
                             + "; ".join(problems))
