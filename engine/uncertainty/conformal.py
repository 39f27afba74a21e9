"""Cross-conformal, locally scaled prediction intervals and interval metrics.

A point model's out-of-fold residuals r (from folds that hold out whole recipe groups) and a
cross-fitted spread model s(x) give conformity scores |r| / s(x). The interval is
``prediction ± q·s(x)`` with q the finite-sample conformal quantile of those scores, so its
width adapts to x, it always contains the prediction and can never cross (q ≥ 0, s > 0).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from engine.errors import FormixError


def conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """The ⌈(n+1)·coverage⌉-th smallest score: marginal coverage ≥ ``coverage`` if exchangeable.

    Raises:
        FormixError: ``coverage`` is outside (0, 1) or there are no scores.
    """
    check_coverage(coverage)
    scores = np.asarray(scores, dtype=np.float64)
    scores = scores[np.isfinite(scores)]
    n = scores.size
    if n == 0:
        raise FormixError("no calibration residuals: too few rows to calibrate intervals")
    rank = math.ceil((n + 1) * coverage)
    if rank > n:  # too few points for this coverage: use the largest score (slightly liberal)
        rank = n
    return float(np.partition(scores, rank - 1)[rank - 1])


def check_coverage(coverage: float) -> None:
    """Raise FormixError unless 0 < coverage < 1."""
    if not 0.0 < float(coverage) < 1.0:
        raise FormixError(f"coverage must be between 0 and 1 (exclusive), got {coverage}")


@dataclass(frozen=True)
class IntervalCalibration:
    """Calibration constants of one target's intervals.

    Attributes:
        coverage: nominal coverage, e.g. 0.9.
        quantile: conformal quantile q of |residual| / spread.
        spread_floor: lower bound of the spread s(x), in target units (keeps scores finite).
        constant_halfwidth: half-width of the constant-width conformal interval calibrated on
            the same residuals (the non-adaptive reference).
        n_calibration: number of out-of-fold residuals used.
        lower_limit: the least value the target takes (0 for a property that was never
            negative, such as slump or strength); lower bounds are clipped to it. None: none.
    """

    coverage: float
    quantile: float
    spread_floor: float
    constant_halfwidth: float
    n_calibration: int
    lower_limit: float | None = None

    def interval(self, prediction: np.ndarray, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds for predictions with spread-model outputs ``spread``.

        Clipping at ``lower_limit`` keeps coverage: no measurement lies below it."""
        half = self.quantile * np.maximum(spread, self.spread_floor)
        lower, upper = prediction - half, prediction + half
        if self.lower_limit is not None:
            lower = np.minimum(np.maximum(lower, self.lower_limit), upper)
        return lower, upper

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (floats round-trip exactly through json)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntervalCalibration:
        """Inverse of to_dict."""
        return cls(
            coverage=float(data["coverage"]),
            quantile=float(data["quantile"]),
            spread_floor=float(data["spread_floor"]),
            constant_halfwidth=float(data["constant_halfwidth"]),
            n_calibration=int(data["n_calibration"]),
            lower_limit=None if data.get("lower_limit") is None else float(data["lower_limit"]),
        )


def calibrate(
    residuals: np.ndarray,
    spread: np.ndarray,
    coverage: float,
    floor_fraction: float = 0.25,
    lower_limit: float | None = None,
) -> IntervalCalibration:
    """Calibration constants from out-of-fold residuals and cross-fitted spreads.

    Args:
        residuals: y − out-of-fold prediction, one per training row.
        spread: the spread model's out-of-fold prediction for the same rows.
        coverage: nominal coverage.
        floor_fraction: spread floor as a fraction of mean |residual|.
        lower_limit: the least value the target can take (see ``IntervalCalibration``).
    """
    abs_res = np.abs(np.asarray(residuals, dtype=np.float64))
    keep = np.isfinite(abs_res) & np.isfinite(spread)
    abs_res, spread = abs_res[keep], np.asarray(spread, dtype=np.float64)[keep]
    mean_abs = float(abs_res.mean()) if abs_res.size else 0.0
    floor = max(floor_fraction * mean_abs, 1e-12)
    scores = abs_res / np.maximum(spread, floor)
    return IntervalCalibration(
        coverage=float(coverage),
        quantile=conformal_quantile(scores, coverage),
        spread_floor=floor,
        constant_halfwidth=conformal_quantile(abs_res, coverage),
        n_calibration=int(abs_res.size),
        lower_limit=lower_limit,
    )


def interval_metrics(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> dict[str, float]:
    """Empirical coverage and mean width of intervals over rows with a finite target."""
    y = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(y)
    if not keep.any():
        return {"coverage": float("nan"), "mean_interval_width": float("nan")}
    inside = (y[keep] >= lower[keep]) & (y[keep] <= upper[keep])
    return {
        "coverage": float(inside.mean()),
        "mean_interval_width": float(np.mean(upper[keep] - lower[keep])),
    }
