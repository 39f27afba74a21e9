"""``[[relation]]``: one predicted property at most another (yield ≤ tensile strength)."""

from __future__ import annotations

import tomllib
from typing import Any

import numpy as np
import pytest

from engine.optimisation import optimise
from engine.optimisation.constraints import LinearSystem
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.study import StudySpec, StudySpecError
from engine.recommendation.explain import binding_constraints
from tests.engine.optimisation.fakes import StrengthPairPredictor

YIELD_BELOW_TENSILE = {"name": "yield below tensile", "lower": "yield_strength",
                       "upper": "tensile_strength"}


def _study(*relations: dict[str, Any]) -> dict[str, Any]:
    """Maximise the predicted yield strength against cost; hardener raises yield fastest."""
    study: dict[str, Any] = {
        "name": "steel",
        "variables": [
            {"name": "hardener", "lower": 0.0, "upper": 1.0, "unit": "wt %", "material": True},
            {"name": "toughener", "lower": 0.0, "upper": 1.0, "unit": "wt %", "material": True},
        ],
        "objectives": [{"target": "yield_strength", "statistic": "mean", "sense": "maximize"},
                       {"kind": "cost"}],
        "algorithm": {"population": 40, "generations": 30, "seed": 1},
        "materials": {"hardener": {"price": 0.1}, "toughener": {"price": 1.0}},
    }
    if relations:
        study["relation"] = list(relations)
    return study


def _excess(pareto: Any, ratio: float = 1.0) -> np.ndarray:
    return (pareto["yield_strength_mean"] - ratio * pareto["tensile_strength_mean"]).to_numpy()


def test_without_the_relation_the_optimiser_exploits_independent_models() -> None:
    pareto = optimise(StudySpec.from_dict(_study()), StrengthPairPredictor()).pareto
    assert (_excess(pareto) > 0).any()
    assert pareto["yield_strength_mean"].max() > 490  # hardener = 1: 500 against 400


@pytest.mark.parametrize("ratio", [1.0, 0.9])
def test_every_recipe_keeps_yield_at_most_tensile(ratio: float) -> None:
    spec = StudySpec.from_dict(_study({**YIELD_BELOW_TENSILE, "max_ratio": ratio}))
    result = optimise(spec, StrengthPairPredictor())
    pareto = result.pareto
    assert len(pareto) >= 5
    tolerance = 1e-9 * pareto["tensile_strength_mean"].abs().max()
    assert (_excess(pareto, ratio) <= tolerance).all()
    # the strongest recipe sits on the relation: yield ≈ ratio × tensile, not far below it
    best = pareto.loc[pareto["yield_strength_mean"].idxmax()]
    assert best["yield_strength_mean"] >= 0.98 * ratio * best["tensile_strength_mean"]


def test_an_active_relation_is_listed_among_the_binding_constraints() -> None:
    spec = StudySpec.from_dict(_study(YIELD_BELOW_TENSILE))
    pareto = optimise(spec, StrengthPairPredictor()).pareto
    best = pareto.loc[pareto["yield_strength_mean"].idxmax()]
    space = DesignSpace.from_spec(spec)
    found = binding_constraints(spec, space, LinearSystem.from_spec(spec, space), best,
                                units={"yield_strength": "MPa"})
    (relation,) = [b for b in found if b.kind == "relation"]
    assert relation.label == "yield below tensile" and relation.unit == "MPa"
    assert relation.value == pytest.approx(best["yield_strength_mean"])
    assert relation.limit == pytest.approx(best["tensile_strength_mean"])
    assert relation.text().startswith("yield below tensile max: ")
    weakest = pareto.loc[pareto["yield_strength_mean"].idxmin()]
    assert not [b for b in binding_constraints(spec, space, LinearSystem.from_spec(spec, space),
                                               weakest) if b.kind == "relation"]


def test_a_relation_naming_an_output_the_models_lack_is_refused_with_its_key() -> None:
    spec = StudySpec.from_dict(_study({"lower": "yield_strength", "upper": "uts"}))
    with pytest.raises(StudySpecError) as caught:
        optimise(spec, StrengthPairPredictor())
    [(path, reason)] = caught.value.issues
    assert path == "relation[0].upper"
    assert "'uts' is not an output of the models" in reason
    assert "'yield_strength', 'tensile_strength'" in reason


def test_invalid_relations_name_their_keys() -> None:
    data = _study({"lower": "yield_strength", "upper": "yield_strength"},
                  {"lower": "", "upper": "tensile_strength", "max_ratio": -1.0},
                  {"lower": "yield_strength", "uper": "tensile_strength"})
    with pytest.raises(StudySpecError) as caught:
        StudySpec.from_dict(data)
    paths = [path for path, _ in caught.value.issues]
    assert paths == ["relation[2].upper", "relation[2].uper"]  # types before meaning
    del data["relation"][2]
    with pytest.raises(StudySpecError) as caught:
        StudySpec.from_dict(data)
    issues = dict(caught.value.issues)
    assert "same output as lower" in issues["relation[0].upper"]
    assert issues["relation[1].lower"] == "must name a model output"
    assert "positive" in issues["relation[1].max_ratio"]


def test_relations_round_trip_through_toml() -> None:
    spec = StudySpec.from_dict(_study(YIELD_BELOW_TENSILE,
                                      {"lower": "yield_strength", "upper": "tensile_strength",
                                       "max_ratio": 0.95}))
    text = spec.to_toml()
    assert "[[relation]]" in text and "max_ratio = 0.95" in text
    again = StudySpec.from_dict(tomllib.loads(text))
    assert again.model_dump() == spec.model_dump()
    assert again.relation[0].max_ratio == 1.0 and again.uses_models
