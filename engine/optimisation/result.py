"""The frozen result of an optimisation run, and the hypervolume convention used for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

HV_REFERENCE = 1.1
"""Reference point coordinate for normalised hypervolume: objectives (in minimisation form) are
scaled so the front's ideal point is 0 and its nadir point 1; the reference point is 1.1 in every
objective (nadir plus 10 % of the range, the usual convention). Comparing runs needs one common
``ideal``/``nadir`` for all of them: pass it to :func:`normalised_hypervolume`."""


def unit_scaled(F: np.ndarray) -> np.ndarray:
    """Each column of ``F`` scaled to [0, 1] by its own minimum and maximum (a constant column
    becomes 0): objectives in different units made comparable."""
    F = np.asarray(F, dtype=float)
    low, high = F.min(axis=0), F.max(axis=0)
    return (F - low) / np.where(high > low, high - low, 1.0)


def normalised_hypervolume(F: np.ndarray, ideal: np.ndarray, nadir: np.ndarray,
                           reference: float = HV_REFERENCE) -> float:
    """Hypervolume of minimisation-form objectives ``F`` after scaling ideal→0, nadir→1.

    Points beyond the reference point in any objective contribute nothing.
    """
    from pymoo.indicators.hv import HV

    F = np.atleast_2d(np.asarray(F, dtype=float))
    if F.size == 0:
        return 0.0
    span = np.asarray(nadir, dtype=float) - np.asarray(ideal, dtype=float)
    span = np.where(span > 0, span, 1.0)
    scaled = (F - ideal) / span
    scaled = scaled[np.all(scaled < reference, axis=1)]
    if len(scaled) == 0:
        return 0.0
    return float(HV(ref_point=np.full(F.shape[1], reference))(scaled))


@dataclass(frozen=True)
class OptimisationResult:
    """What :func:`engine.optimisation.optimise` returns. Frozen; the frames are not copied, do
    not modify them in place.

    Attributes:
        study_name: the study's ``name``.
        pareto: one row per returned recipe, best first by the first objective: every
            variable (categoricals as text; fixed values and balances included), derived model
            inputs, one column per objective label (natural units), ``<target>_mean/_lower/
            _upper`` for every predicted target, ``domain_score``, ``domain_label``, ``cost``
            and ``co2`` (when the materials table has them) and ``max_violation``. Every row
            satisfies every constraint (``max_violation ≤ 1e-9``).
        objective_labels, senses: the objectives and "maximize"/"minimize" for each.
        variable_names: the study variables (the first columns of ``pareto``).
        input_columns: the columns of ``pareto`` that describe the recipe (variables + derived).
        targets: the model outputs the study uses.
        coverage: the predictor's interval coverage.
        baseline: the baseline recipe evaluated the same way (one row), or None.
        baseline_feasible: whether the baseline satisfies every constraint of the study.
        n_evaluations: recipes sent to the predictor during the run.
        n_generations: generations completed.
        wall_s: wall-clock time of the whole call.
        hypervolume: normalised hypervolume of the front (see :data:`HV_REFERENCE`), with
            ``hv_ideal``/``hv_nadir`` the scaling used (minimisation form).
        max_constraint_violation: the largest relative violation over ``pareto`` (≤ 1e-9);
            when ``pareto`` is empty (no recipe is feasible), that of the closest recipe
            found (> 0), never 0.0.
        history: per generation, the feasible non-dominated objective values (natural units).
        cancelled: stopped early by the cancel token (``pareto`` is the best-so-far set).
        seed: the seed used (drawn at random when the study gave none), to repeat the run.
        message: a short human summary, including why nothing was found if ``pareto`` is empty.
        currency: for cost columns.
    """

    study_name: str
    pareto: pd.DataFrame
    objective_labels: tuple[str, ...]
    senses: tuple[str, ...]
    variable_names: tuple[str, ...]
    input_columns: tuple[str, ...]
    targets: tuple[str, ...]
    coverage: float
    baseline: pd.DataFrame | None
    baseline_feasible: bool | None
    n_evaluations: int
    n_generations: int
    wall_s: float
    hypervolume: float
    hv_ideal: tuple[float, ...]
    hv_nadir: tuple[float, ...]
    max_constraint_violation: float
    history: tuple[np.ndarray, ...]
    cancelled: bool
    seed: int
    message: str
    currency: str = "EUR"

    @property
    def signs(self) -> np.ndarray:
        """+1 for minimised, −1 for maximised objectives."""
        return np.array([-1.0 if s == "maximize" else 1.0 for s in self.senses])

    def objective_matrix(self) -> np.ndarray:
        """Objectives of the Pareto set in natural units, shape (n, n_obj)."""
        return self.pareto[list(self.objective_labels)].to_numpy(dtype=float)

    def summary(self) -> dict[str, Any]:
        """JSON-ready run figures (no recipes)."""
        return {
            "study": self.study_name,
            "n_recipes": len(self.pareto),
            "n_evaluations": self.n_evaluations,
            "n_generations": self.n_generations,
            "wall_s": round(self.wall_s, 3),
            "hypervolume": self.hypervolume,
            "max_constraint_violation": self.max_constraint_violation,
            "cancelled": self.cancelled,
            "seed": self.seed,
            "objectives": [
                {"label": label, "sense": sense}
                for label, sense in zip(self.objective_labels, self.senses, strict=True)
            ],
            "targets": list(self.targets),
            "coverage": self.coverage if self.targets else None,
            "currency": self.currency,
            "message": self.message,
        }
