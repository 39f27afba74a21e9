"""Trials: predicted against measured for every recommendation the plant tried.

A trial links a stored recommendation to a batch; the batch's lab results (imported like any
other) are the measurements. For each trial and predicted property the measured value is the
mean of the batch's replicates at the recommendation's test age (all ages when the model has
no age input). ``inside`` says whether it fell in the predicted interval; the hit rate over all
measured trials should be close to the intervals' coverage.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from engine.display_units import DisplayUnits

TRIAL_COLUMNS = (
    "trial_id", "recommendation_id", "run_id", "kind", "rank", "batch_id", "property", "unit",
    "test_age_days", "predicted", "lower", "upper", "coverage", "domain", "measured",
    "n_measurements", "error", "inside", "recorded_at",
)


def trial_frame(trial_rows: pd.DataFrame, lab_results: pd.DataFrame) -> pd.DataFrame:
    """One row per trial and predicted property (see the module docstring).

    ``attrs`` holds ``hit_rate`` (share of measured rows inside their interval, NaN when none
    is measured yet), ``n_trials``, ``n_measured`` and ``coverage`` (nominal).
    """
    rows = []
    for trial in trial_rows.itertuples(index=False):
        predicted = json.loads(trial.predicted_json)
        age = predicted.get("age")
        for target, p in predicted.get("targets", {}).items():
            measured = _measured(lab_results, trial.batch_id, target, age)
            value = float(measured.mean()) if len(measured) else np.nan
            lower, upper = p.get("lower"), p.get("upper")
            inside = pd.NA
            if len(measured) and lower is not None and upper is not None:
                inside = bool(lower <= value <= upper)
            rows.append({
                "trial_id": int(trial.trial_id),
                "recommendation_id": int(trial.recommendation_id),
                "run_id": int(trial.run_id),
                "kind": trial.kind,
                "rank": int(trial.rank),
                "batch_id": trial.batch_id,
                "property": target,
                "unit": p.get("unit", ""),
                "test_age_days": np.nan if age is None else float(age),
                "predicted": _float(p.get("mean")),
                "lower": _float(lower),
                "upper": _float(upper),
                "coverage": _float(p.get("coverage")),
                "domain": predicted.get("domain_label"),
                "measured": value,
                "n_measurements": len(measured),
                "error": value - _float(p.get("mean")),
                "inside": inside,
                "recorded_at": trial.recorded_at,
            })
    frame = pd.DataFrame(rows, columns=list(TRIAL_COLUMNS))
    frame["inside"] = frame["inside"].astype("boolean")
    measured = frame["inside"].dropna()
    frame.attrs["n_trials"] = int(trial_rows["trial_id"].nunique()) if len(trial_rows) else 0
    frame.attrs["n_measured"] = len(measured)
    frame.attrs["hit_rate"] = float(measured.mean()) if len(measured) else float("nan")
    coverages = frame["coverage"].dropna()
    frame.attrs["coverage"] = float(coverages.iloc[0]) if len(coverages) else float("nan")
    return frame


def trials_in_units(frame: pd.DataFrame, units: DisplayUnits) -> pd.DataFrame:
    """``frame`` (see :func:`trial_frame`) with predicted, interval, measured and error in
    ``units`` and ``unit`` naming them (per property, its mean prediction is the typical
    value that picks psi or ksi); ``inside`` and the hit rate do not change. ``frame`` itself
    when nothing changes."""
    from engine.display_units import CHANGE_COLUMNS, VALUE_COLUMNS
    from engine.units import display_unit_or_text

    column = next((c for c in ("property", "target") if c in frame.columns), None)
    if units.is_si or "unit" not in frame or column is None or not len(frame):
        return frame
    shown = frame.copy()
    stored_units = frame["unit"].fillna("").astype(str)
    for (_target, stored), rows in frame.groupby([frame[column].astype(str), stored_units],
                                                 sort=False):
        stored = display_unit_or_text(stored)
        predicted = rows["predicted"].astype(float).mean() if "predicted" in rows else None
        typical = None if predicted is None or predicted != predicted else float(predicted)
        converted = units.figures(rows, stored, typical)
        if converted is rows:
            continue
        for name in (*VALUE_COLUMNS, *CHANGE_COLUMNS):
            if name in rows:
                shown.loc[rows.index, name] = converted[name]
        shown.loc[rows.index, "unit"] = units.unit(stored, typical)
    shown.attrs = dict(frame.attrs)
    return shown


def hit_rate(frame: pd.DataFrame) -> float:
    """Share of measured trial rows whose measurement fell inside the predicted interval."""
    measured = frame["inside"].dropna()
    return float(measured.mean()) if len(measured) else float("nan")


def _measured(lab_results: pd.DataFrame, batch_id: str, target: str,
              age: float | None) -> pd.Series:
    rows = lab_results[(lab_results["batch_id"] == batch_id)
                       & (lab_results["property"] == target)]
    if age is not None:
        ages = pd.to_numeric(rows["test_age_days"], errors="coerce")
        rows = rows[np.isclose(ages, float(age), rtol=0, atol=1e-6)]
    return pd.to_numeric(rows["value"], errors="coerce").dropna()


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
