"""Reading the engine's result objects for display (no computation on results here).

The pages receive what ``engine.services`` returns — an ``OptimisationRun`` (its ``result``
holds the Pareto set), ``ExplainedRecommendation`` objects (rendered through ``to_dict()``),
the trials frame — and only need names, units and rows out of them. These helpers keep that
reading in one place, tolerant of fields the engine adds later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "as_dict",
    "clean_unit",
    "recommendation_rows",
    "run_history",
    "run_result",
    "run_units",
    "trial_property_column",
]

_UNIT_TEXT = {"dimensionless": "", "kg/m**3": "kg/m³", "m**3": "m³", "kg/m^3": "kg/m³"}


def clean_unit(unit: Any) -> str:
    """Units as people write them ("kg/m**3" → "kg/m³", "dimensionless" → "")."""
    text = "" if unit is None else str(unit)
    return _UNIT_TEXT.get(text, text.replace("**3", "³").replace("**2", "²"))


def run_result(run: Any) -> Any:
    """The optimisation result of a run (``run.result``), or the run itself if it is one."""
    return getattr(run, "result", run)


def run_units(run: Any) -> dict[str, str]:
    """Unit per column of a run's Pareto set: inputs and targets from the model set, each
    objective from its target (``compressive_strength_lower`` → MPa), cost in the currency."""
    result = run_result(run)
    model_set = getattr(run, "model_set", None)
    units = {str(k): clean_unit(v) for k, v in (getattr(model_set, "units", None) or {}).items()}
    units.update({str(k): clean_unit(v) for k, v in (getattr(run, "units", None) or {}).items()})
    for target in getattr(result, "targets", ()):
        if target in units:
            for suffix in ("_mean", "_lower", "_upper", "_width"):
                units.setdefault(f"{target}{suffix}", units[target])
    for label in getattr(result, "objective_labels", ()):
        for target in getattr(result, "targets", ()):
            if label.startswith(f"{target}_") and target in units:
                units.setdefault(label, units[target])
    currency = getattr(result, "currency", None) or getattr(
        getattr(run, "materials", None), "currency", None)
    if currency:
        units.setdefault("cost", str(currency))
    units.setdefault("co2", "kg CO₂e")
    return {k: v for k, v in units.items() if v}


def run_history(run: Any) -> list[pd.DataFrame]:
    """The run's per-generation fronts as frames with the objective labels as columns."""
    import pandas as pd

    result = run_result(run)
    labels = list(result.objective_labels)
    fronts = []
    for front in getattr(result, "history", ()) or ():
        fronts.append(front if isinstance(front, pd.DataFrame)
                      else pd.DataFrame(front, columns=labels))
    return fronts


def as_dict(recommendation: Any) -> dict[str, Any]:
    """The plain dict of a recommendation (``to_dict()``, or the mapping itself)."""
    if hasattr(recommendation, "to_dict"):
        return dict(recommendation.to_dict())
    return dict(recommendation)


def recommendation_rows(cards: Sequence[Mapping[str, Any]], pareto: pd.DataFrame,
                        variables: Sequence[str]) -> list[int | None]:
    """The Pareto row of each recommendation: its ``row`` when the engine gives one, else the
    row whose variables hold exactly the recommended recipe (None when none does)."""
    import numpy as np

    rows: list[int | None] = []
    for card in cards:
        if card.get("row") is not None:
            rows.append(int(card["row"]))
            continue
        recipe = card.get("recipe") or {}
        match = np.ones(len(pareto), dtype=bool)
        for name in variables:
            if name not in recipe or name not in pareto:
                continue
            value, column = recipe[name], pareto[name]
            if isinstance(value, int | float) and column.dtype.kind in "fiu":
                match &= np.isclose(column.to_numpy(dtype=float), float(value), rtol=1e-9,
                                    atol=1e-9)
            else:
                match &= column.astype(str).to_numpy() == str(value)
        hits = np.flatnonzero(match)
        rows.append(int(hits[0]) if len(hits) else None)
    return rows


def trial_property_column(frame: pd.DataFrame) -> str | None:
    """The column naming the predicted property in the trials frame."""
    return next((c for c in ("property", "target") if c in frame.columns), None)
