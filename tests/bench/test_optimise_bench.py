"""``formix bench optimise`` on the demo project's strength model, at a reduced size, plus the
100 × 200 speed figure (the demo project is built and trained once in a cache folder)."""

from __future__ import annotations

import argparse
import json

import pytest

from engine.optimisation import bench


@pytest.mark.bench
def test_optimise_bench_runs_and_nsga2_beats_random_search(capsys) -> None:  # type: ignore[no-untyped-def]
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--population", "40", "--generations", "30",
                              "--reference-factor", "5", "--json"])
    assert bench.run(args) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {row["method"]: row for row in report["methods"]}
    assert set(rows) == {"formix_nsga2", "random_search", "optuna_nsga2", "reference"}
    assert rows["formix_nsga2"]["evaluations"] == rows["random_search"]["evaluations"] == 1200
    assert rows["optuna_nsga2"]["evaluations"] == 1200
    assert rows["formix_nsga2"]["hypervolume"] > rows["random_search"]["hypervolume"]
    assert report["max_constraint_violation"] <= 1e-9
    assert len(report["recommendations"]) == 3


@pytest.mark.bench
def test_default_study_size_runs_within_the_target() -> None:
    report = bench.speed(population=100, generations=200)
    assert report["evaluations"] == 20_000
    assert report["wall_s"] < 15.0, report


@pytest.mark.bench
def test_analytic_stand_in_still_works() -> None:
    setup = bench.bench_setup(analytic=True)
    report = bench.benchmark(setup, population=30, generations=10, reference_factor=2,
                             optuna=False)
    assert {row["method"] for row in report["methods"]} >= {"formix_nsga2", "random_search"}
