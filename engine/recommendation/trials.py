"""Trials: predicted against measured for every recommendation the plant tried.

A trial links a stored recommendation to a batch; the batch's lab results (imported like any
other) are the measurements. For each trial and predicted property the measured value is the
mean of the batch's replicates at the recommendation's test age (all ages when the model has
no age input). ``inside`` says whether it fell in the predicted interval; the hit rate over all
measured trials should be close to the intervals' coverage.

Before a trial is recorded, :func:`check_trial` compares each batch with the recommendation:
is it in the project, do its amounts match the recommended ones (:data:`TOLERANCE_RULE`), and
was it made after the optimisation run that proposed the recipe?
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from engine.display_units import DisplayUnits

TRIAL_COLUMNS = (
    "trial_id", "recommendation_id", "run_id", "kind", "rank", "batch_id", "property", "unit",
    "test_age_days", "predicted", "lower", "upper", "coverage", "domain", "measured",
    "n_measurements", "error", "inside", "recorded_at", "note",
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
                "note": _text_or_none(trial.note),
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


RELATIVE_TOLERANCE = 0.05
"""A batch's amount may be off the recommended one by 5 % of the recommended amount …"""
ABSOLUTE_TOLERANCE = 1.0
"""… or by 1 in the amount's stored unit (1 kg/m³), whichever is larger …"""
ABSOLUTE_TOLERANCE_WT_PCT = 0.01
"""… and by 0.01 for wt % amounts (a steel's 0.2 % carbon must not pass as 1.2 %)."""
TOLERANCE_RULE = ("an amount differs when it is off the recommended one by more than 5 % of "
                  "the recommended amount or 1 kg/m³ (0.01 wt % in an alloy), whichever is "
                  "larger")


@dataclass(frozen=True)
class AmountDifference:
    """A component whose amount in a batch differs markedly from the recommended amount."""

    material: str
    recommended: float
    batch: float
    unit: str

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        digits = 1 if _absolute_tolerance(self.unit) >= 1 else 3  # wt %: 0.200 against 0.250
        return (f"{self.material} (recommended {self.recommended:.{digits}f}, batch "
                f"{self.batch:.{digits}f}{unit})")


@dataclass(frozen=True)
class BatchCheck:
    """One batch named for a trial, compared with the recommendation.

    Attributes:
        batch_id: the batch.
        in_project: the project holds the batch (False: not imported yet, or a wrong id).
        source: whose amounts were compared: "weighed", or "recipe R-0001" when the batch has
            no weighed amounts; "" when it has no amounts at all.
        differences: components off by more than the tolerance, largest first.
        made_at: when the batch started; None when unknown or not made before the run.
    """

    batch_id: str
    in_project: bool = True
    source: str = ""
    differences: tuple[AmountDifference, ...] = ()
    made_at: pd.Timestamp | None = None

    @property
    def mismatched(self) -> bool:
        """The batch does not look like the recommended recipe, or predates it."""
        return bool(self.differences) or self.made_at is not None


@dataclass(frozen=True)
class TrialCheck:
    """Every batch named for a trial of one recommendation, checked (see :func:`check_batch`).

    Attributes:
        recommendation_id: the recommendation.
        run_id: the optimisation run that proposed it.
        proposed_at: when that run was made.
        batches: one check per named batch, in the order named.
    """

    recommendation_id: int
    run_id: int
    proposed_at: pd.Timestamp
    batches: tuple[BatchCheck, ...]

    @property
    def not_in_project(self) -> list[str]:
        """Named batches the project does not hold."""
        return [b.batch_id for b in self.batches if not b.in_project]

    @property
    def mismatched(self) -> list[BatchCheck]:
        """Batches whose amounts or start time do not fit the recommendation."""
        return [b for b in self.batches if b.mismatched]

    def findings(self) -> list[str]:
        """One sentence per thing that does not fit, for every batch."""
        lines = [f"batch {b} is not in the project yet, so its amounts and date are not "
                 "checked." for b in self.not_in_project]
        for batch in self.batches:
            lines += _batch_findings(batch, self)
        return lines

    def refusal(self, project: str, *, force: bool = False,
                not_imported_yet: bool = False) -> str | None:
        """Why nothing may be recorded (None: it may be).

        Args:
            project: the project as the user named it.
            force: record batches whose amounts or date do not fit anyway.
            not_imported_yet: record batches the project does not hold yet.
        """
        parts = []
        unknown = [] if not_imported_yet else self.not_in_project
        if unknown:
            parts.append(f"{_batches(unknown)} {_is(unknown)} not in project {project}: "
                         "check the id, or import the batch file first (to record a batch "
                         "whose data will be imported later: formix trials record … "
                         "--not-imported-yet).")
        if self.mismatched and not force:
            parts += [line for batch in self.mismatched for line in _batch_findings(batch, self)]
            several = len(self.mismatched) > 1
            parts.append(f"Check the batch {'ids' if several else 'id'}; if "
                         f"{'they' if several else 'it'} did try recommendation "
                         f"{self.recommendation_id}, record {'them' if several else 'it'} "
                         "anyway with formix trials record … --force.")
        if not parts:
            return None
        return "nothing recorded: " + "\n".join(parts)


def check_batch(batch_id: str, recommended: Mapping[str, float], proposed_at: pd.Timestamp,
                batch: Mapping[str, object] | None, amounts: pd.DataFrame) -> BatchCheck:
    """Compare one batch with a recommended recipe.

    Args:
        batch_id: the batch.
        recommended: the recommended amount of each material (settings left out).
        proposed_at: when the optimisation run that proposed the recipe was made (a batch
            started more than :data:`DATE_ONLY_GRACE` before it predates it).
        batch: the project's batch (``recipe_id``, ``start_time``), None when it has none.
        amounts: the batch's amounts: ``material``, ``amount``, ``unit`` and ``source``
            ("weighed" or "recipe"); a weighed amount is preferred to the recipe's.
    """
    if batch is None:
        return BatchCheck(batch_id, in_project=False)
    started = batch.get("start_time")
    # A batch file may give only the date (stored as local midnight) and time zones shift it
    # by hours: only a batch started more than a day before the run predates it for sure.
    early = _known_time(started) and started < proposed_at.floor("min") - DATE_ONLY_GRACE
    made_at = started if early else None
    if not len(amounts):
        return BatchCheck(batch_id, made_at=made_at)
    weighed = amounts["source"] == "weighed"
    chosen = pd.concat([amounts[weighed], amounts[~weighed]]).drop_duplicates("material")
    made = dict(zip(chosen["material"], pd.to_numeric(chosen["amount"], errors="coerce"),
                    strict=True))
    units = dict(zip(chosen["material"], chosen["unit"].fillna(""), strict=True))
    usual_unit = str(chosen["unit"].mode().iloc[0]) if chosen["unit"].notna().any() else ""
    differences = amount_differences(recommended, made, units, usual_unit)
    source = "weighed" if weighed.any() else f"recipe {batch.get('recipe_id')}"
    return BatchCheck(batch_id, source=source, differences=differences, made_at=made_at)


DATE_ONLY_GRACE = pd.Timedelta(days=1)
"""A batch dated the run's own day (date only: local midnight) was not made before it."""


def amount_differences(recommended: Mapping[str, float], made: Mapping[str, float],
                       units: Mapping[str, str], usual_unit: str = "",
                       ) -> tuple[AmountDifference, ...]:
    """Recommended materials whose amount in ``made`` (missing: 0) is off by more than
    :data:`TOLERANCE_RULE` allows, largest difference first."""
    found = []
    for material, wanted in recommended.items():
        have = made.get(material, 0.0)
        have = 0.0 if have != have else float(have)
        unit = units.get(material) or usual_unit
        if abs(have - wanted) > max(RELATIVE_TOLERANCE * abs(wanted), _absolute_tolerance(unit)):
            found.append(AmountDifference(material, float(wanted), have, unit))
    return tuple(sorted(found, key=lambda d: -abs(d.batch - d.recommended)))


def _batch_findings(batch: BatchCheck, check: TrialCheck) -> list[str]:
    lines = []
    if batch.in_project and not batch.source:
        lines.append(f"batch {batch.batch_id} has neither weighed nor recipe amounts, so "
                     "they are not checked.")
    if batch.differences:
        listed = ", ".join(str(d) for d in batch.differences)
        unit = batch.differences[0].unit
        least = f"{_absolute_tolerance(unit):g} {unit or 'of its unit'}"
        lines.append(f"batch {batch.batch_id} ({batch.source} amounts) differs from "
                     f"recommendation {check.recommendation_id} by more than 5 % and {least} "
                     f"in {listed}.")
    if batch.made_at is not None:
        lines.append(f"batch {batch.batch_id} was made {_when(batch.made_at)}, before "
                     f"optimisation run {check.run_id} proposed recommendation "
                     f"{check.recommendation_id} ({_when(check.proposed_at)}).")
    return lines


def _batches(batch_ids: Sequence[str]) -> str:
    return f"batch{'es' if len(batch_ids) > 1 else ''} {', '.join(batch_ids)}"


def _is(batch_ids: Sequence[str]) -> str:
    return "are" if len(batch_ids) > 1 else "is"


def _known_time(value: object) -> bool:
    return isinstance(value, pd.Timestamp) and not pd.isna(value)


def _when(stamp: pd.Timestamp) -> str:
    return f"{stamp:%Y-%m-%d %H:%M} UTC"


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


def _text_or_none(value: object) -> str | None:
    return None if value is None or value != value else str(value)


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _absolute_tolerance(unit: str) -> float:
    """The smallest difference that counts, in ``unit``: 0.01 for wt %, else 1 (1 kg/m³)."""
    return ABSOLUTE_TOLERANCE_WT_PCT if unit.replace(" ", "").lower() in ("wt%", "%") \
        else ABSOLUTE_TOLERANCE
