"""Next experiments: an uncertainty-seeking, diverse batch; and the closed-loop simulation."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from engine import optimisation_services
from engine.recommendation.explore import objective_bounds, optimistic_batch
from engine.recommendation.simulation import closed_loop, uci_plant
from tests.engine.optimisation.fakes import independent_violations


def test_explore_mode_proposes_a_diverse_batch_of_uncertain_recipes(
        tmp_path: Path, trained_demo: Path) -> None:
    project = tmp_path / "demo.formix"
    shutil.copy(trained_demo, project)
    run = optimisation_services.optimise(project, seed=3, population=40, generations=20,
                                         explore=True)
    assert run.explore and run.spec.domain.effective_mode == "explore"
    trials = optimisation_services.recommend(project, run, 4)
    assert [t.kind for t in trials] == ["exploration"] * 4
    assert len({tuple(sorted(t.recipe.items())) for t in trials}) == 4
    assert all(t.id is not None and t.score is not None and t.score >= 0 for t in trials)
    assert independent_violations(run.spec, run.result.pareto) == []
    # the first pick has the largest optimistic gain (later picks are also kept apart)
    assert trials[0].score == max(t.score for t in trials)
    assert trials[0].score > 0
    expected, optimistic = objective_bounds(run.result)
    assert (optimistic <= expected + 1e-12).all()  # optimism never makes a recipe look worse
    assert (optimistic < expected).any()


def test_optimistic_batch_prefers_high_values_and_spreads_out() -> None:
    points = np.array([[0.0, 0.0], [0.01, 0.0], [3.0, 3.0], [6.0, 0.0]])
    optimistic = np.array([10.0, 9.9, 5.0, 1.0])
    assert optimistic_batch(optimistic, points, 2) == [0, 2]  # not the near-duplicate 1
    assert optimistic_batch(optimistic, points, 2, diversity=0) == [0, 1]


def test_closed_loop_simulation_finds_a_near_best_mix_faster_than_random() -> None:
    plant = uci_plant()
    assert len(plant.strength) == 417
    report = closed_loop(seeds=2, batch=5, plant=plant)
    assert report["good_mixes"] >= 1
    for row in report["runs"]:
        assert row["explore"] > 0 and row["random"] > 0
    assert report["median_explore"] <= report["median_random"]
