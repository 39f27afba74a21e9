"""Example study files shipped as package data: ``concrete_study.toml``, ``alloy_study.toml``
and ``raw_meal_study.toml`` (cost and CO₂ only, so it runs without a project)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EXAMPLES = ("concrete_study.toml", "alloy_study.toml", "raw_meal_study.toml")


def example_path(name: str) -> Path:
    """Path of an example study file, e.g. ``example_path("concrete_study.toml")``."""
    if name not in EXAMPLES:
        raise KeyError(f"no example {name!r}; choose from {EXAMPLES}")
    return Path(str(resources.files(__name__) / name))
