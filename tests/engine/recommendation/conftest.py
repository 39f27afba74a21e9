"""Fixtures of the recommendation tests: a trained demo project and one small stored run."""

from tests.engine.recommendation.helpers import (
    demo_recommendations,
    demo_run,
    run_project,
    trained_demo,
)

__all__ = ["demo_recommendations", "demo_run", "run_project", "trained_demo"]
