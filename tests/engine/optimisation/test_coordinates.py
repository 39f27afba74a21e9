"""Search coordinates: binder total, shares and ratios for concrete; amounts otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from engine.optimisation.constraints import LinearSystem
from engine.optimisation.coordinates import SearchCoordinates
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.examples import example_path
from engine.optimisation.repair import RecipeRepairer
from engine.optimisation.study import StudySpec


def _compiled(spec: StudySpec) -> tuple[DesignSpace, LinearSystem, SearchCoordinates]:
    space = DesignSpace.from_spec(spec)
    system = LinearSystem.from_spec(spec, space)
    return space, system, SearchCoordinates.for_study(spec, space, system)


def _demo() -> StudySpec:
    from engine import optimisation_services

    return optimisation_services.demo_study()


def test_demo_study_searches_binder_shares_and_ratios_within_its_limits() -> None:
    spec = _demo()
    space, _system, coordinates = _compiled(spec)
    column = {name: j for j, name in enumerate(space.decision_names)}
    assert coordinates.total_col == column["cement"]
    assert set(coordinates.share_cols) == {column["blast_furnace_slag"], column["fly_ash"]}
    assert set(coordinates.ratio_cols) == {column["water"], column["superplasticizer"]}
    bounds = {name: (coordinates.xl[j], coordinates.xu[j]) for name, j in column.items()}
    # The study's own limits: binder 280–550 kg/m³, w/b 0.30–0.55, slag ≤ 60 %, fly ash ≤ 40 %,
    # superplasticizer ≤ 3.5 % of binder; coarse aggregate stays an amount.
    assert bounds["cement"] == pytest.approx((280.0, 550.0))
    assert bounds["water"] == pytest.approx((0.30, 0.55))
    assert bounds["blast_furnace_slag"] == pytest.approx((0.0, 0.60))
    assert bounds["fly_ash"] == pytest.approx((0.0, 0.40))
    assert bounds["superplasticizer"] == pytest.approx((0.0, 0.035))
    assert bounds["coarse_aggregate"] == pytest.approx((820.0, 1100.0))


def test_repaired_recipes_survive_the_round_trip_exactly() -> None:
    spec = _demo()
    space, system, coordinates = _compiled(spec)
    rng = np.random.default_rng(3)
    X = space.xl + rng.random((300, space.n_var)) * (space.xu - space.xl)
    X = RecipeRepairer(space, system).repair_decisions(X)
    U = coordinates.from_decisions(X)
    back = coordinates.to_decisions(U)
    assert np.allclose(back, X, rtol=1e-12, atol=1e-9)
    assert np.array_equal(back == 0.0, X == 0.0)  # left-out SCMs and admixtures stay exactly 0
    binder = X[:, :3].sum(axis=1)
    assert np.allclose(U[:, 0], binder)
    assert np.allclose(U[:, 3], X[:, 3] / binder)  # water/binder


def test_studies_without_a_shared_denominator_search_in_amounts() -> None:
    spec = StudySpec.from_toml(example_path("alloy_study.toml"))
    space, _system, coordinates = _compiled(spec)
    assert coordinates.is_identity
    X = space.xl + 0.3 * (space.xu - space.xl)
    assert np.array_equal(coordinates.to_decisions(X[None, :]), X[None, :])
    assert np.array_equal(coordinates.from_decisions(X[None, :]), X[None, :])
