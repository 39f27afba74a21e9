"""The run's archive: every feasible non-dominated recipe evaluated is kept and returned."""

from __future__ import annotations

import numpy as np

from engine.optimisation import optimise
from engine.optimisation.archive import FrontArchive
from engine.optimisation.examples import example_path
from engine.optimisation.study import StudySpec
from tests.engine.optimisation.fakes import AbramsFakePredictor, concrete_derive


def _dominated(points: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Rows of ``points`` that some row of ``by`` dominates (minimisation)."""
    at_most = (by[None, :, :] <= points[:, None, :]).all(axis=2)
    better = (by[None, :, :] < points[:, None, :]).any(axis=2)
    return (at_most & better).any(axis=1)


def test_the_archive_holds_exactly_the_non_dominated_feasible_rows_of_all_batches() -> None:
    rng = np.random.default_rng(3)
    archive = FrontArchive()
    X_all, F_all, ok_all = [], [], []
    for _ in range(30):
        X, F = rng.random((40, 4)), rng.random((40, 3))
        feasible = rng.random(40) < 0.7
        archive.add(X, F, feasible)
        X_all.append(X), F_all.append(F), ok_all.append(feasible)
    X, F = np.vstack(X_all)[np.concatenate(ok_all)], np.vstack(F_all)[np.concatenate(ok_all)]
    expected = ~_dominated(F, F)
    assert len(archive) == int(expected.sum()) > 0
    kept = {tuple(row) for row in archive.X}
    assert kept == {tuple(row) for row in X[expected]}
    assert not _dominated(archive.F, F).any()


def test_the_returned_set_is_not_beaten_by_any_population_front_of_the_run() -> None:
    spec = StudySpec.from_toml(example_path("concrete_study.toml"))
    data = spec.model_dump()
    data["algorithm"].update(population=40, generations=30)
    for variable in data["variables"]:  # keep near-identical recipes: only the archive counts
        if variable["type"] == "continuous":
            variable["resolution"] = 1e-12
    spec = StudySpec.from_dict(data, source=example_path("concrete_study.toml"))
    result = optimise(spec, AbramsFakePredictor(), derive=concrete_derive, seed=1)
    returned = result.objective_matrix() * result.signs
    every_front = np.vstack(result.history) * result.signs
    assert not _dominated(returned, every_front).any()
    # Every recipe that was on a population's front at some generation is matched or beaten by
    # a returned one (the last population's front alone would lose those survival dropped).
    covered = (returned[None, :, :] <= every_front[:, None, :] + 1e-9).all(axis=2).any(axis=1)
    assert covered.all()
