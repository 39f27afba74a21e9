"""Recommendations a plant engineer can act on: explanations, reports, next experiments, trials.

``explain`` turns picks from a Pareto set into :class:`ExplainedRecommendation` (recipe diff,
predictions with intervals and domain, cost/CO₂ deltas, SHAP drivers, binding constraints);
``report`` exports them (CSV, JSON, self-contained HTML); ``explore`` picks a batch of trial
recipes that would reduce uncertainty where it matters; ``trials`` compares what the plant
measured with what was predicted; ``simulation`` is the closed-loop benchmark on UCI concrete.
"""

from engine.recommendation.explain import (
    Attribution,
    BindingConstraint,
    Driver,
    ExplainedRecommendation,
    PropertyPrediction,
    RecipeChange,
    explain_recommendations,
)

__all__ = [
    "Attribution",
    "BindingConstraint",
    "Driver",
    "ExplainedRecommendation",
    "PropertyPrediction",
    "RecipeChange",
    "explain_recommendations",
]
