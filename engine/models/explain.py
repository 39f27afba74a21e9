"""Explanations: TreeSHAP contributions from LightGBM ``pred_contrib=True``.

Contributions are per model feature (inputs and derived features) and sum, with the expected
value, to the prediction. Comparing two recipes gives per-feature contribution deltas that
sum to the prediction difference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import FormixError
from engine.models.lightgbm_model import PropertyModel

EXPECTED = "expected value"


def _booster(model: PropertyModel, target: str) -> Any:
    names = model.target_names
    if target not in names:
        raise FormixError(f"the model has no target {target!r}; it predicts {names}")
    return model.targets_[target].booster


def contributions(model: PropertyModel, X: pd.DataFrame, target: str) -> pd.DataFrame:
    """SHAP contributions per feature plus ``expected value``; each row sums to the prediction."""
    booster = _booster(model, target)
    matrix = model.transform(X)
    raw = np.array(booster.predict(matrix, pred_contrib=True), dtype=np.float64)
    linear = model.targets_[target].linear
    if linear is not None:  # exact SHAP of the linear baseline, added per feature
        raw[:, list(linear.columns)] += linear.contributions(matrix)
        raw[:, -1] += linear.intercept
    return pd.DataFrame(raw, columns=[*model.feature_names_, EXPECTED], index=X.index)


def global_importance(
    model: PropertyModel, target: str, X: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per feature: share of total split gain and, if ``X`` is given, mean |SHAP|.

    Sorted by mean |SHAP| when available, else by gain.
    """
    booster = _booster(model, target)
    gain = booster.feature_importance(importance_type="gain").astype(np.float64)
    total = gain.sum()
    frame = pd.DataFrame(
        {"feature": model.feature_names_, "gain_share": gain / total if total > 0 else gain}
    )
    key = "gain_share"
    if X is not None:
        contrib = contributions(model, X, target).drop(columns=EXPECTED)
        frame["mean_abs_shap"] = np.abs(contrib.to_numpy()).mean(axis=0)
        key = "mean_abs_shap"
    return frame.sort_values(key, ascending=False, ignore_index=True)


@dataclass(frozen=True)
class ContributionDelta:
    """How one feature's change moves the prediction between a baseline and a candidate."""

    feature: str
    baseline_value: float | str
    candidate_value: float | str
    contribution_delta: float
    unit: str = ""
    target_unit: str = ""

    def text(self, digits: int = 1) -> str:
        """E.g. ``Cement +40 kg/m³ → +5.1 MPa`` or ``route A→B → −2.0 MPa``."""
        if isinstance(self.baseline_value, str) or isinstance(self.candidate_value, str):
            change = f"{self.baseline_value}→{self.candidate_value}"
        else:
            change = _signed(
                self.candidate_value - self.baseline_value,
                _digits_for(self.candidate_value - self.baseline_value),
            )
            change = f"{change} {self.unit}".rstrip()
        effect = f"{_signed(self.contribution_delta, digits)} {self.target_unit}".rstrip()
        return f"{self.feature} {change} → {effect}"


def compare(
    model: PropertyModel,
    baseline: pd.DataFrame | pd.Series | Mapping[str, object],
    candidate: pd.DataFrame | pd.Series | Mapping[str, object],
    target: str,
    units: Mapping[str, str] | None = None,
) -> list[ContributionDelta]:
    """Per-feature contribution deltas candidate − baseline, largest |delta| first.

    The deltas sum to prediction(candidate) − prediction(baseline).
    """
    frame = pd.concat([_one_row(baseline), _one_row(candidate)], ignore_index=True)
    contrib = contributions(model, frame, target).drop(columns=EXPECTED).to_numpy()
    values = _display_values(model, frame)
    units = dict(units or {})
    deltas = [
        ContributionDelta(
            feature=name,
            baseline_value=values[0][j],
            candidate_value=values[1][j],
            contribution_delta=float(contrib[1, j] - contrib[0, j]),
            unit=units.get(name, ""),
            target_unit=units.get(target, ""),
        )
        for j, name in enumerate(model.feature_names_)
    ]
    return sorted(deltas, key=lambda d: abs(d.contribution_delta), reverse=True)


def top_contributions_text(
    model: PropertyModel,
    X: pd.DataFrame,
    target: str,
    k: int = 3,
    units: Mapping[str, str] | None = None,
    digits: int = 1,
    scale: float = 1.0,
) -> list[str]:
    """For each row, the ``k`` largest contributions vs the average prediction, as text
    (contributions times ``scale``: a unit conversion of differences)."""
    contrib = contributions(model, X, target).drop(columns=EXPECTED).to_numpy() * scale
    names = model.feature_names_
    unit = (units or {}).get(target, "")
    order = np.argsort(-np.abs(contrib), axis=1)[:, :k]
    texts = []
    for row, picks in zip(contrib, order, strict=True):
        parts = [f"{names[j]} {_signed(row[j], digits)} {unit}".rstrip() for j in picks]
        texts.append("; ".join(parts))
    return texts


def _one_row(row: pd.DataFrame | pd.Series | Mapping[str, object]) -> pd.DataFrame:
    if isinstance(row, pd.DataFrame):
        if len(row) != 1:
            raise FormixError(f"expected one recipe, got {len(row)} rows")
        return row.reset_index(drop=True)
    if isinstance(row, pd.Series):
        return row.to_frame().T.reset_index(drop=True)
    return pd.DataFrame([dict(row)])


def _display_values(model: PropertyModel, frame: pd.DataFrame) -> list[list[float | str]]:
    matrix = model.transform(frame)
    encoder = model.encoder_
    rows: list[list[float | str]] = []
    for i in range(len(frame)):
        row: list[float | str] = []
        for j, value in enumerate(matrix[i]):
            if j < len(encoder.inputs) and encoder.inputs[j] in encoder.categorical:
                labels = encoder.categories[encoder.inputs[j]]
                row.append(labels[int(value)] if np.isfinite(value) else "missing")
            else:
                row.append(float(value))
        rows.append(row)
    return rows


def _digits_for(value: float) -> int:
    """Decimals that show a change: none from 10, one from 1, below that at least three and
    two significant figures (an atomic fraction moving by 0.00046 is not "±0.000")."""
    magnitude = abs(value)
    if magnitude == 0 or magnitude >= 10:
        return 0
    if magnitude >= 1:
        return 1
    return max(3, 1 - math.floor(math.log10(magnitude)))


def _signed(value: float, digits: int) -> str:
    text = f"{abs(value):.{digits}f}"
    if float(text) == 0:
        return f"±{text}"
    return f"+{text}" if value > 0 else f"−{text}"
