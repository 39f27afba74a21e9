"""Next experiments: a small batch of trial recipes that would teach the models most.

Score (an optimistic hypervolume improvement, "upper-confidence" style): for each recipe on the
Pareto set, its *expected* objective vector uses the point predictions and its *optimistic* one
moves every predicted objective by ``kappa`` interval half-widths in its favourable direction
(cost and CO₂ are exact). The score is the hypervolume the optimistic point would add to the
front of expected points: zero for a recipe whose interval is narrow (we already know it), large
for one that is near the front *and* uncertain (a measurement there may move the front). The
batch is picked greedily: after each pick its optimistic point joins the front ("constant
liar"), so the next pick must promise something else, and candidates close to a picked recipe in
the standardised input space are damped (diversity). Beyond the applicability domain's edge
(score > 2, possible in explore mode) the score is damped by ``exp(−(domain_score − 2))``:
exploring is allowed, wild extrapolation is not favoured.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.optimisation.decision import (
    Recommendation,
    recommend,
    recommendation_for_row,
    standardised_inputs,
)
from engine.optimisation.predictor import EDGE_MAX
from engine.optimisation.result import HV_REFERENCE, OptimisationResult, unit_scaled

DEFAULT_KAPPA = 1.0  # half-widths: the optimistic point is the interval's favourable end


def exploration_batch(result: OptimisationResult, k: int = 3, kappa: float = DEFAULT_KAPPA,
                      diversity: float = 0.5) -> tuple[tuple[Recommendation, ...],
                                                       dict[int, float]]:
    """Pick up to ``k`` trial recipes from ``result.pareto``.

    Args:
        result: an optimisation result (any domain mode).
        k: batch size.
        kappa: interval half-widths of optimism.
        diversity: length scale (in standard deviations of the inputs) of the damping around
            recipes already picked; 0 turns it off.

    Returns:
        The picks, ranked, and the first-round score of every Pareto row (row → score).
    """
    n = len(result.pareto)
    if n == 0 or k <= 0:
        return (), {}
    expected, optimistic = objective_bounds(result, kappa)
    both = unit_scaled(np.vstack([expected, optimistic]))
    expected_n, optimistic_n = both[:n], both[n:]
    damping = _domain_damping(result)
    points = standardised_inputs(result)
    front = expected_n.copy()
    picked: list[int] = []
    first: dict[int, float] = {}
    scores_out: dict[int, float] = {}
    while len(picked) < min(k, n):
        before = _hypervolume(front)
        scores = np.array([_improvement(front, optimistic_n[i], before)
                           for i in range(n)]) * damping
        if not first:
            first = {i: float(s) for i, s in enumerate(scores)}
        if picked and diversity > 0:
            distance = np.min(np.linalg.norm(points[:, None, :] - points[picked][None], axis=2),
                              axis=1)
            scores = scores * (1.0 - np.exp(-(distance / diversity) ** 2))
        scores[picked] = -np.inf
        if not np.isfinite(scores).any() or np.nanmax(scores) <= 0:
            # nothing promises more: fall back to the widest intervals among the rest
            width = np.abs(optimistic_n - expected_n).sum(axis=1) * damping
            width[picked] = -np.inf
            scores = width
        best = int(np.argmax(scores))
        if not np.isfinite(scores[best]):
            break
        picked.append(best)
        scores_out[best] = float(scores[best])
        front = np.vstack([front, optimistic_n[best]])
    picks = []
    for rank, row in enumerate(picked, start=1):
        reasons = ("explore: uncertain near the front",)
        picks.append(replace(recommendation_for_row(result, row, reasons), rank=rank))
    return tuple(picks), first


def objective_bounds(result: OptimisationResult,
                     kappa: float = DEFAULT_KAPPA) -> tuple[np.ndarray, np.ndarray]:
    """Expected and optimistic objectives (minimisation form) of every Pareto row.

    Objectives on a model output (``<target>_mean/_lower/_upper`` statistics) use the point
    prediction as expected value and move ``kappa`` half-widths in their favourable direction;
    interval-width objectives shrink by ``kappa`` times the width; cost and CO₂ are exact.
    """
    pareto = result.pareto
    signs = result.signs
    expected = result.objective_matrix() * signs
    optimistic = expected.copy()
    for j, label in enumerate(result.objective_labels):
        target = _target_of(label, result.targets)
        if target is None:
            continue
        mean = pareto[f"{target}_mean"].to_numpy(float)
        half = (pareto[f"{target}_upper"] - pareto[f"{target}_lower"]).to_numpy(float) / 2
        if label.endswith("_width"):
            optimistic[:, j] = expected[:, j] - kappa * 2 * half
            continue
        expected[:, j] = mean * signs[j]
        optimistic[:, j] = expected[:, j] - kappa * half
    return expected, optimistic


def _target_of(label: str, targets: tuple[str, ...]) -> str | None:
    for target in sorted(targets, key=len, reverse=True):
        if label.startswith(f"{target}_"):
            return target
    return None


def _hypervolume(front: np.ndarray) -> float:
    """Hypervolume of ``front`` (normalised space, reference point 1.1)."""
    from pymoo.indicators.hv import HV

    reference = np.full(front.shape[1], HV_REFERENCE)
    inside = front[np.all(front < reference, axis=1)]
    return float(HV(ref_point=reference)(inside)) if len(inside) else 0.0


def _improvement(front: np.ndarray, point: np.ndarray, before: float) -> float:
    """Hypervolume the point adds to ``front`` whose own hypervolume is ``before``."""
    if np.any(point >= HV_REFERENCE):
        return 0.0
    if np.any(np.all(front <= point, axis=1)):
        return 0.0  # dominated or equal: adds nothing
    return max(_hypervolume(np.vstack([front, point])) - before, 0.0)


def _domain_damping(result: OptimisationResult) -> np.ndarray:
    if "domain_score" not in result.pareto:
        return np.ones(len(result.pareto))
    score = result.pareto["domain_score"].to_numpy(float)
    return np.exp(-np.maximum(np.nan_to_num(score, nan=EDGE_MAX) - EDGE_MAX, 0.0))


def optimistic_batch(optimistic: np.ndarray, points: np.ndarray, k: int,
                     diversity: float = 0.5) -> list[int]:
    """Greedy batch of ``k`` candidates with the highest optimistic value, kept apart.

    The single-objective form of :func:`exploration_batch`, for a discrete candidate set (e.g.
    the plant's untried recipes): ``optimistic`` is each candidate's upper-confidence value
    (higher is better), ``points`` its standardised inputs; after each pick, candidates within
    ``diversity`` standard deviations of it are damped by ``1 − exp(−(d/diversity)²)``.
    """
    scores = np.asarray(optimistic, dtype=float).copy()
    shift = np.nanmin(scores) if len(scores) else 0.0
    scores = np.nan_to_num(scores - shift + 1e-12, nan=0.0)  # positive, so damping works
    factor = np.ones(len(scores))
    picked: list[int] = []
    while len(picked) < min(k, len(scores)):
        current = scores * factor
        current[picked] = -np.inf
        best = int(np.argmax(current))
        picked.append(best)
        if diversity > 0:
            distance = np.linalg.norm(points - points[best], axis=1)
            factor = factor * (1.0 - np.exp(-(distance / diversity) ** 2))
    return picked


def picks_of_run(result: OptimisationResult, k: int, explore: bool,
                 ) -> tuple[tuple[Recommendation, ...], str, dict[int, float] | None]:
    """What a run proposes: ``k`` recommendations, or for an explore run the trial batch.

    Returns:
        The picks, their kind ("recommendation" or "exploration") and, for a trial batch,
        every Pareto row's exploration score.
    """
    if explore:
        picks, scores = exploration_batch(result, k)
        return picks, "exploration", scores
    return recommend(result, k), "recommendation", None
