"""Recipes → model predictions → objective and constraint values, for a whole population.

One :meth:`StudyEvaluator.evaluate` call makes one ``predictor.predict`` call (one per extra
coverage a study asks for) whatever the population size: no Python loop over individuals.

Sign conventions: ``objectives`` are in natural units (MPa, €/m³); ``F = sign · objectives``
with ``sign = −1`` for maximised ones, so pymoo always minimises. ``G ≤ 0`` means satisfied:
column 0 is the structural violation (0 when within :data:`FEASIBILITY_TOL`), then one column
per output bound ((min − v)/scale or (v − max)/scale with scale = max(|bound|, 1)), then one per
``[[relation]]`` on the predicted means ((lower − r·upper)/max(|lower|, |r·upper|, 1)), then the
applicability-domain column ((score − limit)/limit) unless the domain mode is ``explore``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.optimisation.constraints import FEASIBILITY_TOL, LinearSystem
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.materials import MaterialTable
from engine.optimisation.predictor import (
    EDGE_MAX,
    INSIDE_MAX,
    DeriveFn,
    Predictions,
    PredictorError,
    PropertyPredictor,
    check_predictions,
    supports_coverage,
)
from engine.optimisation.study import (
    Objective,
    OutputConstraint,
    Relation,
    StudySpec,
    StudySpecError,
    objective_label,
    relation_label,
)

if TYPE_CHECKING:
    import pandas as pd

_BAD = 1e12  # stands in for non-finite objective values (those rows are made infeasible)


@dataclass(frozen=True)
class Term:
    """A resolved objective, output constraint or relation (``kind = "relation"``: ``target``
    at most ``ratio`` × ``other``, as a constraint ≤ ``maximum`` = 0)."""

    label: str
    kind: str
    target: str | None
    statistic: str
    coverage: float | None  # None: the predictor's own coverage
    sign: float = 1.0
    minimum: float | None = None
    maximum: float | None = None
    other: str | None = None
    ratio: float = 1.0


@dataclass(frozen=True)
class Evaluation:
    """Everything known about evaluated rows. Arrays have one row per recipe."""

    X: np.ndarray
    Z: np.ndarray
    codes: np.ndarray
    frame: pd.DataFrame
    predictions: Predictions
    objectives: np.ndarray
    F: np.ndarray
    G: np.ndarray
    structural_violation: np.ndarray
    max_violation: np.ndarray
    feasible: np.ndarray
    cost: np.ndarray | None
    co2: np.ndarray | None


class StudyEvaluator:
    """Evaluates recipes of one study with one predictor. Not thread-safe (counts calls)."""

    def __init__(self, spec: StudySpec, space: DesignSpace, system: LinearSystem,
                 predictor: PropertyPredictor, materials: MaterialTable,
                 derive: DeriveFn | None = None) -> None:
        self.spec, self.space, self.system = spec, space, system
        self.predictor = predictor
        self.derive = derive
        self.n_evaluations = 0
        self.objective_terms = tuple(_term(o, predictor.coverage) for o in spec.objectives)
        self.constraint_terms = (*(_term(c, predictor.coverage) for c in spec.constraints),
                                 *(_relation_term(r) for r in spec.relation))
        self.domain_mode = spec.domain.effective_mode
        self.domain_limit = {"inside": INSIDE_MAX, "edge": EDGE_MAX}.get(self.domain_mode)
        terms = self.objective_terms + self.constraint_terms
        kinds = {t.kind for t in terms}
        self._cost = materials.require(space, "cost") if "cost" in kinds else materials.vector(
            space, "cost")
        self._co2 = materials.require(space, "co2") if "co2" in kinds else materials.vector(
            space, "co2")
        self.targets = tuple(dict.fromkeys(
            name for t in terms for name in (t.target, t.other) if name))
        _check_relations(spec, predictor)
        missing = [t for t in self.targets if t not in predictor.target_names]
        if missing:
            raise PredictorError(
                f"the models do not predict {', '.join(map(repr, missing))}; they predict "
                f"{', '.join(map(repr, predictor.target_names)) or 'nothing'}"
            )
        self.coverages = tuple(sorted({t.coverage for t in terms if t.coverage is not None}))
        if self.coverages and not supports_coverage(predictor):
            raise PredictorError("the study asks for intervals at another coverage "
                                 f"({', '.join(f'{c:g}' for c in self.coverages)}) than the "
                                 f"models' {predictor.coverage:g}, which they cannot provide")
        self._check_inputs()

    @property
    def n_constraints(self) -> int:
        """Number of G columns."""
        bounds = sum((t.minimum is not None) + (t.maximum is not None)
                     for t in self.constraint_terms)
        return 1 + bounds + (self.domain_limit is not None)

    def linear_factor(self, kind: str) -> np.ndarray | None:
        """The factor over the full numeric vector of ``cost`` or ``co2`` (None if unknown)."""
        return self._cost if kind == "cost" else self._co2 if kind == "co2" else None

    @property
    def objective_labels(self) -> tuple[str, ...]:
        """Labels of the objectives, in order."""
        return tuple(t.label for t in self.objective_terms)

    @property
    def signs(self) -> np.ndarray:
        """+1 for minimised, −1 for maximised objectives."""
        return np.array([t.sign for t in self.objective_terms])

    # ------------------------------------------------------------------------------ frames

    def input_frame(self, Z: np.ndarray, codes: np.ndarray) -> pd.DataFrame:
        """Recipes plus derived inputs (what ``derive`` adds)."""
        frame = self.space.to_frame(Z, codes)
        if self.derive is None:
            return frame
        derived = self.derive(frame.copy())
        if len(derived) != len(frame):
            raise PredictorError(f"derive returned {len(derived)} rows for {len(frame)}")
        return derived.reset_index(drop=True)

    def _check_inputs(self) -> None:
        middle = (self.space.lower + self.space.upper) / 2
        codes = np.zeros((1, len(self.space.categorical_names)))
        frame = self.input_frame(middle[None, :], codes)
        missing = [name for name in self.predictor.input_names if name not in frame.columns]
        if missing:
            hint = ("; the study reads no model output, so it needs no models: run it without "
                    "a project (formix optimize STUDY.toml)") if not self.spec.uses_models else ""
            raise PredictorError(
                f"the models need input(s) {', '.join(map(repr, missing))}, which are neither "
                f"study variables nor added by the derived-feature step{hint}"
            )

    # ------------------------------------------------------------------------------ evaluate

    def evaluate(self, X: np.ndarray, count: bool = True) -> Evaluation:
        """Evaluate repaired decision vectors."""
        Z, codes = self.space.decode(X)
        return self.evaluate_full(Z, codes, X=X, count=count)

    def evaluate_full(self, Z: np.ndarray, codes: np.ndarray, X: np.ndarray | None = None,
                      count: bool = False) -> Evaluation:
        """Evaluate full numeric vectors (e.g. a baseline recipe that was not repaired)."""
        n_rows = len(Z)
        frame = self.input_frame(Z, codes)
        inputs = frame[list(self.predictor.input_names)]
        predictions: dict[float | None, Predictions] = {None: self._predict(inputs, None)}
        for coverage in self.coverages:
            predictions[coverage] = self._predict(inputs, coverage)
        if count:
            self.n_evaluations += n_rows
        cost = Z @ self._cost if self._cost is not None else None
        co2 = Z @ self._co2 if self._co2 is not None else None
        values = {"cost": cost, "co2": co2}
        objectives = np.column_stack(
            [self._value(t, predictions, values) for t in self.objective_terms]
        ).reshape(n_rows, -1)
        F = objectives * self.signs
        structural = self.system.max_violation(self.space, Z, codes)
        columns = [np.where(structural > FEASIBILITY_TOL, structural, 0.0)]
        for term in self.constraint_terms:
            value = self._value(term, predictions, values)
            if term.minimum is not None:
                columns.append((term.minimum - value) / max(abs(term.minimum), 1.0))
            if term.maximum is not None:
                columns.append((value - term.maximum) / max(abs(term.maximum), 1.0))
        main = predictions[None]
        if self.domain_limit is not None:
            score = np.asarray(main.domain_score, dtype=float)
            columns.append((score - self.domain_limit) / self.domain_limit)
        G = np.column_stack(columns)
        bad = ~(np.isfinite(F).all(axis=1) & np.isfinite(G).all(axis=1))
        if bad.any():
            F = np.nan_to_num(F, nan=_BAD, posinf=_BAD, neginf=-_BAD)
            G = np.nan_to_num(G, nan=1.0, posinf=1.0, neginf=0.0)
            G[bad, 0] = np.maximum(G[bad, 0], 1.0)
        max_violation = np.maximum(structural, np.max(np.maximum(G[:, 1:], 0.0), axis=1,
                                                      initial=0.0))
        max_violation[bad] = np.inf
        if X is None:
            X = self.space.encode(Z, codes)
        return Evaluation(
            X=np.asarray(X, dtype=float),
            Z=Z,
            codes=codes,
            frame=frame,
            predictions=main,
            objectives=objectives,
            F=F,
            G=G,
            structural_violation=structural,
            max_violation=max_violation,
            feasible=max_violation <= FEASIBILITY_TOL,
            cost=cost,
            co2=co2,
        )

    def _predict(self, inputs: pd.DataFrame, coverage: float | None) -> Predictions:
        if coverage is None:
            predictions = self.predictor.predict(inputs)
        else:
            predictions = self.predictor.predict(inputs, coverage=coverage)  # type: ignore[call-arg]
        check_predictions(predictions, len(inputs), self.targets)
        return predictions

    @staticmethod
    def _value(term: Term, predictions: dict[float | None, Predictions],
               values: dict[str, np.ndarray | None]) -> np.ndarray:
        if term.kind in ("cost", "co2"):
            value = values[term.kind]
            assert value is not None  # required in __init__
            return value
        assert term.target is not None
        chosen = predictions[term.coverage]
        if term.kind == "relation":
            return _relation_excess(chosen, term)
        if term.kind == "uncertainty":
            return np.asarray(chosen.upper[term.target] - chosen.lower[term.target], dtype=float)
        return np.asarray(chosen.statistic(term.target, term.statistic), dtype=float)


def _term(item: Objective | OutputConstraint, own_coverage: float) -> Term:
    statistic, coverage = item.statistic, item.coverage
    if item.quantile is not None:
        statistic = "lower" if item.quantile < 0.5 else "upper"
        coverage = 1.0 - 2.0 * min(item.quantile, 1.0 - item.quantile)
    if coverage is not None and abs(coverage - own_coverage) < 1e-9:
        coverage = None
    sign = 1.0
    if isinstance(item, Objective):
        sense = item.sense or "minimize"
        sign = -1.0 if sense == "maximize" else 1.0
        return Term(objective_label(item), item.kind, item.target, statistic, coverage, sign)
    return Term(objective_label(item), item.kind, item.target, statistic, coverage,
                minimum=item.min, maximum=item.max)



def _relation_term(relation: Relation) -> Term:
    return Term(relation_label(relation), "relation", relation.lower, "mean", None,
                maximum=0.0, other=relation.upper, ratio=relation.max_ratio)


def _relation_excess(predictions: Predictions, term: Term) -> np.ndarray:
    """How far the predicted mean of ``term.target`` exceeds ``ratio`` × that of
    ``term.other``, relative to their size (≤ 0: the order holds)."""
    lower = np.asarray(predictions.mean[str(term.target)], dtype=float)
    upper = term.ratio * np.asarray(predictions.mean[str(term.other)], dtype=float)
    return (lower - upper) / np.maximum(np.maximum(np.abs(lower), np.abs(upper)), 1.0)


def _check_relations(spec: StudySpec, predictor: PropertyPredictor) -> None:
    """Raise :class:`StudySpecError` (with key paths) if a relation names an output the models
    do not predict."""
    from engine.optimisation._spec_checks import relation_output_issues

    issues = relation_output_issues(spec, tuple(predictor.target_names))
    if issues:
        raise StudySpecError(issues)
