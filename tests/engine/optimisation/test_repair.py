"""Projection and repair: exact sums, the true Euclidean projection, idempotence, counts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from engine.optimisation.constraints import LinearSystem
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.examples import example_path
from engine.optimisation.projection import project_hyperplane_box
from engine.optimisation.repair import RecipeRepairer
from engine.optimisation.study import StudySpec
from tests.engine.optimisation.fakes import independent_violations


def _setup(name: str) -> tuple[StudySpec, DesignSpace, RecipeRepairer]:
    spec = StudySpec.from_toml(example_path(name))
    space = DesignSpace.from_spec(spec)
    return spec, space, RecipeRepairer(space, LinearSystem.from_spec(spec, space))


def _random_decisions(space: DesignSpace, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return space.xl + rng.random((n, space.n_var)) * (space.xu - space.xl)


def test_hyperplane_box_projection_meets_the_sum_exactly() -> None:
    rng = np.random.default_rng(1)
    n, k = 2000, 7
    L = rng.uniform(0, 5, (n, k))
    U = L + rng.uniform(0.1, 30, (n, k))
    a = rng.uniform(0.2, 3.0, k)
    t = float((a * (L[0] + U[0]) / 2).sum())
    inside = (L @ a <= t) & (U @ a >= t)
    Y = rng.normal(10, 20, (n, k))
    W = project_hyperplane_box(Y, L, U, a, t)
    assert np.all((W >= L) & (W <= U))
    residual = np.abs(W[inside] @ a - t) / t
    assert residual.max() < 1e-14


def test_hyperplane_box_projection_is_the_euclidean_projection() -> None:
    rng = np.random.default_rng(2)
    for _ in range(20):
        k = int(rng.integers(2, 6))
        lower = rng.uniform(0, 1, k)
        upper = lower + rng.uniform(0.5, 3, k)
        a = rng.uniform(-1, 2, k)
        a[np.abs(a) < 0.1] = 0.5
        target = float(a @ rng.uniform(lower, upper))
        y = rng.normal(1, 3, k)
        ours = project_hyperplane_box(y[None], lower[None], upper[None], a, target)[0]
        reference = minimize(
            lambda w, y=y: 0.5 * np.sum((w - y) ** 2), x0=(lower + upper) / 2,
            jac=lambda w, y=y: w - y, bounds=list(zip(lower, upper, strict=True)),
            constraints=[{"type": "eq", "fun": lambda w, a=a, t=target: a @ w - t,
                          "jac": lambda w, a=a: a}],
            method="SLSQP", options={"ftol": 1e-14, "maxiter": 500},
        ).x
        assert np.allclose(ours, reference, atol=1e-6)


@pytest.mark.parametrize("name", ["concrete_study.toml", "alloy_study.toml"])
def test_repaired_population_satisfies_every_structural_constraint(name: str) -> None:
    spec, space, repairer = _setup(name)
    X = repairer.repair_decisions(_random_decisions(space, 500))
    Z, codes = space.decode(X)
    frame = space.to_frame(Z, codes)
    assert independent_violations(spec, frame) == []
    assert repairer.system.max_violation(space, Z, codes).max() <= 1e-12


@pytest.mark.parametrize("name", ["concrete_study.toml", "alloy_study.toml"])
def test_repair_is_idempotent_bit_for_bit(name: str) -> None:
    _, space, repairer = _setup(name)
    once = repairer.repair_decisions(_random_decisions(space, 300, seed=3))
    twice = repairer.repair_decisions(once)
    assert np.array_equal(once, twice)


def test_feasible_points_are_left_alone() -> None:
    _, space, repairer = _setup("alloy_study.toml")
    feasible = repairer.repair_decisions(_random_decisions(space, 50, seed=4))
    Z, codes = space.decode(feasible, clip_balance=False)
    Z2, codes2 = repairer.repair(Z, codes)
    assert np.array_equal(Z, Z2) and np.array_equal(codes, codes2)


def test_balance_takes_the_remainder_within_its_bounds() -> None:
    spec, space, repairer = _setup("alloy_study.toml")
    X = _random_decisions(space, 200, seed=5)
    X[:, space.decision_names.index("Cr")] = 5.0  # far above its bound: pulls Fe below 94
    Z, _ = space.decode(repairer.repair_decisions(X))
    fe = Z[:, space.index("Fe")]
    assert np.all((fe >= 94.0) & (fe <= 99.5))
    composition = [space.index(m) for m in spec.mixture_components(spec.mixture[0])]
    assert np.allclose(Z[:, composition].sum(axis=1), 100.0, rtol=0, atol=1e-12)


def test_count_keeps_the_largest_and_snaps_small_amounts_to_zero() -> None:
    _, space, repairer = _setup("alloy_study.toml")
    X = np.tile(repairer.repair_decisions(_random_decisions(space, 1, seed=6)), (3, 1))
    v, nb = space.decision_names.index("V"), space.decision_names.index("Nb")
    X[0, [v, nb]] = [0.05, 0.02]  # both present: V is larger, Nb goes
    X[1, [v, nb]] = [0.004, 0.03]  # V below min_amount 0.01: snapped, Nb stays
    X[2, [v, nb]] = [0.004, 0.003]  # both tiny: both snapped
    R = repairer.repair_decisions(X)
    assert R[0, nb] == 0.0 and R[0, v] >= 0.01
    assert R[1, v] == 0.0 and R[1, nb] >= 0.01
    assert R[2, v] == 0.0 and R[2, nb] == 0.0


def test_integers_and_categories_are_rounded_into_range() -> None:
    data = StudySpec.from_toml(example_path("concrete_study.toml")).model_dump()
    data["variables"].append({"name": "mixing_time", "type": "integer", "lower": 60,
                              "upper": 180})
    for recipe in [data["baseline"], *data["seeds"]]:
        recipe["values"]["mixing_time"] = 90
    spec = StudySpec.from_dict(data)
    space = DesignSpace.from_spec(spec)
    repairer = RecipeRepairer(space, LinearSystem.from_spec(spec, space))
    X = _random_decisions(space, 100, seed=7)
    R = repairer.repair_decisions(X)
    t = R[:, space.decision_names.index("mixing_time")]
    c = R[:, space.decision_names.index("curing")]
    assert np.all(t == np.rint(t)) and t.min() >= 60 and t.max() <= 180
    assert set(np.unique(c)) <= {0.0, 1.0}
    assert np.all(np.abs(X[:, space.decision_names.index("mixing_time")] - t) <= 0.5)


def test_ratio_and_linear_inequalities_hold_after_repair() -> None:
    _, space, repairer = _setup("concrete_study.toml")
    X = _random_decisions(space, 400, seed=8)
    water = space.decision_names.index("water")
    X[:, water] = 200.0  # w/b up to 200/200: far above 0.5 for lean mixes
    Z, _ = space.decode(repairer.repair_decisions(X))
    binder = Z[:, [space.index(n) for n in ("cement", "fly_ash", "slag")]].sum(axis=1)
    assert np.all(Z[:, space.index("water")] <= 0.5 * binder)
    assert np.all(binder >= 300.0)


def test_an_unrepairable_row_is_reported_not_hidden() -> None:
    _, space, repairer = _setup("concrete_study.toml")
    Z, codes = space.decode(_random_decisions(space, 4, seed=9), clip_balance=False)
    L = np.broadcast_to(space.lower, Z.shape).copy()
    U = np.broadcast_to(space.upper, Z.shape).copy()
    U[0] = L[0]  # row 0: every amount at its lower bound, cannot fill 1 m³
    projected = repairer.projector.project(Z, L, U)
    table = repairer.system.violations(space, projected, codes)
    volume = table["mixture[0] absolute volume (1 m³ or 1 yd³)"]
    assert volume[0] > 1e-3 and np.all(volume[1:] <= 1e-12)
    assert np.all(table["ratio[0] water/binder max"][1:] == 0.0)
