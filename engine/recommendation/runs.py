"""Optimisation runs and recommendations as project-store rows (JSON text, no pickles)."""

from __future__ import annotations

import json
import math
from io import StringIO
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from engine.optimisation.result import OptimisationResult
    from engine.optimisation.study import StudySpec
    from engine.recommendation.explain import ExplainedRecommendation


def run_row(result: OptimisationResult, spec: StudySpec, model_name: str, model_version: int,
            mode: str) -> dict[str, Any]:
    """The ``optimisation_runs`` row of a result."""
    return {
        "study_name": spec.name,
        "study_toml": spec.to_toml(),
        "model_name": model_name,
        "model_version": int(model_version),
        "mode": mode,
        "seed": int(result.seed),
        "summary_json": _dumps(stored_summary(result)),
        "pareto_json": result.pareto.to_json(orient="split", double_precision=15),
        "baseline_json": None if result.baseline is None
        else result.baseline.to_json(orient="split", double_precision=15),
    }


def result_from_row(row: dict[str, Any]) -> tuple[OptimisationResult, StudySpec]:
    """Rebuild a result (without per-generation history) and its study from a stored run."""
    import tomllib

    import pandas as pd

    from engine.optimisation.study import StudySpec

    spec = StudySpec.from_dict(tomllib.loads(row["study_toml"]))
    pareto = pd.read_json(StringIO(row["pareto_json"]), orient="split")
    baseline = None
    if row.get("baseline_json"):
        baseline = pd.read_json(StringIO(row["baseline_json"]), orient="split")
    return result_from_summary(json.loads(row["summary_json"]), pareto, baseline, spec), spec


def stored_summary(result: OptimisationResult) -> dict[str, Any]:
    """``result.summary()`` plus what :func:`result_from_summary` needs to rebuild it."""
    return {
        **result.summary(),
        "variable_names": list(result.variable_names),
        "input_columns": list(result.input_columns),
        "baseline_feasible": result.baseline_feasible,
        "hv_ideal": list(result.hv_ideal),
        "hv_nadir": list(result.hv_nadir),
    }


def result_from_summary(summary: dict[str, Any], pareto: pd.DataFrame,
                        baseline: pd.DataFrame | None, spec: StudySpec) -> OptimisationResult:
    """Rebuild a result (without per-generation history) from :func:`stored_summary`'s figures,
    its Pareto set and baseline row; summaries saved before a figure was added get defaults."""
    from engine.optimisation.result import OptimisationResult

    labels = tuple(o["label"] for o in summary["objectives"])
    coverage = summary.get("coverage")
    return OptimisationResult(
        study_name=summary["study"], pareto=pareto, objective_labels=labels,
        senses=tuple(o["sense"] for o in summary["objectives"]),
        variable_names=tuple(summary.get("variable_names", (v.name for v in spec.variables))),
        input_columns=tuple(summary.get("input_columns", ())),
        targets=tuple(summary.get("targets", ())),
        coverage=math.nan if coverage is None else float(coverage), baseline=baseline,
        baseline_feasible=summary.get("baseline_feasible"),
        n_evaluations=int(summary["n_evaluations"]),
        n_generations=int(summary["n_generations"]), wall_s=float(summary["wall_s"]),
        hypervolume=float(summary["hypervolume"]),
        hv_ideal=tuple(summary.get("hv_ideal", ())), hv_nadir=tuple(summary.get("hv_nadir", ())),
        max_constraint_violation=float(summary["max_constraint_violation"]),
        history=(np.empty((0, len(labels))),), cancelled=bool(summary["cancelled"]),
        seed=int(summary["seed"]), message=summary["message"],
        currency=summary.get("currency", spec.currency),
    )


def recommendation_row(rec: ExplainedRecommendation, age_column: str | None) -> dict[str, Any]:
    """The ``recommendations`` row of an explained recommendation."""
    predicted = {
        "targets": {p.target: {"mean": p.mean, "lower": p.lower, "upper": p.upper,
                               "unit": p.unit, "coverage": p.coverage}
                    for p in rec.properties},
        "domain_label": rec.domain_label,
        "domain_score": rec.domain_score,
        "age_column": age_column,
        "age": rec.recipe.get(age_column) if age_column else None,
        "cost": rec.cost,
        "co2": rec.co2,
    }
    return {
        "rank": rec.rank,
        "kind": rec.kind,
        "recipe_json": _dumps(rec.recipe),
        "predicted_json": _dumps(predicted),
        "explanation_json": _dumps(rec.to_dict()),
    }


def _dumps(data: Any) -> str:
    return json.dumps(_finite(data), default=_default)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
