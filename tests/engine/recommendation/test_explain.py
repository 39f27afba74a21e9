"""Explained recommendations on the demo project: feasibility, SHAP sums, binding constraints."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.display_units import clean_unit
from engine.optimisation.constraints import LinearSystem
from engine.optimisation.encoding import DesignSpace
from engine.recommendation.explain import binding_constraints, feature_label
from tests.engine.optimisation.fakes import independent_violations, output_ok


def test_every_returned_recipe_satisfies_every_constraint(demo_run: Any,
                                                          demo_recommendations: Any) -> None:
    spec, pareto = demo_run.spec, demo_run.result.pareto
    assert len(pareto) > 5
    assert independent_violations(spec, pareto, tol=1e-9) == []
    assert output_ok(pareto, spec)
    assert (pareto["domain_score"] <= 1.0 + 1e-12).all()  # [domain] mode = "inside"
    assert (pareto["test_age_days"] == 28.0).all()
    recipes = pd.DataFrame([r.recipe for r in demo_recommendations])
    assert len(recipes) == 3
    assert independent_violations(spec, recipes, tol=1e-9) == []
    for rec in demo_recommendations:
        binder = rec.recipe["cement"] + rec.recipe["blast_furnace_slag"] + rec.recipe["fly_ash"]
        mixture = spec.mixture[0]
        volume = sum(rec.recipe[n] * spec.mixture_weight(mixture, n) for n in mixture.components)
        assert abs(volume + spec.mixture[0].air - 1.0) <= 1e-9
        assert 0.30 - 1e-9 <= rec.recipe["water"] / binder <= 0.55 + 1e-9
        assert 280 - 1e-6 <= binder <= 550 + 1e-6
        assert rec.domain_label == "inside"


def test_explanations_add_up_to_the_predicted_change(demo_recommendations: Any) -> None:
    for rec in demo_recommendations:
        assert rec.attributions, "every recommendation explains its strength"
        for attribution in rec.attributions:
            assert attribution.total == pytest.approx(attribution.predicted_change, abs=1e-4)
            shown = sum(d.effect for d in attribution.drivers)
            assert shown + attribution.other == pytest.approx(attribution.total, abs=1e-9)
            effects = [abs(d.effect) for d in attribution.drivers]
            assert effects == sorted(effects, reverse=True)
            for driver in attribution.drivers:
                assert "→" in driver.text and driver.text.endswith("MPa")
                assert driver.baseline_value != driver.value


def test_recommendations_report_cost_co2_and_their_deltas(demo_run: Any,
                                                          demo_recommendations: Any) -> None:
    baseline = demo_run.result.baseline.iloc[0]
    for rec in demo_recommendations:
        assert rec.currency == "USD"
        assert rec.cost is not None and rec.co2 is not None
        assert rec.cost_delta == pytest.approx(rec.cost - baseline["cost"])
        assert rec.co2_delta == pytest.approx(rec.co2 - baseline["co2"])
        (strength,) = rec.properties
        assert strength.lower <= strength.mean <= strength.upper
        assert strength.unit == "MPa" and strength.baseline_mean is not None
        change = {c.name: c for c in rec.changes}
        assert change["cement"].delta == pytest.approx(rec.recipe["cement"]
                                                       - baseline["cement"])
        assert rec.id is not None
        assert "cement" in rec.text()


def _row(spec: Any, values: dict[str, float], **extra: float) -> pd.Series:
    space = DesignSpace.from_spec(spec)
    Z, codes = space.from_records([values], ["test"])
    row = space.to_frame(Z, codes).iloc[0]
    for key, value in extra.items():
        row[key] = value
    return row


def test_binding_constraints_on_a_constructed_recipe(demo_run: Any) -> None:
    spec = demo_run.spec
    space = DesignSpace.from_spec(spec)
    system = LinearSystem.from_spec(spec, space)
    # cement at its lower bound, w/b exactly 0.55, strength bound exactly at its 25 MPa limit
    binder = 140.0 + 100.0 + 100.0
    row = _row(spec, {"cement": 140.0, "blast_furnace_slag": 100.0, "fly_ash": 100.0,
                      "water": 0.55 * binder, "superplasticizer": 5.0,
                      "coarse_aggregate": 950.0},
               compressive_strength_lower=25.0, compressive_strength_mean=31.0,
               compressive_strength_upper=37.0, domain_score=0.5, cost=60.0, co2=140.0)
    found = {(b.label, b.side): b for b in binding_constraints(spec, space, system, row)}
    assert ("cement", "min") in found
    assert ("water/binder", "max") in found
    assert found[("water/binder", "max")].value == pytest.approx(0.55)
    assert ("useful strength (lower 90 % bound ≥ 25 MPa)", "min") in found
    assert ("SCM share of binder", "max") not in found  # 0.588 < 0.65
    assert not any(b.kind == "domain" for b in found.values())
    # move away from every limit: nothing binds
    loose = _row(spec, {"cement": 300.0, "blast_furnace_slag": 60.0, "fly_ash": 40.0,
                        "water": 170.0, "superplasticizer": 5.0, "coarse_aggregate": 950.0},
                 compressive_strength_lower=40.0, compressive_strength_mean=45.0,
                 compressive_strength_upper=50.0, domain_score=0.999, cost=70.0, co2=250.0)
    found = binding_constraints(spec, space, system, loose)
    assert [(b.label, b.side) for b in found] == [("applicability domain (inside)", "max")]


def test_units_and_labels_read_like_an_engineer_writes_them() -> None:
    assert clean_unit("kg/m**3") == "kg/m³"
    assert clean_unit("dimensionless") == ""
    assert feature_label("water_binder_ratio") == "w/b"
    assert feature_label("blast_furnace_slag") == "blast furnace slag"
    assert feature_label("Ni_at_frac") == "Ni atomic fraction"
    assert math.isclose(np.float64(1.0), 1.0)
