"""``PropertyPredictor`` over a fitted :class:`engine.models.lightgbm_model.PropertyModel`.

The score is the model's applicability-domain score (:mod:`engine.uncertainty.domain`), already
on the optimiser's scale: the larger of the distance score (the 95th-percentile training
distance maps to 1, the 99th to 2, piecewise-linearly: distance/t95 up to t95, then
1 + (d − t95)/(t99 − t95), same slope beyond) and the per-input range score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from engine.optimisation.predictor import Predictions, domain_labels

if TYPE_CHECKING:
    import pandas as pd


class LightGBMPredictorAdapter:
    """Adapts a fitted ``PropertyModel`` (LightGBM + conformal intervals + domain).

    Derived features the model defines itself (its ``derived`` ratios) are computed by the model;
    ``input_names`` are its raw inputs. Categorical inputs are mapped by label; a label the model
    never saw becomes LightGBM's "missing" (choose study choices among the model's categories).
    Intervals are only available at the model's calibrated coverage.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.target_names: tuple[str, ...] = tuple(model.target_names)  # raises if not fitted
        self.input_names: tuple[str, ...] = tuple(model.encoder_.inputs)
        self.coverage = float(model.coverage)
        self.categories: dict[str, list[str]] = dict(model.encoder_.categories)

    def predict(self, frame: pd.DataFrame) -> Predictions:
        """Predictions, calibrated intervals and domain scores for every row of ``frame``."""
        encoder = self.model.encoder_
        matrix = encoder.transform(frame[list(self.input_names)], warn_unknown=False)
        results, distance = self.model.predict_encoded(matrix)  # one neighbour search
        score = self.model.domain_of(matrix, distance)[0]
        return Predictions(
            mean={t: np.asarray(r.prediction, dtype=float) for t, r in results.items()},
            lower={t: np.asarray(r.lower, dtype=float) for t, r in results.items()},
            upper={t: np.asarray(r.upper, dtype=float) for t, r in results.items()},
            domain_score=score,
            domain_label=domain_labels(score),
            coverage=self.coverage,
        )

