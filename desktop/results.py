"""Reading the engine's result objects for display (no computation on results here).

The pages receive what ``engine.services`` returns — an ``OptimisationRun`` (its ``result``
holds the Pareto set), ``ExplainedRecommendation`` objects (rendered through ``to_dict()``),
the trials frame — and only need names, units and rows out of them. These helpers keep that
reading in one place, tolerant of fields the engine adds later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from engine.types import DisplayUnits, clean_unit

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "as_dict",
    "clean_unit",
    "compact_number",
    "recommendation_rows",
    "run_basis",
    "run_history",
    "run_result",
    "run_units",
    "shown_frame",
    "shown_recommendation",
    "shown_unit",
    "shown_values",
    "trial_property_column",
    "typical_values",
]

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
    basis = run_basis(run)
    stored = DisplayUnits()
    if currency:
        units.setdefault("cost", stored.cost_unit(str(currency), basis))
    units.setdefault("co2", stored.co2_unit(basis))
    return {k: v for k, v in units.items() if v}


def run_basis(run: Any) -> str:
    """What a run's cost and CO₂ are per ("m³" of concrete, "kg" of alloy, "" unknown): from
    the units of the study's variables, as the engine's explanations say it."""
    variables = getattr(getattr(run, "spec", None), "variables", None) or ()
    if not variables:
        return ""
    from engine import services

    return services.product_basis([str(getattr(v, "unit", "") or "") for v in variables])


# -- display units ---------------------------------------------------------------------------
# A run's columns carry their stored units (``run_units``); cost is "<currency>/<basis>" and
# CO₂ "kg CO₂e/<basis>", converted per shown basis; every other unit through
# ``DisplayUnits.value`` (interval widths as differences).
_COST_UNIT = re.compile(r"^([A-Z]{3})/(\S+)$")
_CO2_UNIT = re.compile(r"^kg CO₂e/(\S+)$")
_TARGET_SUFFIXES = ("_mean", "_lower", "_upper", "_width")


def shown_unit(stored: str | None, units: DisplayUnits, typical: float | None = None) -> str:
    """The unit a column stored in ``stored`` is shown in ("USD/m³" → "USD/yd³")."""
    stored = str(stored or "")
    if units.is_si or not stored:
        return stored
    if match := _CO2_UNIT.match(stored):
        return units.co2_unit(match[1])
    if match := _COST_UNIT.match(stored):
        return f"{match[1]}/{units.basis(match[2])}"
    return units.unit(stored, typical)


def shown_values(values: Any, stored: str | None, units: DisplayUnits,
                 typical: float | None = None, *, difference: bool = False) -> Any:
    """``values`` (a number, array or series in ``stored``) in the unit :func:`shown_unit`
    names; ``difference``: a change or an interval width (scaled, never offset)."""
    stored = str(stored or "")
    if units.is_si or not stored:
        return values
    if match := _CO2_UNIT.match(stored):
        return units.co2(values, match[1])
    if match := _COST_UNIT.match(stored):
        return units.per_basis(values, match[2])
    if difference:
        return units.change(values, stored, typical)
    return units.value(values, stored, typical)


def typical_values(frame: pd.DataFrame, columns: Sequence[str] | None = None
                   ) -> dict[str, float]:
    """A typical value per numeric column (the median), which picks psi or ksi for MPa; the
    columns of one property (``strength_mean``, ``_lower``, ``_upper`` and objectives such as
    ``strength_lower``) share the median of its ``_mean`` column, so they show alike."""
    import numpy as np

    out: dict[str, float] = {}
    for column in columns if columns is not None else frame.columns:
        name = str(column)
        source = name
        for suffix in _TARGET_SUFFIXES:
            if name.endswith(suffix) and f"{name[:-len(suffix)]}_mean" in frame:
                source = f"{name[:-len(suffix)]}_mean"
                break
        if source not in frame or frame[source].dtype.kind not in "fiu":
            continue
        try:
            values = frame[source].to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            continue
        values = values[np.isfinite(values)]
        if len(values):
            out[name] = float(np.median(np.abs(values)))
    return out


def shown_frame(frame: pd.DataFrame, stored_units: Mapping[str, str], units: DisplayUnits,
                typical: Mapping[str, float] | None = None
                ) -> tuple[pd.DataFrame, dict[str, str]]:
    """``frame`` with each numeric column in display units, and the unit shown per column."""
    if typical is None:
        typical = typical_values(frame, [c for c in frame.columns if str(c) in stored_units])
    shown_units = {str(name): shown_unit(unit, units, typical.get(str(name)))
                   for name, unit in stored_units.items()}
    if units.is_si:
        return frame, shown_units
    out = frame.copy()
    for column in out.columns:
        name = str(column)
        unit = stored_units.get(name)
        if unit and out[column].dtype.kind in "fiu":
            out[column] = shown_values(out[column].astype(float), unit, units,
                                       typical.get(name), difference=name.endswith("_width"))
    return out, shown_units


def shown_recommendation(card: Mapping[str, Any], units: DisplayUnits) -> dict[str, Any]:
    """A recommendation's dict (``to_dict()``, stored units) with its figures in ``units``.

    Sections the card lacks (a recipe that was not explained) stay missing; a dict that
    cannot be read as a recommendation is returned as it is (its own units still name it).
    """
    if card.get("unit_system", "SI") == units.system and "basis" in card:
        return dict(card)
    from engine import services

    try:
        (shown,) = services.shown_recommendations([dict(card)], units)
    except (ValueError, TypeError, KeyError, AttributeError):
        return dict(card)
    out = {**card, **shown.to_dict()}
    for key in ("binding", "attributions"):
        if key not in card:
            out.pop(key, None)
    return out


def compact_number(value: float, digits: int = 3, sign: bool = False) -> str:
    """``value`` to ``digits`` significant digits, but never in exponent form: figures in psi
    or lb/yd³ read "+725" and "5802", not "+7.2e+02" and "5.8e+03"."""
    plus = "+" if sign else ""
    if value != value:
        return "nan"
    if value == 0 or abs(value) >= 10 ** (digits - 1):
        return f"{value:{plus}.0f}"
    return f"{value:{plus}.{digits}g}"


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
