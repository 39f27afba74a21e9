"""An optional linear baseline that boosting starts from (LightGBM ``init_score``).

Trees approximate smooth trends with steps and extrapolate flat; a ridge fit on a few chosen
features (e.g. log(age): strength grows roughly with log(age)) captures the trend and the
trees model what is left. Coefficients honour monotone constraints (bounded least squares),
and the baseline's SHAP values are exact: β_j·(x_j − mean_j)/scale_j.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import lsq_linear

from engine.errors import FormixError


@dataclass(frozen=True)
class LinearBase:
    """intercept + Σ coef_j · (x[:, columns_j] − mean_j) / scale_j; missing x_j counts as mean_j.

    Attributes:
        columns: positions of the features in the model's feature matrix.
        mean: training mean of each feature.
        scale: training standard deviation (1 where constant).
        coef: coefficients on the standardized features.
        intercept: mean of the training target.
    """

    columns: tuple[int, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    @classmethod
    def fit(
        cls,
        matrix: np.ndarray,
        y: np.ndarray,
        columns: Sequence[int],
        signs: Sequence[int] = (),
        alpha: float = 1.0,
    ) -> LinearBase:
        """Ridge fit on standardized ``matrix[:, columns]``; ``signs`` (+1/−1/0) bound coefs."""
        block = np.asarray(matrix, dtype=np.float64)[:, list(columns)]
        mean = np.nanmean(block, axis=0)
        mean = np.where(np.isfinite(mean), mean, 0.0)
        scale = np.nanstd(block, axis=0)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        z = np.nan_to_num((block - mean) / scale, nan=0.0, posinf=0.0, neginf=0.0)
        intercept = float(np.mean(y))
        k = z.shape[1]
        design = np.vstack([z, np.sqrt(alpha) * np.eye(k)])
        target = np.concatenate([y - intercept, np.zeros(k)])
        signs = list(signs) or [0] * k
        lower = [0.0 if s > 0 else -np.inf for s in signs]
        upper = [0.0 if s < 0 else np.inf for s in signs]
        solution = lsq_linear(design, target, bounds=(lower, upper), method="bvls")
        return cls(
            columns=tuple(int(c) for c in columns),
            mean=tuple(float(v) for v in mean),
            scale=tuple(float(v) for v in scale),
            coef=tuple(float(v) for v in solution.x),
            intercept=intercept,
        )

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Per-feature terms (rows × len(columns)); they sum with the intercept to predict()."""
        block = matrix[:, list(self.columns)]
        z = (block - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0) * np.asarray(self.coef)

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """The baseline for each row."""
        return np.asarray(self.intercept + self.contributions(matrix).sum(axis=1))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (floats round-trip exactly)."""
        return {
            "columns": list(self.columns),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinearBase:
        """Inverse of to_dict."""
        return cls(
            columns=tuple(int(c) for c in data["columns"]),
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            coef=tuple(float(v) for v in data["coef"]),
            intercept=float(data["intercept"]),
        )


def linear_columns(
    feature_names: Sequence[str], chosen: Sequence[str], categorical: Sequence[str]
) -> list[int]:
    """Positions of the chosen numeric features; clear error for unknown or categorical ones."""
    positions = []
    for name in chosen:
        if name not in feature_names:
            raise FormixError(
                f"linear baseline feature {name!r} is neither an input nor a derived feature; "
                f"features are {list(feature_names)}"
            )
        if name in categorical:
            raise FormixError(f"linear baseline feature {name!r} is categorical")
        positions.append(list(feature_names).index(name))
    return positions
