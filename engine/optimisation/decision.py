"""Pick a few recommended recipes from a Pareto set, say why, and compare them with the baseline.

Candidates come from pymoo's decision making on the normalised front (minimisation form):
``HighTradeoffPoints`` (the "knee"), the achievement scalarisation function ``ASF`` with equal
weights (compromise programming, "balanced"; pymoo 0.6.2's ``CompromiseProgramming`` returns
nothing, so ASF is called directly) and the best recipe for each objective ("cheapest", "lowest
CO₂", "best …"). From these, recipes are chosen greedily to be far apart in the standardised
input space (max–min distance), so the k recommendations are genuinely different recipes; if
fewer than k distinct candidates exist, the most distant remaining Pareto recipes fill up as
"diverse alternative". Recommendations are ranked by how many objectives beat the baseline,
then by the balanced score.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from engine.optimisation.result import OptimisationResult, unit_scaled


@dataclass(frozen=True)
class Recommendation:
    """One recommended recipe.

    Attributes:
        rank: 1 = recommended first.
        reasons: why it was picked ("knee", "balanced", "cheapest", "lowest CO₂",
            "best <objective>", "diverse alternative").
        row: its row in ``result.pareto``.
        recipe: every variable's value (categoricals as text).
        objectives: objective values in natural units.
        deltas: objective minus the baseline's predicted value (natural units), or None.
        better_than_baseline: objectives in which it beats the baseline, or None.
        dominates_baseline: at least as good in every objective and better in one, or None.
        domain_label: "inside", "edge" or "outside".
    """

    rank: int
    reasons: tuple[str, ...]
    row: int
    recipe: dict[str, Any]
    objectives: dict[str, float]
    deltas: dict[str, float] | None
    better_than_baseline: tuple[str, ...] | None
    dominates_baseline: bool | None
    domain_label: str

    @property
    def reason(self) -> str:
        """The reasons as one phrase."""
        return ", ".join(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "rank": self.rank,
            "reason": self.reason,
            "row": self.row,
            "recipe": {k: _plain(v) for k, v in self.recipe.items()},
            "objectives": self.objectives,
            "deltas_vs_baseline": self.deltas,
            "better_than_baseline": list(self.better_than_baseline)
            if self.better_than_baseline is not None else None,
            "dominates_baseline": self.dominates_baseline,
            "domain": self.domain_label,
        }


def recommend(result: OptimisationResult, k: int = 3) -> tuple[Recommendation, ...]:
    """Choose up to ``k`` distinct, diverse recipes from ``result.pareto``.

    Returns:
        Up to ``k`` recommendations (fewer if the front is smaller), ranked.
    """
    pareto = result.pareto
    n = len(pareto)
    if n == 0 or k <= 0:
        return ()
    F = result.objective_matrix() * result.signs
    normalised = unit_scaled(F)
    balanced = _asf(normalised)
    reasons: dict[int, list[str]] = {}
    for row, reason in _candidates(result, normalised, balanced):
        reasons.setdefault(row, []).append(reason)
    points = standardised_inputs(result)
    chosen = _diverse(list(reasons), points, k)
    for row in _diverse_fill(chosen, points, k):
        chosen.append(row)
        reasons.setdefault(row, ["diverse alternative"])
    picks = [_recommendation(result, row, tuple(reasons[row])) for row in chosen]
    picks.sort(key=lambda r: (-(len(r.better_than_baseline or ())), balanced[r.row]))
    return tuple(replace(r, rank=i + 1) for i, r in enumerate(picks))


def _asf(normalised: np.ndarray) -> np.ndarray:
    from pymoo.decomposition.asf import ASF

    weights = np.full(normalised.shape[1], 1.0 / normalised.shape[1])
    return np.asarray(ASF().do(normalised, weights, utopian_point=np.full(len(weights), -1e-6)),
                      dtype=float).reshape(-1)


def _candidates(result: OptimisationResult, normalised: np.ndarray,
                balanced: np.ndarray) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    n, m = normalised.shape
    if m >= 2 and n >= 3:
        knees = _knees(normalised)
        if knees is not None and len(knees):
            out.append((int(knees[np.argmin(balanced[knees])]), "knee"))
    out.append((int(np.argmin(balanced)), "balanced"))
    for j, label in enumerate(result.objective_labels):
        out.append((int(np.argmin(normalised[:, j])), _best_phrase(label)))
    return out


def _knees(normalised: np.ndarray) -> np.ndarray | None:
    # HighTradeoffPoints switches warnings off globally and its module imports a deprecated
    # scipy path; keep both inside this block.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pymoo.mcdm.high_tradeoff import HighTradeoffPoints

        try:
            found = HighTradeoffPoints().do(normalised)
        except (ValueError, IndexError, ZeroDivisionError):
            return None
    return None if found is None else np.atleast_1d(np.asarray(found, dtype=int))


def _best_phrase(label: str) -> str:
    if label == "cost":
        return "cheapest"
    if label == "co2":
        return "lowest CO₂"
    if label.endswith("_width"):
        return f"most certain {label[: -len('_width')]}"
    return f"best {label}"


def standardised_inputs(result: OptimisationResult) -> np.ndarray:
    """The Pareto recipes' decision variables as points for distances: numbers standardised,
    categoricals one-hot (scaled so two different choices are 1 apart)."""
    import pandas as pd

    columns = []
    for name in result.variable_names:
        series = result.pareto[name]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            columns.append(pd.get_dummies(series.astype(str)).to_numpy(float) / np.sqrt(2))
            continue
        values = series.to_numpy(dtype=float)
        spread = values.std()
        columns.append(((values - values.mean()) / (spread if spread > 0 else 1.0))[:, None])
    return np.hstack(columns) if columns else np.zeros((len(result.pareto), 0))


def _diverse(candidates: list[int], points: np.ndarray, k: int) -> list[int]:
    """Greedy max–min selection among candidates, starting with the first; distinct points."""
    chosen = [candidates[0]]
    pool = [c for c in candidates[1:] if c != candidates[0]]
    while pool and len(chosen) < k:
        distance = np.array([_min_distance(points[c], points[chosen]) for c in pool])
        best = int(np.argmax(distance))
        if distance[best] <= 1e-9:
            break
        chosen.append(pool.pop(best))
    return chosen


def _diverse_fill(chosen: list[int], points: np.ndarray, k: int) -> list[int]:
    extra: list[int] = []
    while len(chosen) + len(extra) < k:
        taken = chosen + extra
        distance = np.array([_min_distance(p, points[taken]) for p in points])
        distance[taken] = -1.0
        best = int(np.argmax(distance))
        if distance[best] <= 1e-9:
            break
        extra.append(best)
    return extra


def _min_distance(point: np.ndarray, others: np.ndarray) -> float:
    return float(np.min(np.linalg.norm(others - point, axis=1)))


def recommendation_for_row(result: OptimisationResult, row: int, reasons: tuple[str, ...],
                           rank: int = 0) -> Recommendation:
    """The :class:`Recommendation` of Pareto row ``row`` (deltas against the baseline)."""
    return replace(_recommendation(result, row, reasons), rank=rank)


def _recommendation(result: OptimisationResult, row: int,
                    reasons: tuple[str, ...]) -> Recommendation:
    record = result.pareto.iloc[row]
    objectives = {label: float(record[label]) for label in result.objective_labels}
    deltas = better = dominates = None
    if result.baseline is not None and len(result.baseline):
        base = result.baseline.iloc[0]
        deltas = {label: objectives[label] - float(base[label])
                  for label in result.objective_labels}
        signed = {label: deltas[label] * s for label, s in zip(result.objective_labels,
                                                                 result.signs, strict=True)}
        better = tuple(label for label, d in signed.items() if d < 0)
        dominates = all(d <= 0 for d in signed.values()) and bool(better)
    return Recommendation(
        rank=0,
        reasons=reasons,
        row=row,
        recipe={name: record[name] for name in result.variable_names},
        objectives=objectives,
        deltas=deltas,
        better_than_baseline=better,
        dominates_baseline=dominates,
        domain_label=str(record.get("domain_label", "")),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value
