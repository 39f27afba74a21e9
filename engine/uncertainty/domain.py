"""Applicability domain: how far a recipe is from the training recipes.

Two measures, each mapped onto the optimiser's score scale (≤ 1 ``inside``, ≤ 2 ``edge``,
> 2 ``outside``; see :mod:`engine.optimisation.predictor`); the score is the larger of the two.

* **Distance** to the nearest training recipe. Inputs are standardized with the training mean
  and standard deviation (categorical inputs are one-hot, scaled so that a different category
  counts as one standard deviation). Each training point's leave-one-group-out distance (to the
  nearest point of another recipe group) gives the thresholds t95 and t99 (95th and 99th
  percentiles), mapped to 1 and 2: d/t95 up to t95, then 1 + (d − t95)/(t99 − t95).
* **Range** (bounding box): how far any numeric input lies beyond the training data's
  [min, max], as a fraction of that range. With many inputs the distance dilutes one input far
  beyond the data (Fe 9.5 wt % above the richest training steel moved the distance only to
  "edge"); the range check does not. An excess of ``RANGE_INSIDE`` (1 % of the range) maps to
  1 and ``RANGE_OUTSIDE`` (10 %) to 2, linearly in between and with the same slope beyond; a
  recipe within every range scores 0 here. So a recipe more than 1 % of a range beyond the data
  is never ``inside`` and more than 10 % beyond is ``outside``; the score stays continuous.
  An input the training data never varied has no range: any departure from its value beyond
  rounding (1e-9 relative) counts as outside. Missing values and categorical inputs are not
  range-checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from engine.errors import FormixError

INSIDE, EDGE, OUTSIDE = "inside", "edge", "outside"
LABELS = np.array([INSIDE, EDGE, OUTSIDE], dtype=object)
_MAX_NEIGHBOURS = 256
RANGE_INSIDE = 0.01
"""Excess beyond an input's training range, as a fraction of the range, that scores 1."""
RANGE_OUTSIDE = 0.10
"""Excess beyond an input's training range, as a fraction of the range, that scores 2."""


@dataclass
class DomainModel:
    """Nearest-neighbour distance and per-input range applicability domain.

    Attributes:
        center: per numeric column mean of the training points.
        scale: per numeric column standard deviation (1 where constant).
        numeric: indices of numeric columns in the feature matrix.
        categorical: mapping feature index -> number of categories (one-hot blocks).
        points: standardized, de-duplicated training points (≤ max_points rows).
        inside_threshold: 95th percentile of leave-one-group-out distances.
        edge_threshold: 99th percentile of leave-one-group-out distances.
        low, high: per numeric column minimum and maximum over all training rows (raw units);
            None (models saved before the range check) scores by distance alone.
        range_limits: excess beyond a range, as a fraction of it, that scores 1 and 2.
    """

    center: np.ndarray
    scale: np.ndarray
    numeric: list[int]
    categorical: dict[int, int]
    points: np.ndarray
    inside_threshold: float
    edge_threshold: float
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    range_limits: tuple[float, float] = (RANGE_INSIDE, RANGE_OUTSIDE)
    _tree: cKDTree | None = field(default=None, repr=False, compare=False)

    @classmethod
    def fit(
        cls,
        features: np.ndarray,
        groups: np.ndarray | None = None,
        categorical: Mapping[int, int] | None = None,
        max_points: int = 5000,
        seed: int = 0,
        percentiles: tuple[float, float] = (95.0, 99.0),
    ) -> DomainModel:
        """Fit on training features (rows × columns; categorical columns hold codes).

        Args:
            features: the training feature matrix (raw inputs, not derived features).
            groups: recipe group of each row; None treats every row as its own recipe.
            categorical: feature index -> number of categories for categorical columns.
            max_points: at most this many distinct points are kept (seeded subsample).
            seed: seed of the subsample.
            percentiles: the inside / edge percentiles of training distances.
        """
        features = np.asarray(features, dtype=np.float64)
        if features.ndim != 2 or features.shape[0] < 2:
            raise FormixError("the applicability domain needs at least two training rows")
        categorical = dict(categorical or {})
        numeric = [j for j in range(features.shape[1]) if j not in categorical]
        block = features[:, numeric]
        center = np.nanmean(block, axis=0) if block.size else np.zeros(0)
        center = np.where(np.isfinite(center), center, 0.0)
        scale = np.nanstd(block, axis=0) if block.size else np.zeros(0)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        low, high = _column_range(block)
        model = cls(center, scale, numeric, categorical, np.zeros((0, 0)), 1.0, 1.0, low, high)
        standardized = model.standardize(features)
        group_ids = np.arange(len(features)) if groups is None else np.asarray(groups)
        points, first = np.unique(standardized, axis=0, return_index=True)
        point_groups = group_ids[first]
        if len(points) > max_points:
            keep = np.sort(np.random.default_rng(seed).choice(len(points), max_points, False))
            points, point_groups = points[keep], point_groups[keep]
        if len(points) < 2:
            raise FormixError("the applicability domain needs at least two distinct recipes")
        model.points = points
        distances = _leave_one_group_out(cKDTree(points), points, point_groups)
        low, high = np.percentile(distances, percentiles)
        model.inside_threshold = float(max(low, 1e-9))
        model.edge_threshold = float(max(high, model.inside_threshold))
        return model

    def standardize(self, features: np.ndarray) -> np.ndarray:
        """Standardized numeric columns plus one-hot categorical blocks (missing -> 0)."""
        features = np.asarray(features, dtype=np.float64)
        parts = [(features[:, self.numeric] - self.center) / self.scale]
        for j, count in sorted(self.categorical.items()):
            codes = features[:, j]
            onehot = np.zeros((len(features), count))
            valid = np.isfinite(codes) & (codes >= 0) & (codes < count)
            onehot[np.flatnonzero(valid), codes[valid].astype(np.int64)] = np.sqrt(0.5)
            parts.append(onehot)
        out = np.hstack(parts) if parts else np.zeros((len(features), 0))
        return np.where(np.isfinite(out), out, 0.0)

    @property
    def tree(self) -> cKDTree:
        """KD-tree over the training points (built on first use)."""
        if self._tree is None:
            self._tree = cKDTree(self.points)
        return self._tree

    def distance(self, features: np.ndarray, workers: int = 1) -> np.ndarray:
        """Distance of each row to the nearest training point (standardized units)."""
        dist, _ = self.tree.query(self.standardize(features), k=1, workers=workers)
        return np.asarray(dist, dtype=np.float64)

    def range_excess(self, features: np.ndarray) -> np.ndarray:
        """Per row, the largest excess of a numeric input beyond its training range, as a
        fraction of that range (0 within every range or without stored ranges)."""
        features = np.asarray(features, dtype=np.float64)
        if self.low is None or self.high is None or not self.numeric:
            return np.zeros(len(features))
        values = features[:, self.numeric]
        span = self.high - self.low
        tiny = np.maximum(np.maximum(np.abs(self.low), np.abs(self.high)), 1.0) * 1e-9
        width = np.where(span > 0, span, tiny)
        with np.errstate(invalid="ignore"):
            excess = np.maximum(values - self.high, self.low - values) / width
        excess = np.where(np.isfinite(excess) & (excess > 0), excess, 0.0)
        return np.asarray(excess.max(axis=1, initial=0.0), dtype=np.float64)

    def score(self, features: np.ndarray, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Scores (≤ 1 inside, ≤ 2 edge) and labels inside / edge / outside."""
        return self.classify(self.distance(features, workers), features)

    def classify(
        self, distance: np.ndarray, features: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores and labels for distances returned by ``distance``; with the same rows'
        ``features`` the score is the larger of the distance and range scores."""
        score = threshold_score(distance, self.inside_threshold, self.edge_threshold)
        if features is not None:
            inside, outside = self.range_limits
            score = np.maximum(score, threshold_score(self.range_excess(features), inside, outside))
        level = (score > 1.0).astype(np.int8) + (score > 2.0)
        return score, LABELS[level]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; floats round-trip exactly."""
        return {
            "center": self.center.tolist(),
            "scale": self.scale.tolist(),
            "numeric": list(self.numeric),
            "categorical": {str(k): v for k, v in self.categorical.items()},
            "points": self.points.tolist(),
            "inside_threshold": self.inside_threshold,
            "edge_threshold": self.edge_threshold,
            "low": None if self.low is None else self.low.tolist(),
            "high": None if self.high is None else self.high.tolist(),
            "range_limits": list(self.range_limits),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainModel:
        """Inverse of to_dict (dicts saved before the range check load without ranges)."""
        points = np.asarray(data["points"], dtype=np.float64)
        low, high = data.get("low"), data.get("high")
        limits = data.get("range_limits", (RANGE_INSIDE, RANGE_OUTSIDE))
        return cls(
            center=np.asarray(data["center"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            numeric=[int(j) for j in data["numeric"]],
            categorical={int(k): int(v) for k, v in data["categorical"].items()},
            points=points.reshape(len(points), -1),
            inside_threshold=float(data["inside_threshold"]),
            edge_threshold=float(data["edge_threshold"]),
            low=None if low is None else np.asarray(low, dtype=np.float64),
            high=None if high is None else np.asarray(high, dtype=np.float64),
            range_limits=(float(limits[0]), float(limits[1])),
        )


def threshold_score(value: np.ndarray, one: float, two: float) -> np.ndarray:
    """Map ``value`` ≥ 0 piecewise-linearly so that ``one`` becomes 1 and ``two`` becomes 2:
    value/one up to ``one``, then 1 + (value − one)/(two − one), same slope beyond."""
    value = np.asarray(value, dtype=np.float64)
    one = max(float(one), 1e-300)
    band = max(float(two) - one, 1e-12 * one)
    return np.where(value <= one, value / one, 1.0 + (value - one) / band)


def _column_range(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column minimum and maximum of the finite values (NaN for a column without any)."""
    finite = np.isfinite(block)
    has = finite.any(axis=0)
    low = np.where(finite, block, np.inf).min(axis=0, initial=np.inf)
    high = np.where(finite, block, -np.inf).max(axis=0, initial=-np.inf)
    return np.where(has, low, np.nan), np.where(has, high, np.nan)


def _leave_one_group_out(
    tree: cKDTree, points: np.ndarray, groups: Sequence[Any] | np.ndarray
) -> np.ndarray:
    """Distance from each point to its nearest point of another group (vectorised)."""
    groups = np.asarray(groups)
    n = len(points)
    _, counts = np.unique(groups, return_counts=True)
    if len(counts) == 1:  # one recipe only: fall back to the nearest other point
        groups = np.arange(n)
        counts = np.ones(n, dtype=np.int64)
    k = int(min(n, max(2, counts.max() + 1), _MAX_NEIGHBOURS))
    dist, index = tree.query(points, k=k)
    other = groups[index] != groups[:, None]
    has_other = other.any(axis=1)
    first = np.argmax(other, axis=1)
    result = np.where(has_other, dist[np.arange(n), first], dist[:, -1])
    return np.asarray(result, dtype=np.float64)
