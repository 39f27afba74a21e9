"""A study written in US units (lb/yd³, psi, °F, USD/yd³) is the same study as in metric units."""

from __future__ import annotations

import copy
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.optimisation.study import Linear, Mixture, Ratio, StudySpec, StudySpecError
from engine.optimisation.study_units import study_in_units
from tests.engine.recommendation.helpers import trained_demo

__all__ = ["trained_demo"]  # the session fixture, shared with the recommendation tests

# Exact by definition: 1 lb = 0.45359237 kg, 1 yd = 0.9144 m, 1 lbf = 1 lb × 9.80665 m/s².
LB = 0.45359237
M3_PER_YD3 = 0.9144**3
PCY = M3_PER_YD3 / LB  # lb/yd³ per kg/m³
PSI = 1e6 / (LB * 9.80665 / 0.0254**2)  # psi per MPa
AMOUNTS = ("cement", "fly_ash", "water", "coarse_aggregate", "fine_aggregate")
STORED = {**dict.fromkeys(AMOUNTS, "kg/m³"), "curing_temperature": "°C", "age_days": "d",
          "compressive_strength": "MPa"}
US_UNITS = {**dict.fromkeys(AMOUNTS, "lb/yd³"), "curing_temperature": "°F",
            "compressive_strength": "psi"}
DENSITY = {"cement": 3150.0, "fly_ash": 2300.0, "water": 1000.0, "coarse_aggregate": 2700.0,
           "fine_aggregate": 2650.0}
PRICE = {"cement": (0.12, 0.83), "fly_ash": (0.04, 0.01), "water": (0.002, 0.0003),
         "coarse_aggregate": (0.018, 0.005), "fine_aggregate": (0.016, 0.004)}


def fahrenheit(celsius: float) -> float:
    return celsius * 9.0 / 5.0 + 32.0


def _amount(name: str, lower: float, upper: float, unit: str = "kg/m³",
            scale: float = 1.0) -> dict[str, Any]:
    return {"name": name, "lower": lower * scale, "upper": upper * scale, "unit": unit,
            "material": True}


def _concrete(us: bool) -> dict[str, Any]:
    """One C30/37 study, in metric units or written by hand in US units."""
    k = PCY if us else 1.0
    unit = "lb/yd³" if us else "kg/m³"
    temp = fahrenheit if us else float
    per = LB if us else 1.0  # prices and kg CO₂e per lb instead of per kg
    bounds = {"cement": (250.0, 450.0), "fly_ash": (0.0, 150.0), "water": (140.0, 200.0),
              "coarse_aggregate": (850.0, 1150.0), "fine_aggregate": (600.0, 950.0)}
    return {
        "name": "C30/37", "currency": "USD",
        "variables": [
            *(_amount(name, lo, hi, unit, k) for name, (lo, hi) in bounds.items()),
            {"name": "curing_temperature", "lower": temp(10.0), "upper": temp(35.0),
             "unit": "°F" if us else "°C"},
            {"name": "age_days", "type": "fixed", "value": 28.0, "unit": "d"},
            {"name": "curing", "type": "categorical", "choices": ["standard", "steam"]},
        ],
        "mixture": [{"name": "1 volume", "basis": "volume", "components": list(AMOUNTS),
                     "balance": "fine_aggregate", "total": 1.0, "air": 0.02,
                     "densities": {n: d * k for n, d in DENSITY.items()}}],
        "ratio": [{"name": "w/c", "numerator": ["water"], "denominator": ["cement"], "max": 0.6},
                  {"name": "w/b (k = 0.4)", "numerator": ["water"],
                   "denominator": {"cement": 1.0, "fly_ash": 0.4}, "max": 0.5}],
        "linear": [{"name": "binder", "coefficients": {"cement": 1.0, "fly_ash": 1.0},
                    "min": 300.0 * k}],
        "count": [{"components": ["fly_ash"], "max_nonzero": 1, "min_amount": 20.0 * k}],
        "objectives": [{"target": "compressive_strength", "statistic": "lower",
                        "sense": "maximize"}, {"kind": "cost"}, {"kind": "co2"}],
        "constraints": [
            {"target": "compressive_strength", "statistic": "lower",
             "min": 30.0 * (PSI if us else 1.0), "unit": "psi" if us else "MPa"},
            {"kind": "cost", "max": 80.0 * (M3_PER_YD3 if us else 1.0),
             "unit": "USD/yd³" if us else "USD/m³"},
            {"kind": "co2", "max": 300.0 * k, "unit": "lb CO₂e/yd³" if us else "kg CO₂e/m³"},
        ],
        "baseline": {"name": "production", "values": {
            "cement": 340.0 * k, "fly_ash": 60.0 * k, "water": 175.0 * k,
            "coarse_aggregate": 1050.0 * k, "curing_temperature": temp(20.0),
            "curing": "standard"}},
        "seeds": [{"name": "trial", "values": {
            "cement": 300.0 * k, "fly_ash": 90.0 * k, "water": 170.0 * k,
            "coarse_aggregate": 1040.0 * k, "curing_temperature": temp(30.0),
            "curing": "steam"}}],
        "materials": {n: {"price": p * per, "co2": c * per} for n, (p, c) in PRICE.items()},
    }


def assert_same(actual: Any, expected: Any, path: str = "") -> None:
    """Equal structures, floats within 1e-9 relative."""
    if isinstance(expected, float) and isinstance(actual, int | float):
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12), path
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), path
        for key in expected:
            assert_same(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{path}[{i}]")
    else:
        assert actual == expected, path


def _dump(spec: StudySpec) -> dict[str, Any]:
    return spec.model_dump(mode="json")


def test_a_us_study_converts_to_the_hand_written_metric_study() -> None:
    us, metric = StudySpec.from_dict(_concrete(us=True)), StudySpec.from_dict(_concrete(False))
    converted = study_in_units(us, STORED)
    assert_same(_dump(converted), _dump(metric))
    converted.check()
    assert us.variables[0].unit == "lb/yd³"  # the original is left alone


def test_metric_to_us_and_back_gives_the_original() -> None:
    metric = StudySpec.from_dict(_concrete(us=False))
    us = study_in_units(metric, US_UNITS)
    assert_same(_dump(us), _dump(StudySpec.from_dict(_concrete(us=True))))
    assert_same(_dump(study_in_units(us, STORED)), _dump(metric))


def test_assumed_units_show_a_stored_study_in_display_units() -> None:
    data = _concrete(us=False)
    for constraint in data["constraints"]:
        constraint.pop("unit")  # as drafts are: stored units, cost and CO₂ per m³
    stored = StudySpec.from_dict(data)
    shown = study_in_units(stored, US_UNITS, assumed=STORED)
    strength, cost, co2 = shown.constraints
    assert (strength.min, strength.unit) == (pytest.approx(30.0 * PSI, rel=1e-12), "psi")
    assert (cost.max, cost.unit) == (pytest.approx(80.0 * M3_PER_YD3, rel=1e-12), "USD/yd³")
    assert (co2.max, co2.unit) == (pytest.approx(300.0 * PCY, rel=1e-12), "lb CO₂e/yd³")
    back = study_in_units(shown, STORED)
    assert [c.max for c in back.constraints[1:]] == pytest.approx([80.0, 300.0], rel=1e-12)
    assert back.constraints[0].min == pytest.approx(30.0, rel=1e-12)


def test_in_its_own_units_nothing_changes() -> None:
    metric = StudySpec.from_dict(_concrete(us=False))
    assert _dump(study_in_units(metric, STORED)) == _dump(metric)
    us = StudySpec.from_dict(_concrete(us=True))
    for units in ({}, {"cement": "pcy"}):  # no stored unit known, or the same unit
        assert_same(_dump(study_in_units(us, units)), _dump(us))


def test_objectives_and_statistics_are_untouched() -> None:
    us = StudySpec.from_dict(_concrete(us=True))
    converted = study_in_units(us, STORED)
    assert converted.objectives == us.objectives
    assert [(c.kind, c.target, c.statistic) for c in converted.constraints] == \
        [(c.kind, c.target, c.statistic) for c in us.constraints]


def test_an_interval_width_scales_without_the_offset() -> None:
    data = _concrete(us=True)
    data["constraints"] = [{"kind": "uncertainty", "target": "peak_temperature", "max": 18.0,
                            "unit": "°F"}]
    converted = study_in_units(StudySpec.model_validate(data), {"peak_temperature": "°C"})
    assert converted.constraints[0].max == pytest.approx(10.0)  # not (18 − 32)·5/9
    assert converted.constraints[0].unit == "°C"


def test_a_resolution_converts_as_a_step_not_as_a_value() -> None:
    data = _concrete(us=True)
    data["variables"][0]["resolution"] = 2.0  # cement, lb/yd³
    data["variables"][5]["resolution"] = 0.9  # curing temperature, °F
    converted = study_in_units(StudySpec.from_dict(data), STORED)
    assert converted.variables[0].resolution == pytest.approx(2.0 / PCY, rel=1e-9)
    assert converted.variables[5].resolution == pytest.approx(0.5, rel=1e-9)  # not (0.9−32)·5/9


def test_a_limit_on_a_content_converts_its_limit_and_keeps_the_contents() -> None:
    us = _concrete(us=True)
    for name in AMOUNTS:  # alkalis as Na2O equivalent, % of each material's mass
        us["materials"][name]["content"] = {"Na2O_eq": 0.6 if name == "cement" else 0.0}
    us["linear"].append({"name": "alkalis", "coefficients": {"Na2O_eq": 0.01},
                         "max": 3.0 * PCY})  # 3 kg/m³ written in lb/yd³
    converted = study_in_units(StudySpec.from_dict(us), STORED)
    alkalis = converted.linear[-1]
    assert alkalis.coefficients == {"Na2O_eq": 0.01}  # the contents are per mass: unchanged
    assert alkalis.max == pytest.approx(3.0, rel=1e-9)
    converted.check()


# ------------------------------------------------------------- same recipes, same answer

EXTRA_US = {
    "linear": [{"name": "warm and rich", "max": fahrenheit(40.0) + 0.0,
                "coefficients": {"curing_temperature": 1.0, "cement": 0.018 / PCY}},
               {"name": "aggregate", "coefficients": {"coarse_aggregate": 1.0,
                                                       "fine_aggregate": 1.2},
                "min": 1700.0 * PCY, "max": 2100.0 * PCY}],
    "ratio": [{"name": "fines", "numerator": {"fine_aggregate": 1.0},
               "denominator": {"fine_aggregate": 1.0, "coarse_aggregate": 0.9},
               "min": 0.38, "max": 0.46}],
    "mixture": [{"name": "binder batch", "basis": "mass", "components": ["cement", "fly_ash"],
                 "total": 400.0 * PCY}],
}


def _property_study() -> tuple[StudySpec, StudySpec]:
    """A US study with offset and mixed-unit constraints, and it converted to metric."""
    data = _concrete(us=True)
    for key, items in EXTRA_US.items():
        data[key] = data[key] + items
    us = StudySpec.model_validate(data)  # the extra mass mixture need not be reachable
    return us, study_in_units(us, STORED)


def _value(item: Linear | Ratio, x: dict[str, float]) -> float:
    if isinstance(item, Linear):
        return sum(c * x[n] for n, c in item.coefficients.items())
    num = sum(w * x[n] for n, w in item.numerator.items())
    return num / sum(w * x[n] for n, w in item.denominator.items())


def _holds(item: Linear | Ratio, x: dict[str, float]) -> tuple[bool, float]:
    """Whether ``x`` satisfies ``item``, and its smallest relative distance to a limit."""
    value = _value(item, x)
    limits = [(getattr(item, "min", None), 1.0), (getattr(item, "max", None), -1.0)]
    ok, margin = True, math.inf
    for limit, sign in limits:
        if limit is not None:
            ok = ok and sign * (value - limit) >= 0
            margin = min(margin, abs(value - limit) / max(1.0, abs(limit)))
    return ok, margin


def _residual(mixture: Mixture, x: dict[str, float]) -> float:
    if mixture.basis == "volume":
        densities = mixture.densities or {}
        return sum(x[n] / densities[n] for n in mixture.components) + mixture.air - \
            (mixture.total or 1.0)
    return sum(x[n] for n in mixture.components) - (mixture.total or 0.0)


US_RECIPES = st.fixed_dictionaries({
    "cement": st.floats(250.0 * PCY, 450.0 * PCY), "fly_ash": st.floats(0.0, 150.0 * PCY),
    "water": st.floats(140.0 * PCY, 200.0 * PCY),
    "coarse_aggregate": st.floats(850.0 * PCY, 1150.0 * PCY),
    "fine_aggregate": st.floats(600.0 * PCY, 950.0 * PCY),
    "curing_temperature": st.floats(fahrenheit(10.0), fahrenheit(35.0)),
})


@settings(max_examples=300, deadline=None)
@given(US_RECIPES)
def test_a_recipe_satisfies_the_converted_constraints_iff_it_satisfies_the_originals(
        recipe: dict[str, float]) -> None:
    us, metric = _property_study()
    x_metric = {n: v / PCY for n, v in recipe.items() if n in AMOUNTS}
    x_metric["curing_temperature"] = (recipe["curing_temperature"] - 32.0) * 5.0 / 9.0
    for original, converted in [*zip(us.linear, metric.linear, strict=True),
                                *zip(us.ratio, metric.ratio, strict=True)]:
        ok, margin = _holds(original, recipe)
        assume(margin > 1e-9)
        assert _holds(converted, x_metric)[0] == ok, original.name
    volume_us, mass_us = us.mixture
    volume, mass = metric.mixture
    assert _residual(volume, x_metric) == pytest.approx(_residual(volume_us, recipe), abs=1e-12)
    assert _residual(mass, x_metric) == pytest.approx(_residual(mass_us, recipe) / PCY,
                                                      rel=1e-9, abs=1e-9)


def test_offsets_and_mixed_units_rewrite_linear_constraints_exactly() -> None:
    _us, metric = _property_study()
    warm = metric.linear[1]  # T_F + 0.018/PCY·cement_pcy ≤ 104 °F  ⇔  T_C + 0.01·cement ≤ 40
    assert warm.coefficients == pytest.approx({"curing_temperature": 1.8, "cement": 0.018})
    assert warm.max == pytest.approx(72.0)
    aggregate = metric.linear[2]  # one unit: coefficients as written, limits in kg/m³
    assert aggregate.coefficients == {"coarse_aggregate": 1.0, "fine_aggregate": 1.2}
    assert (aggregate.min, aggregate.max) == (pytest.approx(1700.0), pytest.approx(2100.0))
    assert metric.mixture[1].total == pytest.approx(400.0)


# ------------------------------------------------------------------------------- errors


def _problems(data: dict[str, Any], units: dict[str, str]) -> dict[str, str]:
    spec = StudySpec.model_validate(data)
    with pytest.raises(StudySpecError) as caught:
        study_in_units(spec, units)
    return dict(caught.value.issues)


def test_units_that_do_not_convert_are_listed_with_their_key_paths() -> None:
    data = _concrete(us=True)
    data["variables"][1]["unit"] = "lb/yd3x"  # a typo
    data["constraints"][0]["unit"] = "lb/yd³"  # not a strength
    problems = _problems(data, {**STORED, "cement": "wt%"})
    assert set(problems) == {"variables[0].unit", "variables[1].unit", "constraints[0].unit"}
    assert "cannot express 'cement' in wt%" in problems["variables[0].unit"]
    assert "unknown unit 'lb/yd3x'" in problems["variables[1].unit"]


def test_constraints_that_cannot_follow_a_conversion_are_refused() -> None:
    data = _concrete(us=True)
    data["variables"][1]["unit"] = "kg/m³"  # fly ash in metric, cement in lb/yd³
    data["mixture"].append({"basis": "mass", "components": ["cement", "fly_ash"],
                            "total": 600.0})
    data["ratio"].append({"numerator": ["curing_temperature"], "denominator": ["cement"]})
    data["count"] = [{"components": ["cement", "fly_ash"], "max_nonzero": 1, "min_amount": 5.0}]
    data["constraints"][1]["unit"] = "EUR/yd³"
    data["constraints"][2]["unit"] = "CO₂e/yd³"
    problems = _problems(data, STORED)
    assert set(problems) == {"mixture[1].components", "ratio[2].numerator.curing_temperature",
                             "count[0].min_amount", "constraints[1].unit",
                             "constraints[2].unit"}
    assert "different factors" in problems["mixture[1].components"]
    assert "offset" in problems["ratio[2].numerator.curing_temperature"]
    assert "study's currency is USD" in problems["constraints[1].unit"]
    assert "names no mass" in problems["constraints[2].unit"]


def test_a_cost_limit_needs_a_basis_and_the_study_amounts_to_say_theirs() -> None:
    data = _concrete(us=False)
    data["constraints"][1]["unit"] = "USD"
    assert "names no basis" in _problems(data, STORED)["constraints[1].unit"]
    data = _concrete(us=False)
    data["variables"][0]["unit"] = "wt%"
    data["mixture"], data["linear"], data["ratio"], data["count"] = [], [], [], []
    data["constraints"][1]["unit"] = "USD/yd³"
    assert "do not say" in _problems(data, {})["constraints[1].unit"]


# ------------------------------------------------------------- the project, end to end


def _us_demo_study(metric: dict[str, Any]) -> dict[str, Any]:
    """The demo study written by hand in US units (amounts, strength, cost and CO₂ caps)."""
    us = copy.deepcopy(metric)
    amounts = {v["name"] for v in us["variables"] if v.get("unit") == "kg/m³"}
    for variable in us["variables"]:
        if variable["name"] in amounts:
            variable.update(lower=variable["lower"] * PCY, upper=variable["upper"] * PCY,
                            unit="lb/yd³")
    assert all("specific_gravities" in m for m in us["mixture"])  # the same in lb/yd³
    for linear in us["linear"]:  # each in amounts only
        for key in ("min", "max"):
            if key in linear:
                linear[key] *= PCY
    for count in us["count"]:
        count["min_amount"] *= PCY
    for recipe in [us["baseline"], *us["seeds"]]:
        recipe["values"] = {n: v * PCY if n in amounts else v
                            for n, v in recipe["values"].items()}
    us["materials"] = {n: {"price": f["price"] * LB} for n, f in us["materials"].items()}
    strength, cost, co2 = us["constraints"]
    strength.update(min=strength["min"] * PSI, unit="psi")
    cost.update(max=cost["max"] * M3_PER_YD3, unit="USD/yd³")
    co2.update(max=co2["max"] * PCY, unit="lb CO₂e/yd³")
    return us


def test_a_us_study_runs_like_the_metric_one_on_a_project(
        trained_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine import optimisation_services as services
    from engine.cli.optimise_commands import register

    project = tmp_path / "demo.formix"
    shutil.copy(trained_demo, project)
    metric = services.demo_study().model_dump(mode="json", exclude_none=True)
    metric["constraints"][0]["min"] = 30.0
    metric["constraints"] += [{"kind": "cost", "max": 80.0}, {"kind": "co2", "max": 380.0}]
    metric["materials"] = {"cement": {"price": 0.11}, "fly_ash": {"price": 0.05}}
    us = _us_demo_study(metric)
    us_path = tmp_path / "us_study.toml"
    us_path.write_text(StudySpec.from_dict(us).to_toml(), encoding="utf-8")

    reference = services.optimise(project, metric, seed=3, population=20, generations=10,
                                  save=False)
    import argparse

    parser = argparse.ArgumentParser(prog="formix")
    register(parser.add_subparsers(dest="command"))
    out = tmp_path / "run"
    args = parser.parse_args(["optimize", str(us_path), "--project", str(project), "--seed",
                              "3", "--population", "20", "--generations", "10", "--json",
                              "--out", str(out)])
    assert args.handler(args) == 0

    import pandas as pd

    pareto = pd.read_csv(out / "pareto.csv")
    expected = reference.result.pareto
    assert len(expected) > 3 and len(pareto) == len(expected)
    columns = [*(v["name"] for v in metric["variables"]), "compressive_strength_lower",
               "cost", "co2"]
    pd.testing.assert_frame_equal(pareto[columns], expected[columns].reset_index(drop=True),
                                  check_exact=False, rtol=1e-6, check_dtype=False)
    assert (expected["cost"] <= 80.0 + 1e-6).all() and (expected["co2"] <= 380.0 + 1e-6).all()
    written = StudySpec.from_toml(out / "study.toml")  # as the user wrote it
    assert written.variables[0].unit == "lb/yd³"
    assert written.constraints[1].unit == "USD/yd³"
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["n_evaluations"] == reference.result.n_evaluations
    shown = json.loads(capsys.readouterr().out)["recommendations"]

    # Picked again from the folder, and explained against the study in pareto.csv's units.
    args = parser.parse_args(["recommend", str(out), "-k", "3", "--json"])
    assert args.handler(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert [r["row"] for r in again] == [r["row"] for r in shown]
    first = again[0]
    cement = next(c for c in first["changes"] if c["name"] == "cement")
    assert cement["unit"] == "kg/m³"
    assert cement["value"] == pytest.approx(pareto["cement"].iloc[first["row"]], rel=1e-12)
    assert cement["baseline"] == pytest.approx(metric["baseline"]["values"]["cement"], rel=1e-9)
    strength = first["properties"][0]
    assert (strength["target"], strength["unit"]) == ("compressive_strength", "MPa")
    assert strength["lower"] == pytest.approx(
        pareto["compressive_strength_lower"].iloc[first["row"]], rel=1e-12)
    assert first["cost_delta"] == pytest.approx(
        pareto["cost"].iloc[first["row"]] - reference.result.baseline["cost"].iloc[0],
        rel=1e-6)


def test_alloy_strength_limits_are_shown_in_ksi_and_concrete_ones_in_psi() -> None:
    from engine.display_units import DisplayUnits
    from engine.optimisation_services import _typical_limits

    study = {"constraints": [{"target": "yield_strength", "min": 1100.0},
                             {"target": "compressive_strength", "min": 30.0},
                             {"kind": "uncertainty", "target": "yield_strength", "max": 80.0}]}
    typical = _typical_limits(study)
    us = DisplayUnits("US")
    assert us.unit("MPa", typical["yield_strength"]) == "ksi"
    assert us.unit("MPa", typical["compressive_strength"]) == "psi"


def test_a_cost_limit_in_dollars_per_cubic_yard_is_read_as_usd() -> None:
    data = _concrete(us=True)
    dollars = copy.deepcopy(data)
    dollars["constraints"][1]["unit"] = "$/yd³"
    converted = study_in_units(StudySpec.from_dict(dollars), STORED)
    expected = study_in_units(StudySpec.from_dict(data), STORED)
    assert converted.constraints[1].max == expected.constraints[1].max
    assert converted.constraints[1].unit == "USD/m³"


def _with_specific_gravities(data: dict[str, Any]) -> StudySpec:
    mixture = data["mixture"][0]
    del mixture["densities"]
    mixture["specific_gravities"] = {n: d / 1000.0 for n, d in DENSITY.items()}
    return StudySpec.from_dict(data)


def test_specific_gravities_fill_the_same_volume_in_kg_per_m3_and_lb_per_yd3() -> None:
    for us in (False, True):
        with_densities = StudySpec.from_dict(_concrete(us=us))
        with_gravities = _with_specific_gravities(_concrete(us=us))
        a, b = with_densities.mixture[0], with_gravities.mixture[0]
        for name in AMOUNTS:  # 1 / density in the amounts' unit
            assert with_gravities.mixture_weight(b, name) == pytest.approx(
                with_densities.mixture_weight(a, name), rel=1e-12)
    # unit-free: converting the study leaves them as written
    us = _with_specific_gravities(_concrete(us=True))
    assert study_in_units(us, STORED).mixture[0].specific_gravities == \
        us.mixture[0].specific_gravities
    data = _concrete(us=False)
    data["mixture"][0]["specific_gravities"] = {"cement": 3.15}
    assert ("mixture[0].specific_gravities.cement", "'cement' also has a density: give one of "
            "them") in _spec_issues(data)


def _spec_issues(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(StudySpecError) as error:
        StudySpec.from_dict(data)
    return list(error.value.issues)


def test_an_integer_variable_keeps_its_unit_or_is_refused() -> None:
    data = _concrete(us=True)
    variable = next(v for v in data["variables"] if v["name"] == "curing_temperature")
    variable.update(type="integer", lower=round(variable["lower"]), upper=round(variable["upper"]))
    assert "whole number of °F, which is not one of °C" in \
        _problems(data, STORED)[f"variables[{data['variables'].index(variable)}].unit"]
    kept = study_in_units(StudySpec.model_validate(data), {**STORED, "curing_temperature": "°F"})
    assert kept.variable("curing_temperature").lower == variable["lower"]
