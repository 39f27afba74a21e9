"""Applicability domain: thresholds from training distances, labels, speed, JSON form."""

from __future__ import annotations

import time

import numpy as np

from engine.uncertainty.domain import DomainModel


def training(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    recipes = rng.normal(0, 1, (300, 4))
    ages = np.array([3.0, 7.0, 28.0])
    rows = np.column_stack([np.repeat(recipes, 3, axis=0), np.tile(ages, 300)])
    return rows, np.repeat(np.arange(300), 3)


def test_labels_follow_the_distance_from_training_recipes():
    rows, groups = training()
    domain = DomainModel.fit(rows, groups)
    assert 0 < domain.inside_threshold <= domain.edge_threshold
    score, label = domain.score(rows)
    assert (label == "inside").all() and (score == 0).all()  # training rows themselves
    far = rows[:10].copy()
    far[:, 0] += 50
    assert (domain.score(far)[1] == "outside").all()
    assert (domain.score(far)[0] > 1).all()


def test_thresholds_come_from_other_recipes_not_sibling_ages():
    rows, groups = training()
    grouped = DomainModel.fit(rows, groups)
    ungrouped = DomainModel.fit(rows, None)  # nearest neighbour is the same recipe at another age
    assert grouped.inside_threshold > ungrouped.inside_threshold
    # about 5 % of new recipes drawn from the same distribution fall beyond "inside"
    new, _ = training(seed=1)
    share_inside = (grouped.score(new)[1] == "inside").mean()
    assert 0.85 <= share_inside <= 0.99


def test_categorical_blocks_and_missing_values():
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.normal(0, 1, 200), rng.integers(0, 3, 200)])
    domain = DomainModel.fit(rows, categorical={1: 3})
    probe = np.array([[0.0, 1.0], [0.0, np.nan], [np.nan, 2.0]])
    score, label = domain.score(probe)
    assert np.isfinite(score).all() and set(label) <= {"inside", "edge", "outside"}


def test_scoring_is_vectorised_and_fast():
    rows, groups = training()
    domain = DomainModel.fit(rows, groups)
    probe = np.random.default_rng(2).normal(0, 1.2, (200_000, 5))
    start = time.perf_counter()
    domain.score(probe)
    assert time.perf_counter() - start < 5.0  # ~0.3 s here; a per-row loop would take minutes


def test_json_round_trip_gives_identical_scores():
    rows, groups = training()
    domain = DomainModel.fit(rows, groups, max_points=500)
    assert len(domain.points) == 500
    again = DomainModel.from_dict(domain.to_dict())
    probe = np.random.default_rng(3).normal(0, 1, (1000, 5))
    np.testing.assert_array_equal(domain.score(probe)[0], again.score(probe)[0])
