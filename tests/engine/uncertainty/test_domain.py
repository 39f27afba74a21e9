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


def alloys(seed: int = 0) -> np.ndarray:
    """28 inputs like the steel data (14 elements + 14 atomic fractions): one far-off input is
    diluted in the distance."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 10.0, (300, 28))


def test_one_input_far_beyond_its_range_is_outside_although_the_distance_is_near():
    rows = alloys()
    domain = DomainModel.fit(rows)
    probe = rows[:50].copy()
    span = domain.high[4] - domain.low[4]
    probe[:, 4] = domain.high[4] + 0.37 * span  # 37 % of the range beyond, like AISI 4340's Fe
    by_distance = domain.classify(domain.distance(probe))[1]
    assert (by_distance != "outside").any()  # the dilution the range check is for
    score, label = domain.score(probe)
    assert (label == "outside").all() and np.allclose(score, 1 + (0.37 - 0.01) / 0.09, atol=0.01)


def test_range_excess_maps_one_percent_to_one_and_ten_percent_to_two():
    rows = alloys()
    domain = DomainModel.fit(rows)
    low, high = domain.low[0], domain.high[0]
    span = high - low
    probe = np.repeat(rows[:1], 4, axis=0)  # a training row: distance 0
    probe[:, 0] = [high + 0.005 * span, high + 0.02 * span, low - 0.10 * span, high + 0.5 * span]
    score, label = domain.score(probe)
    np.testing.assert_allclose(score, [0.5, 1 + 0.01 / 0.09, 2.0, 1 + 0.49 / 0.09], rtol=1e-9)
    assert label.tolist() == ["inside", "edge", "edge", "outside"]


def test_within_every_range_the_score_is_the_distance_score():
    rows, groups = training()
    domain = DomainModel.fit(rows, groups)
    new, _ = training(seed=1)
    new = new[np.all((new >= domain.low) & (new <= domain.high), axis=1)]
    assert len(new) > 500
    distance = domain.distance(new)
    np.testing.assert_array_equal(domain.score(new)[0], domain.classify(distance)[0])


def test_score_is_continuous_across_the_end_of_a_range():
    rows = alloys()
    domain = DomainModel.fit(rows)
    path = np.repeat(rows[:1], 2001, axis=0)
    path[:, 0] = np.linspace(domain.high[0] - 2.0, domain.high[0] + 2.0, 2001)  # step 0.002
    score = domain.score(path)[0]
    span = domain.high[0] - domain.low[0]
    # steepest slope: 1 per 1 % of the range (the distance score is far flatter)
    assert np.abs(np.diff(score)).max() <= 0.002 / (0.01 * span) + 1e-9
    assert score[0] <= 1 and score[-1] > 2


def test_training_rows_are_inside_and_missing_or_categorical_inputs_are_not_range_checked():
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.normal(0, 1, 200), rng.integers(0, 3, 200)])
    domain = DomainModel.fit(rows, categorical={1: 3})
    assert (domain.score(rows)[1] == "inside").all()
    assert domain.range_excess(np.array([[np.nan, 7.0]])).tolist() == [0.0]


def test_an_input_the_data_never_varied_is_outside_when_changed():
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.normal(0, 1, (200, 5)), np.zeros(200)])  # e.g. N always 0 wt %
    domain = DomainModel.fit(rows)
    probe = np.repeat(rows[:1], 2, axis=0)
    probe[1, -1] = 0.05
    assert domain.classify(domain.distance(probe))[1].tolist() == ["inside", "inside"]
    assert domain.score(probe)[1].tolist() == ["inside", "outside"]


def test_models_saved_without_ranges_load_and_score_by_distance_alone():
    rows = alloys()
    domain = DomainModel.fit(rows)
    saved = domain.to_dict()
    for key in ("low", "high", "range_limits"):
        del saved[key]
    old = DomainModel.from_dict(saved)
    assert old.low is None
    probe = rows[:50].copy()
    probe[:, 4] = 13.7
    np.testing.assert_array_equal(old.score(probe)[0], domain.classify(domain.distance(probe))[0])
    again = DomainModel.from_dict(domain.to_dict())
    np.testing.assert_array_equal(again.score(probe)[0], domain.score(probe)[0])
