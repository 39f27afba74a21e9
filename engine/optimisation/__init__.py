"""Optimisation of recipes and process settings: study spec → NSGA-II → recommendations.

Roles follow pymoo: the problem only evaluates (``problem.py``), mixtures/ratios/counts are a
repair (``repair.py``, ``projection.py``), stopping is a termination and progress/cancel a
callback (``callback.py``), recommendations come from pymoo's decision making
(``decision.py``). Models are reached only through :class:`PropertyPredictor`.

pymoo is imported lazily: ``optimise``, ``recommend`` and the result types load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from engine.optimisation.predictor import (
    DeriveFn,
    Predictions,
    PredictorError,
    PropertyPredictor,
    domain_labels,
)
from engine.optimisation.study import StudySpec, StudySpecError

_LAZY = {
    "optimise": "engine.optimisation.run",
    "OptimisationResult": "engine.optimisation.result",
    "MaterialTable": "engine.optimisation.materials",
    "LightGBMPredictorAdapter": "engine.optimisation.lightgbm_adapter",
    "recommend": "engine.optimisation.decision",
    "Recommendation": "engine.optimisation.decision",
}

__all__ = [
    "DeriveFn",
    "LightGBMPredictorAdapter",
    "MaterialTable",
    "OptimisationResult",
    "Predictions",
    "PredictorError",
    "PropertyPredictor",
    "Recommendation",
    "StudySpec",
    "StudySpecError",
    "domain_labels",
    "optimise",
    "recommend",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
