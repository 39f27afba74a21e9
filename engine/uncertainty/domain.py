"""Applicability domain: how far a recipe is from the training recipes.

Inputs are standardized with the training mean and standard deviation (categorical inputs are
one-hot, scaled so that a different category counts as one standard deviation). Each training
point's leave-one-group-out distance (to the nearest point of another recipe group) gives the
thresholds: a prediction is ``inside`` up to the 95th percentile, ``edge`` up to the 99th and
``outside`` beyond. The score is distance / 95th-percentile threshold (≤ 1 means inside).
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


@dataclass
class DomainModel:
    """Nearest-neighbour applicability domain over standardized inputs.

    Attributes:
        center: per numeric column mean of the training points.
        scale: per numeric column standard deviation (1 where constant).
        numeric: indices of numeric columns in the feature matrix.
        categorical: mapping feature index -> number of categories (one-hot blocks).
        points: standardized, de-duplicated training points (≤ max_points rows).
        inside_threshold: 95th percentile of leave-one-group-out distances.
        edge_threshold: 99th percentile of leave-one-group-out distances.
    """

    center: np.ndarray
    scale: np.ndarray
    numeric: list[int]
    categorical: dict[int, int]
    points: np.ndarray
    inside_threshold: float
    edge_threshold: float
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
        model = cls(center, scale, numeric, categorical, np.zeros((0, 0)), 1.0, 1.0)
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

    def score(self, features: np.ndarray, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Scores (distance / inside threshold) and labels inside / edge / outside."""
        return self.classify(self.distance(features, workers))

    def classify(self, distance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores and labels for distances returned by ``distance``."""
        level = (distance > self.inside_threshold).astype(np.int8)
        level += distance > self.edge_threshold
        return distance / self.inside_threshold, LABELS[level]

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
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainModel:
        """Inverse of to_dict."""
        points = np.asarray(data["points"], dtype=np.float64)
        return cls(
            center=np.asarray(data["center"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            numeric=[int(j) for j in data["numeric"]],
            categorical={int(k): int(v) for k, v in data["categorical"].items()},
            points=points.reshape(len(points), -1),
            inside_threshold=float(data["inside_threshold"]),
            edge_threshold=float(data["edge_threshold"]),
        )


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
