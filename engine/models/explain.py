"""Explanations of predictions.

* One recipe: TreeSHAP contributions from LightGBM ``pred_contrib=True``, per model feature
  (inputs and derived features); with the expected value they sum to the prediction.
* Recipe against baseline: :func:`baseline_shapley`, the exact Shapley values of switching
  groups of inputs from the baseline's values to the candidate's (the caller evaluates the
  model on the hybrid recipes); they sum to the change of the prediction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import FormixError
from engine.models.lightgbm_model import PropertyModel

EXPECTED = "expected value"

EXACT_MAX_PLAYERS = 12
"""Up to this many players :func:`baseline_shapley` evaluates every coalition (2¹² = 4096
hybrids); beyond, it samples orders."""
SAMPLED_EVALUATIONS = 4096
"""About this many hybrids are evaluated when orders are sampled."""


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


def baseline_shapley(value: Callable[[np.ndarray], np.ndarray], n_players: int, *,
                     exact_max: int = EXACT_MAX_PLAYERS, evaluations: int = SAMPLED_EVALUATIONS,
                     seed: int = 0) -> np.ndarray:
    """Baseline Shapley values: each player's share of value(all) − value(none).

    A player is a group of inputs switched together from the baseline's values to the
    candidate's. ``value`` takes a boolean matrix (one row per hybrid recipe, ``True`` where the
    player takes the candidate's value) and returns the model outputs, shape (rows, outputs).
    Up to ``exact_max`` players every coalition is evaluated (one call) and the values are
    exact. Beyond, random orders of the players are sampled, each with its reverse (about
    ``evaluations`` hybrids, one call, ``seed`` fixed so a recipe's explanation repeats); every
    order's steps add up to the whole change, so the sums stay exact there too.

    Returns:
        Shape (n_players, outputs); the rows sum to value(all) − value(none).
    """
    if n_players == 0:
        return np.zeros((0, np.atleast_2d(value(np.zeros((1, 0), dtype=bool))).shape[1]))
    if n_players <= exact_max:
        coalitions = np.arange(2 ** n_players)
        masks = (coalitions[:, None] >> np.arange(n_players)) & 1 == 1
        values = np.asarray(value(masks), dtype=np.float64).reshape(len(masks), -1)
        sizes = masks.sum(axis=1)
        # weight of a coalition of size s without the player: s! (n − s − 1)! / n!
        weight = np.array([math.factorial(s) * math.factorial(n_players - s - 1)
                           / math.factorial(n_players) for s in range(n_players)])
        out = np.empty((n_players, values.shape[1]))
        for j in range(n_players):
            without = coalitions[~masks[:, j]]
            gain = values[without | (1 << j)] - values[without]
            out[j] = weight[sizes[without]] @ gain
        return out
    rng = np.random.default_rng(seed)
    half = max(1, evaluations // (2 * (n_players + 1)))
    orders = np.array([rng.permutation(n_players) for _ in range(half)])
    orders = np.concatenate([orders, orders[:, ::-1]])
    # step k of an order switches its first k players: n + 1 hybrids per order
    rank = np.argsort(orders, axis=1)
    masks = rank[:, None, :] < np.arange(n_players + 1)[None, :, None]
    walked = np.asarray(value(masks.reshape(-1, n_players)), dtype=np.float64)
    steps = np.diff(walked.reshape(len(orders), n_players + 1, -1), axis=1)  # step k adds
    out = np.zeros((n_players, steps.shape[2]))  # player orders[:, k]
    for k in range(n_players):
        np.add.at(out, orders[:, k], steps[:, k])
    return out / len(orders)


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
