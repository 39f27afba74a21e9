"""A trained demo project and one small run, built once per test session and shared.

The fixtures are imported by the test modules that need them; the work is memoised here so
modules importing them share one trained project and one run.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest

_CACHE: dict[str, Any] = {}

SMALL_MODEL = {"num_boost_round": 150, "calibration_folds": 5}


def optimise_cli(*argv: str) -> int:
    """Run one of the optimisation commands (optimize, recommend, trials) as ``formix`` does."""
    import argparse

    from engine.cli import optimise_commands

    parser = argparse.ArgumentParser(prog="formix")
    optimise_commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.handler(args))


def train_small(location: Path) -> int:
    """Train the project's strength model with small settings (seconds); returns its version."""
    from engine import services
    from engine.model_services import model_inputs, save_model_set
    from engine.models.service import train_models

    table, _report = services.modelling_table(location)
    targets = list(table.target_columns)
    frame = table.frame.dropna(subset=targets, how="all").reset_index(drop=True)
    subset = dataclasses.replace(table, frame=frame)
    model_set = train_models(subset, targets, model_inputs(table), cv_folds=0, seed=0,
                             model_options=SMALL_MODEL)
    return save_model_set(location, model_set, "properties")


@pytest.fixture(scope="session")
def trained_demo(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo project with a small trained strength model (read-only: copy it)."""
    if "trained" not in _CACHE:
        path = tmp_path_factory.mktemp("trained") / "demo.formix"
        shutil.copy(demo_project, path)
        train_small(path)
        _CACHE["trained"] = path
    return _CACHE["trained"]


@pytest.fixture(scope="session")
def run_project(trained_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained demo that holds the shared run and its recommendations."""
    if "run_project" not in _CACHE:
        path = tmp_path_factory.mktemp("runs") / "demo.formix"
        shutil.copy(trained_demo, path)
        _CACHE["run_project"] = path
    return _CACHE["run_project"]


@pytest.fixture(scope="session")
def demo_run(run_project: Path) -> Any:
    """The demo study at population 40 × 25 generations, stored in ``run_project``."""
    if "run" not in _CACHE:
        from engine import optimisation_services

        _CACHE["run"] = optimisation_services.optimise(run_project, seed=1, population=40,
                                                       generations=25)
    return _CACHE["run"]


@pytest.fixture(scope="session")
def demo_recommendations(run_project: Path, demo_run: Any) -> Any:
    """Three explained, stored recommendations of ``demo_run``."""
    if "recommendations" not in _CACHE:
        from engine import optimisation_services

        _CACHE["recommendations"] = optimisation_services.recommend(run_project, demo_run, 3)
    return _CACHE["recommendations"]
