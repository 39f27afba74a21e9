"""Honest validation: grouped-by-recipe CV by default, random or time-ordered on request.

Every fold trains a full ``PropertyModel`` (point model, spread model and interval
calibration) on the training rows only, so interval coverage is measured on rows the
calibration never saw. Out-of-fold predictions with intervals are kept for parity plots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import FormixError
from engine.models.dataset import group_ids, recipe_groups, require_columns
from engine.models.features import DerivedFeature
from engine.models.lightgbm_model import PropertyModel
from engine.models.splits import CV_KINDS, cv_splits
from engine.progress import CancelToken, ProgressCallback, no_progress
from engine.uncertainty.conformal import interval_metrics


@dataclass
class CrossValidation:
    """Result of cross-validating one target.

    Attributes:
        target: target column.
        metrics: rmse, mae, r2 (means over repeats, with ``*_std``), coverage,
            mean_interval_width, constant-width conformal reference, counts and protocol.
        predictions: out-of-fold rows: row (position in the input frame), repeat, fold,
            observed, predicted, lower, upper, domain.
    """

    target: str
    metrics: dict[str, Any]
    predictions: pd.DataFrame


def regression_metrics(y: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    """RMSE, MAE and R² over rows with finite values."""
    keep = np.isfinite(y) & np.isfinite(prediction)
    y, prediction = y[keep], prediction[keep]
    error = y - prediction
    total = float(np.sum((y - y.mean()) ** 2))
    return {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "r2": 1.0 - float(np.sum(error**2)) / total if total > 0 else float("nan"),
    }


def cross_validate(
    frame: pd.DataFrame,
    targets: Sequence[str],
    inputs: Sequence[str],
    *,
    cv: str = "group",
    folds: int = 10,
    repeats: int = 1,
    seed: int = 0,
    coverage: float = 0.9,
    groups: Sequence[Any] | np.ndarray | None = None,
    age_column: str | None = None,
    time_column: str | None = None,
    categorical: Sequence[str] = (),
    derived: Sequence[DerivedFeature] = (),
    monotone: Mapping[str, int] | None = None,
    model_options: Mapping[str, Any] | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, CrossValidation]:
    """Cross-validate property models for several targets on the same folds.

    Args:
        frame: the data, one row per measurement.
        targets: target columns.
        inputs: input columns.
        cv: ``group`` (default; whole recipes held out), ``random`` or ``time``.
        folds: number of folds.
        repeats: repetitions with different shuffles (ignored for ``time``).
        seed: seed of the first repetition; repetition r uses seed + r.
        coverage: nominal interval coverage.
        groups: recipe id per row; None infers recipes from inputs except ``age_column``.
        age_column: test-age input (ignored when inferring recipes).
        time_column: ordering column for ``time``.
        categorical: categorical inputs.
        derived: derived features.
        monotone: monotone constraints.
        model_options: further ``PropertyModel`` parameters (params, num_boost_round, …).
        progress: progress callback.
        cancel: checked between folds (and inside training).

    Returns:
        One ``CrossValidation`` per target.
    """
    if cv not in CV_KINDS:
        raise FormixError(f"unknown cross-validation {cv!r}; use one of {list(CV_KINDS)}")
    require_columns(frame, [*targets, *inputs], "column")
    if cv == "time":
        if time_column is None:
            raise FormixError("time-ordered cross-validation needs --time COLUMN")
        require_columns(frame, [time_column], "time column")
        repeats = 1
    frame = frame.reset_index(drop=True)
    if groups is None:
        group = recipe_groups(frame, inputs, age_column)
    else:
        group = group_ids(np.asarray(groups, dtype=object))
    order = None if time_column is None else frame[time_column].to_numpy()
    X = frame[list(inputs)]
    Y = frame[list(targets)].apply(pd.to_numeric, errors="coerce")
    options = dict(model_options or {})
    options.setdefault("calibration", "random" if cv == "random" else "group")
    collected: dict[str, list[pd.DataFrame]] = {t: [] for t in targets}
    plans = [
        (r, cv_splits(cv, len(frame), folds, seed + r, groups=group, order=order))
        for r in range(repeats)
    ]
    total = sum(len(splits) for _, splits in plans)
    done = 0
    for repeat, splits in plans:
        for fold, (train, test) in enumerate(splits):
            if cancel is not None:
                cancel.raise_if_cancelled()
            start, end = done / total, (done + 1) / total
            message = f"repeat {repeat + 1}/{repeats}, fold {fold + 1}/{len(splits)}"
            model = PropertyModel(
                inputs=list(inputs),
                categorical=categorical,
                derived=derived,
                monotone=monotone,
                coverage=coverage,
                age_column=age_column,
                seed=seed + repeat,
                **options,
            )
            model.fit(
                X.iloc[train],
                Y.iloc[train],
                groups=group[train],
                progress=lambda f, m, s=start, e=end, msg=message: progress(s + (e - s) * f, msg),
                cancel=cancel,
            )
            matrix = model.encoder_.transform(X.iloc[test], warn_unknown=False)
            results, distance = model.predict_encoded(matrix)
            domain = model.domain_.classify(distance, matrix[:, : len(model.encoder_.inputs)])[1]
            for target in targets:
                r = results[target]
                half = model.targets_[target].calibration.constant_halfwidth
                collected[target].append(
                    pd.DataFrame(
                        {
                            "row": test,
                            "repeat": repeat,
                            "fold": fold,
                            "observed": Y[target].to_numpy()[test],
                            "predicted": r.prediction,
                            "lower": r.lower,
                            "upper": r.upper,
                            "constant_halfwidth": half,
                            "domain": domain,
                        }
                    )
                )
            done += 1
            progress(done / total, message)
    return {
        t: _summarise(
            t, pd.concat(collected[t], ignore_index=True), cv, folds, repeats, group, coverage
        )
        for t in targets
    }


def _summarise(
    target: str,
    oof: pd.DataFrame,
    cv: str,
    folds: int,
    repeats: int,
    group: np.ndarray,
    coverage: float,
) -> CrossValidation:
    """Metrics of one target over its measured rows; ``n_groups`` counts the recipes measured."""
    oof = oof[np.isfinite(oof["observed"].to_numpy(np.float64))].reset_index(drop=True)
    per_repeat = [
        regression_metrics(part["observed"].to_numpy(), part["predicted"].to_numpy())
        for _, part in oof.groupby("repeat")
    ]
    metrics: dict[str, Any] = {"target": target}
    for key in ("rmse", "mae", "r2"):
        values = np.array([m[key] for m in per_repeat])
        metrics[key] = float(values.mean())
        metrics[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    y = oof["observed"].to_numpy()
    metrics.update(interval_metrics(y, oof["lower"].to_numpy(), oof["upper"].to_numpy()))
    half = oof["constant_halfwidth"].to_numpy()
    reference = interval_metrics(
        y, oof["predicted"].to_numpy() - half, oof["predicted"].to_numpy() + half
    )
    metrics["constant_width_conformal_width"] = reference["mean_interval_width"]
    metrics["constant_width_conformal_coverage"] = reference["coverage"]
    metrics["nominal_coverage"] = coverage
    metrics["outside_domain_share"] = float((oof["domain"] == "outside").mean())
    metrics.update(
        {
            "n_rows": int(oof["row"].nunique()),
            "n_groups": len(np.unique(group[oof["row"].unique()])),
            "n_predictions": len(oof),
            "cv": cv,
            "folds": folds,
            "repeats": repeats,
        }
    )
    return CrossValidation(target, metrics, oof)
