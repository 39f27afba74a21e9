"""Property: for random design spaces, every returned recipe satisfies every constraint.

Each generated study is built around a hidden feasible point z* (so its feasible set is never
empty): mixture totals are Σ z*, ratio and linear limits are z*'s values plus some slack (slack 0
makes them active at z*, and min = max turns a ratio into an equality), count constraints hold
at z*. Mass and volume mixtures, balance elements, fixed components, integers and categoricals
all appear. The returned recipes are re-checked straight from the spec by
``independent_violations``; the repair must also find feasible recipes at all.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.optimisation import optimise
from engine.optimisation.study import StudySpec
from tests.engine.optimisation.fakes import GenericAnalyticPredictor, independent_violations

# Positions within a range on a 1/1000 grid: ends included, no 1e-300-sized amounts.
_unit = st.integers(0, 1000).map(lambda k: k / 1000)


def _amount(draw: Any, name: str, lower_options: tuple[float, ...], span: tuple[float, float],
            star: dict[str, float]) -> dict[str, Any]:
    lower = draw(st.sampled_from(lower_options))
    upper = lower + draw(st.floats(*span, allow_nan=False, allow_subnormal=False))
    star[name] = lower + draw(_unit) * (upper - lower)
    return {"name": name, "lower": lower, "upper": upper, "material": True}


@st.composite
def studies(draw: Any) -> dict[str, Any]:
    star: dict[str, float] = {}
    variables: list[dict[str, Any]] = []
    mixtures: list[dict[str, Any]] = []

    # mass mixture A (e.g. wt %), optionally with a fixed component and a balance element
    n_a = draw(st.integers(2, 5))
    a_names = [f"a{i}" for i in range(n_a)]
    for name in a_names:
        variables.append(_amount(draw, name, (0.0, 0.0, 0.5, 2.0), (0.5, 60.0), star))
    if draw(st.booleans()):
        variables.append({"name": "impurity", "type": "fixed", "value": 0.02})
        star["impurity"] = 0.02
    balance_a = draw(st.sampled_from([None, a_names[-1]]))

    # count constraint on A's components that may be zero (never on the balance)
    zeroable = [v["name"] for v in variables if v.get("lower") == 0.0 and v["name"] != balance_a]
    counts = []
    if len(zeroable) >= 2 and draw(st.booleans()):
        keep = draw(st.integers(1, len(zeroable) - 1))
        for name in zeroable[keep:]:
            star[name] = 0.0
        nonzero = [star[n] for n in zeroable[:keep] if star[n] > 0]
        # below every kept amount of z*, so that the set around z* is not a single point
        min_amount = 0.5 * draw(_unit) * min(nonzero) if nonzero else 0.0
        counts.append({"components": zeroable, "max_nonzero": keep, "min_amount": min_amount})

    a_components = a_names + (["impurity"] if "impurity" in star else [])
    mixtures.append({"components": a_components, "total": sum(star[n] for n in a_components),
                     **({"balance": balance_a} if balance_a else {})})

    # volume mixture B (kg per m³ with densities and air), optionally with a balance
    if draw(st.booleans()):
        b_names = [f"b{i}" for i in range(draw(st.integers(2, 4)))]
        densities = {}
        for name in b_names:
            variables.append(_amount(draw, name, (0.0, 20.0, 50.0), (20.0, 800.0), star))
            densities[name] = draw(st.floats(700.0, 8000.0, allow_nan=False))
        if all(star[n] == 0.0 for n in b_names):  # an empty cubic metre is not a mix
            star[b_names[0]] = variables[-len(b_names)]["upper"]
        air = draw(st.sampled_from([0.0, 0.015, 0.04]))
        total = sum(star[n] / densities[n] for n in b_names) + air
        mixtures.append({"components": b_names, "basis": "volume", "densities": densities,
                         "air": air, "total": total,
                         **({"balance": b_names[0]} if draw(st.booleans()) else {})})

    # process settings: continuous, integer, categorical
    for i in range(draw(st.integers(0, 2))):
        variables.append(_amount(draw, f"p{i}", (-5.0, 100.0), (1.0, 200.0), star))
        variables[-1]["material"] = False
    for i in range(draw(st.integers(0, 2))):
        lower = draw(st.integers(-3, 10))
        upper = lower + draw(st.integers(0, 20))
        star[f"n{i}"] = float(draw(st.integers(lower, upper)))
        variables.append({"name": f"n{i}", "type": "integer", "lower": lower, "upper": upper})
    if draw(st.booleans()):
        choices = ["standard", "steam", "autoclave"][: draw(st.integers(1, 3))]
        variables.append({"name": "route", "type": "categorical", "choices": choices})

    ratios, linears = [], []
    if n_a >= 3:
        numerator, denominator = a_names[:1], a_names[1:3]
        den = sum(star[n] for n in denominator)
        if den > 0:
            value = star[numerator[0]] / den
            ratio: dict[str, Any] = {"numerator": numerator, "denominator": denominator,
                                     "max": value * (1 + draw(st.sampled_from([0.0, 0.1, 0.5])))}
            if draw(st.booleans()):
                ratio["min"] = value * (1 - draw(st.sampled_from([0.0, 0.2])))
                if ratio["min"] == ratio["max"] == 0.0:
                    ratio.pop("min")
            ratios.append(ratio)
    continuous = [v["name"] for v in variables if v.get("type", "continuous") == "continuous"]
    if draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(continuous), min_size=1, max_size=4, unique=True))
        coefficients = {n: draw(st.sampled_from([-1.0, 0.5, 1.0, 2.0])) for n in chosen}
        value = sum(c * star[n] for n, c in coefficients.items())
        slack = draw(st.sampled_from([0.0, 0.05, 1.0])) * (1 + abs(value))
        bound = {"max": value + slack} if draw(st.booleans()) else {"min": value - slack}
        linears.append({"coefficients": coefficients, **bound})

    data: dict[str, Any] = {
        "name": "random study",
        "variables": variables,
        "mixture": mixtures,
        "ratio": ratios,
        "linear": linears,
        "count": counts,
        "objectives": [{"target": "y1", "sense": "minimize"},
                       {"target": "y2", "sense": "maximize"}],
        "domain": {"mode": "explore"},
        "algorithm": {"population": 16, "generations": 4, "seed": draw(st.integers(0, 99))},
    }
    if draw(st.booleans()):
        values: dict[str, Any] = {n: v for n, v in star.items() if n != "impurity"}
        if "route" in {v["name"] for v in variables}:
            values["route"] = "standard"
        data["baseline"] = {"name": "z*", "values": values}
    return data


def _predictor(spec: StudySpec) -> GenericAnalyticPredictor:
    numeric = {v.name: (float(v.lower), float(v.upper)) for v in spec.variables
               if v.type in ("continuous", "integer")}
    categorical = {v.name: list(v.choices or []) for v in spec.variables
                   if v.type == "categorical"}
    return GenericAnalyticPredictor(numeric, categorical, ["y1", "y2"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(studies())
def test_every_returned_recipe_satisfies_every_constraint(data: dict[str, Any]) -> None:
    spec = StudySpec.from_dict(data)
    result = optimise(spec, _predictor(spec))
    assert len(result.pareto) > 0, result.message
    assert independent_violations(spec, result.pareto) == []
    assert result.max_constraint_violation <= 1e-9
