"""Semantic checks of a study spec; every issue names its TOML key path."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.optimisation.study import (
        Count,
        Linear,
        Mixture,
        Objective,
        OutputConstraint,
        Ratio,
        Recipe,
        Relation,
        StudySpec,
        Variable,
    )

Issues = list[tuple[str, str]]
NUMERIC = ("continuous", "integer", "fixed")


def study_issues(spec: StudySpec) -> Issues:
    """All semantic problems of ``spec`` as ``(key_path, reason)``."""
    issues: Issues = []
    by_name = _variables(spec, issues)
    balances = _mixtures(spec, by_name, issues)
    for i, linear in enumerate(spec.linear):
        _linear(f"linear[{i}]", linear, spec, by_name, issues)
    for i, ratio in enumerate(spec.ratio):
        _ratio(f"ratio[{i}]", ratio, spec, by_name, issues)
    for i, count in enumerate(spec.count):
        _count(f"count[{i}]", count, by_name, balances, issues)
    if not spec.objectives:
        issues.append(("objectives", "at least one [[objectives]] entry is needed"))
    for i, objective in enumerate(spec.objectives):
        _objective(f"objectives[{i}]", objective, spec, issues)
    _unique_labels(spec, issues)
    for i, constraint in enumerate(spec.constraints):
        _output_constraint(f"constraints[{i}]", constraint, spec, issues)
    for i, relation in enumerate(spec.relation):
        _relation(f"relation[{i}]", relation, issues)
    _algorithm(spec, issues)
    if spec.baseline is not None:
        _recipe("baseline", spec.baseline, by_name, balances, issues)
    for i, recipe in enumerate(spec.seeds):
        _recipe(f"seeds[{i}]", recipe, by_name, balances, issues)
    for name, factors in spec.materials.items():
        path = f"materials.{name}"
        variable = by_name.get(name)
        if variable is None:
            issues.append((path, f"{name!r} is not a study variable"))
        elif not variable.material:
            issues.append((path, f"{name!r} is not marked material = true"))
        for key in ("price", "co2"):
            value = getattr(factors, key)
            if value is not None and not math.isfinite(value):
                issues.append((f"{path}.{key}", "must be a finite number"))
        for content, value in factors.content.items():
            if not math.isfinite(value):
                issues.append((f"{path}.content.{content}", "must be a finite number"))
            if content in by_name:
                issues.append((f"{path}.content.{content}", f"{content!r} is also a variable: "
                               "name the content differently"))
    return issues


def bounds_of(variable: Variable) -> tuple[float, float]:
    """Numeric bounds of a variable (integers tightened to whole numbers, fixed: value)."""
    if variable.type == "fixed":
        value = float(variable.value)  # type: ignore[arg-type]
        return value, value
    lower, upper = float(variable.lower), float(variable.upper)  # type: ignore[arg-type]
    if variable.type == "integer":
        return float(math.ceil(lower)), float(math.floor(upper))
    return lower, upper


def _variables(spec: StudySpec, issues: Issues) -> dict[str, Variable]:
    counts = Counter(v.name for v in spec.variables)
    if not spec.variables:
        issues.append(("variables", "at least one [[variables]] entry is needed"))
    for i, variable in enumerate(spec.variables):
        path, who = f"variables[{i}]", f"variable {variable.name!r}"
        if not variable.name.strip():
            issues.append((f"{path}.name", "must not be empty"))
        if counts[variable.name] > 1:
            issues.append((f"{path}.name", f"{variable.name!r} is defined more than once"))
        _variable(path, who, variable, issues)
    return {v.name: v for v in spec.variables}


def _variable(path: str, who: str, variable: Variable, issues: Issues) -> None:
    kind = variable.type
    unexpected = {
        "continuous": ("choices", "value"),
        "integer": ("choices", "value"),
        "categorical": ("lower", "upper", "value", "resolution"),
        "fixed": ("lower", "upper", "choices", "resolution"),
    }[kind]
    for key in unexpected:
        if getattr(variable, key) is not None:
            issues.append((f"{path}.{key}", f"{who}: not used by type = {kind!r}"))
    if kind in ("continuous", "integer"):
        for key in ("lower", "upper"):
            value = getattr(variable, key)
            if value is None:
                issues.append((f"{path}.{key}", f"{who}: required for type = {kind!r}"))
            elif not math.isfinite(value):
                issues.append((f"{path}.{key}", f"{who}: must be finite"))
        if variable.lower is not None and variable.upper is not None:
            if variable.lower > variable.upper:
                issues.append((f"{path}.upper", f"{who}: upper ({variable.upper:g}) is below "
                               f"lower ({variable.lower:g})"))
            elif kind == "integer" and math.ceil(variable.lower) > math.floor(variable.upper):
                issues.append((f"{path}.upper", f"{who}: no whole number between lower and "
                               "upper"))
        resolution = variable.resolution
        if resolution is not None and not (math.isfinite(resolution) and resolution > 0):
            issues.append((f"{path}.resolution", f"{who}: must be a positive amount "
                           f"(got {resolution:g})"))
    elif kind == "categorical":
        choices = variable.choices or []
        if not choices:
            issues.append((f"{path}.choices", f"{who}: at least one choice is needed"))
        elif len(set(choices)) < len(choices):
            issues.append((f"{path}.choices", f"{who}: choices repeat"))
    elif variable.value is None:
        issues.append((f"{path}.value", f"{who}: required for type = 'fixed'"))
    elif isinstance(variable.value, float) and not math.isfinite(variable.value):
        issues.append((f"{path}.value", f"{who}: must be finite"))
    if variable.material and not _numeric(variable):
        issues.append((f"{path}.material", f"{who}: only numeric variables can be materials"))


def _numeric(variable: Variable) -> bool:
    return variable.type in ("continuous", "integer") or (
        variable.type == "fixed" and isinstance(variable.value, float)
    )


def _numeric_ref(path: str, name: str, by_name: dict[str, Variable], issues: Issues) -> bool:
    variable = by_name.get(name)
    if variable is None:
        issues.append((path, f"{name!r} is not a study variable"))
        return False
    if not _numeric(variable) or variable.type == "categorical":
        issues.append((path, f"{name!r} is not numeric (type = {variable.type!r})"))
        return False
    return True


def _usable(variable: Variable) -> bool:
    """Whether a numeric variable's bounds were valid (to avoid follow-up errors)."""
    if variable.type == "fixed":
        return isinstance(variable.value, float) and math.isfinite(variable.value)
    if variable.lower is None or variable.upper is None:
        return False
    lower, upper = bounds_of(variable)
    return math.isfinite(lower) and math.isfinite(upper) and lower <= upper


def _mixtures(spec: StudySpec, by_name: dict[str, Variable], issues: Issues) -> set[str]:
    balances: set[str] = set()
    in_equalities: Counter[str] = Counter()
    for i, mixture in enumerate(spec.mixture):
        path = f"mixture[{i}]"
        names = spec.mixture_components(mixture)
        in_equalities.update(set(names))
        _mixture(path, mixture, names, spec, by_name, issues)
        if mixture.balance:
            if mixture.balance in balances:
                issues.append((f"{path}.balance", f"{mixture.balance!r} is already the balance "
                               "of another mixture"))
            balances.add(mixture.balance)
    for linear in spec.linear:
        if linear.equal is not None:
            in_equalities.update(spec.variable_weights(linear.coefficients))
    for i, mixture in enumerate(spec.mixture):
        if mixture.balance and in_equalities[mixture.balance] > 1:
            issues.append((f"mixture[{i}].balance", f"{mixture.balance!r} takes part in another "
                           "mixture or equality; a balance must belong to one only"))
    return balances


def _mixture(path: str, mixture: Mixture, names: list[str], spec: StudySpec,
             by_name: dict[str, Variable], issues: Issues) -> None:
    if len(names) < 2:
        issues.append((f"{path}.components", "a mixture needs at least two components"))
    if len(set(mixture.components)) < len(mixture.components):
        issues.append((f"{path}.components", "components repeat"))
    ok = all(
        _numeric_ref(f"{path}.components[{j}]", name, by_name, issues)
        for j, name in enumerate(mixture.components)
    )
    if mixture.balance is not None:
        variable = by_name.get(mixture.balance)
        if variable is None:
            issues.append((f"{path}.balance", f"{mixture.balance!r} is not a study variable"))
            ok = False
        elif variable.type != "continuous":
            issues.append((f"{path}.balance", f"balance {mixture.balance!r} must be continuous"))
            ok = False
    total = spec.mixture_total(mixture)
    if not math.isfinite(total):
        issues.append((f"{path}.total", "required (and finite) on a mass basis"))
        ok = False
    if mixture.basis == "mass":
        for key in ("densities", "specific_gravities"):
            if getattr(mixture, key) is not None:
                issues.append((f"{path}.{key}", "only used with basis = 'volume'"))
        if mixture.air != 0.0:
            issues.append((f"{path}.air", "only used with basis = 'volume'"))
        weights: dict[str, float] | None = {name: 1.0 for name in names}
    else:
        weights = _volume_weights(path, mixture, names, spec, issues)
        ok = ok and weights is not None
        if not 0.0 <= mixture.air < total:
            issues.append((f"{path}.air", f"must be in [0, total) (got {mixture.air:g})"))
            ok = False
    if ok and weights is not None and all(_usable(by_name[n]) for n in names):
        target = total - mixture.air
        low, high = _range(weights, by_name)
        unit = "m³" if mixture.basis == "volume" else ""
        if target < low - 1e-12 * abs(target) or target > high + 1e-12 * abs(target):
            issues.append((f"{path}.total", f"cannot be reached within the variable bounds: "
                           f"the components span {low:.6g}…{high:.6g}{unit}, need {target:.6g}"))


def _volume_weights(path: str, mixture: Mixture, names: list[str], spec: StudySpec,
                    issues: Issues) -> dict[str, float] | None:
    """1/density of each component (:meth:`StudySpec.mixture_weight`), from its density or
    its specific gravity."""
    from engine.units import UnitError

    densities = mixture.densities or {}
    gravities = mixture.specific_gravities or {}
    weights = {}
    for name in names:
        key, value = (("densities", densities.get(name)) if name in densities
                      else ("specific_gravities", gravities.get(name)))
        if name in densities and name in gravities:
            issues.append((f"{path}.specific_gravities.{name}",
                           f"{name!r} also has a density: give one of them"))
        elif value is None:
            given = "specific_gravities" if gravities and not densities else "densities"
            issues.append((f"{path}.{given}",
                           f"no density (kg/m³) or specific gravity for {name!r}"))
        elif not (math.isfinite(value) and value > 0):
            issues.append((f"{path}.{key}.{name}", "must be a positive number"))
        else:
            try:
                weights[name] = spec.mixture_weight(mixture, name)
            except KeyError:  # not a study variable: reported with the components
                continue
            except UnitError:
                issues.append((f"{path}.specific_gravities.{name}",
                               f"a specific gravity needs amounts per volume (kg/m³, lb/yd³); "
                               f"{name!r} is in {spec.variable(name).unit}"))
    for key, table in (("densities", densities), ("specific_gravities", gravities)):
        for name in table:
            if name not in names:
                issues.append((f"{path}.{key}.{name}", f"{name!r} is not a component"))
    return weights if len(weights) == len(names) else None


def _range(weights: dict[str, float], by_name: dict[str, Variable]) -> tuple[float, float]:
    low = high = 0.0
    for name, weight in weights.items():
        lower, upper = bounds_of(by_name[name])
        low += min(weight * lower, weight * upper)
        high += max(weight * lower, weight * upper)
    return low, high


def _weight_ref(path: str, name: str, spec: StudySpec, by_name: dict[str, Variable],
                issues: Issues) -> bool:
    """A ratio side or linear sum names a numeric variable, or a content every material
    declares."""
    if name in by_name:
        return _numeric_ref(path, name, by_name, issues)
    if name not in spec.content_names:
        issues.append((path, f"{name!r} is not a study variable or a material content"))
        return False
    declared = {material: factors.content for material, factors in spec.materials.items()}
    lacking = [v.name for v in spec.variables
               if v.material and name not in declared.get(v.name, {})]
    for material in lacking:
        issues.append((f"materials.{material}.content", f"{material!r} does not say how much "
                       f"{name!r} it contains ({path} uses it): give it, 0 if none"))
    return not lacking


def _linear(path: str, linear: Linear, spec: StudySpec, by_name: dict[str, Variable],
            issues: Issues) -> None:
    if not linear.coefficients:
        issues.append((f"{path}.coefficients", "at least one coefficient is needed"))
    ok = True
    for name, coefficient in linear.coefficients.items():
        ok = _weight_ref(f"{path}.coefficients.{name}", name, spec, by_name, issues) and ok
        if not math.isfinite(coefficient):
            issues.append((f"{path}.coefficients.{name}", "must be finite"))
            ok = False
    given = [key for key in ("min", "max", "equal") if getattr(linear, key) is not None]
    if not given:
        issues.append((path, "give min, max or equal"))
        return
    if linear.equal is not None and len(given) > 1:
        issues.append((f"{path}.equal", "use either equal or min/max"))
    for key in given:
        if not math.isfinite(getattr(linear, key)):
            issues.append((f"{path}.{key}", "must be finite"))
            ok = False
    if linear.min is not None and linear.max is not None and linear.min > linear.max:
        issues.append((f"{path}.max", f"max ({linear.max:g}) is below min ({linear.min:g})"))
    weights = spec.variable_weights(linear.coefficients) if ok else {}
    if ok and all(_usable(by_name[n]) for n in weights):
        low, high = _range(weights, by_name)
        need_low = linear.equal if linear.equal is not None else linear.min
        need_high = linear.equal if linear.equal is not None else linear.max
        if need_high is not None and low > need_high + 1e-12 * max(1.0, abs(need_high)):
            issues.append((path, f"cannot hold within the variable bounds (smallest possible "
                           f"value {low:.6g} > {need_high:.6g})"))
        if need_low is not None and high < need_low - 1e-12 * max(1.0, abs(need_low)):
            issues.append((path, f"cannot hold within the variable bounds (largest possible "
                           f"value {high:.6g} < {need_low:.6g})"))


def _ratio(path: str, ratio: Ratio, spec: StudySpec, by_name: dict[str, Variable],
           issues: Issues) -> None:
    for key in ("numerator", "denominator"):
        weights = getattr(ratio, key)
        if not weights:
            issues.append((f"{path}.{key}", "at least one variable is needed"))
        known = True
        for name, weight in weights.items():
            known = _weight_ref(f"{path}.{key}.{name}", name, spec, by_name, issues) and known
            if not (math.isfinite(weight) and weight > 0):
                issues.append((f"{path}.{key}.{name}", "weights must be positive"))
        resolved = spec.variable_weights(weights).values() if known else ()
        if any(w < 0 for w in resolved) or (resolved and not any(w > 0 for w in resolved)):
            issues.append((f"{path}.{key}", "the materials' contents make its weights negative "
                           "or all 0"))
    if ratio.min is None and ratio.max is None:
        issues.append((path, "give min and/or max"))
    for key in ("min", "max"):
        value = getattr(ratio, key)
        if value is not None and not (math.isfinite(value) and value >= 0):
            issues.append((f"{path}.{key}", "must be a non-negative number"))
    if ratio.min is not None and ratio.max is not None and ratio.min > ratio.max:
        issues.append((f"{path}.max", f"max ({ratio.max:g}) is below min ({ratio.min:g})"))


def _count(path: str, count: Count, by_name: dict[str, Variable], balances: set[str],
           issues: Issues) -> None:
    if len(set(count.components)) < len(count.components):
        issues.append((f"{path}.components", "components repeat"))
    if count.max_nonzero < 0:
        issues.append((f"{path}.max_nonzero", "must be ≥ 0"))
    if not (math.isfinite(count.min_amount) and count.min_amount >= 0):
        issues.append((f"{path}.min_amount", "must be ≥ 0"))
    forced = []
    for j, name in enumerate(count.components):
        where = f"{path}.components[{j}]"
        variable = by_name.get(name)
        if variable is None:
            issues.append((where, f"{name!r} is not a study variable"))
        elif variable.type != "continuous" or name in balances:
            issues.append((where, f"{name!r} must be a continuous decision variable "
                           "(not fixed, integer, categorical or a balance)"))
        elif _usable(variable):
            lower, upper = bounds_of(variable)
            if lower < 0:
                issues.append((where, f"{name!r} has a negative lower bound"))
            elif lower > 0:
                forced.append(name)
                if upper < count.min_amount:
                    issues.append((where, f"{name!r} is always present but cannot reach "
                                   f"min_amount {count.min_amount:g}"))
    if len(forced) > count.max_nonzero:
        issues.append((f"{path}.max_nonzero", f"{len(forced)} components have lower > 0 and "
                       f"are always present ({', '.join(forced)})"))


def _statistic_issues(path: str, item: Objective | OutputConstraint, issues: Issues) -> None:
    if item.coverage is not None and not 0.0 < item.coverage < 1.0:
        issues.append((f"{path}.coverage", "must be in (0, 1)"))
    if item.quantile is not None:
        if not 0.0 < item.quantile < 1.0 or item.quantile == 0.5:
            issues.append((f"{path}.quantile", "must be in (0, 1) and not 0.5 (use the mean)"))
        if item.coverage is not None:
            issues.append((f"{path}.quantile", "give quantile or coverage, not both"))
        wanted = "lower" if item.quantile < 0.5 else "upper"
        if item.statistic not in ("mean", wanted):
            issues.append((f"{path}.statistic", f"quantile {item.quantile:g} is an {wanted} "
                           "bound"))
    if item.kind == "target":
        if not item.target:
            issues.append((f"{path}.target", "required: the model output to use"))
    elif item.kind == "uncertainty":
        if not item.target:
            issues.append((f"{path}.target", "required: whose interval width"))
    else:
        for key in ("target", "quantile", "coverage"):
            if getattr(item, key) is not None:
                issues.append((f"{path}.{key}", f"not used with kind = {item.kind!r}"))


def _objective(path: str, objective: Objective, spec: StudySpec, issues: Issues) -> None:
    _statistic_issues(path, objective, issues)
    if objective.kind == "target" and objective.sense is None:
        issues.append((f"{path}.sense", "required: 'maximize' or 'minimize'"))
    if objective.kind in ("cost", "co2") and not any(v.material for v in spec.variables):
        issues.append((f"{path}.kind", "no variable is marked material = true"))


def _output_constraint(path: str, constraint: OutputConstraint, spec: StudySpec,
                       issues: Issues) -> None:
    _statistic_issues(path, constraint, issues)
    if constraint.min is None and constraint.max is None:
        issues.append((path, "give min and/or max"))
    for key in ("min", "max"):
        value = getattr(constraint, key)
        if value is not None and not math.isfinite(value):
            issues.append((f"{path}.{key}", "must be finite"))
    if (constraint.min is not None and constraint.max is not None
            and constraint.min > constraint.max):
        issues.append((f"{path}.max", f"max ({constraint.max:g}) is below min "
                       f"({constraint.min:g})"))
    if constraint.kind in ("cost", "co2") and not any(v.material for v in spec.variables):
        issues.append((f"{path}.kind", "no variable is marked material = true"))


def _relation(path: str, relation: Relation, issues: Issues) -> None:
    for key in ("lower", "upper"):
        if not getattr(relation, key).strip():
            issues.append((f"{path}.{key}", "must name a model output"))
    if relation.lower.strip() and relation.lower == relation.upper:
        issues.append((f"{path}.upper", f"the same output as lower ({relation.lower!r}): name "
                       "two different model outputs"))
    ratio = relation.max_ratio
    if not (math.isfinite(ratio) and ratio > 0):
        issues.append((f"{path}.max_ratio", f"must be a positive number (got {ratio:g})"))


def relation_output_issues(spec: StudySpec, outputs: Sequence[str]) -> Issues:
    """Each ``[[relation]]`` output the models do not predict, as ``(key_path, reason)``."""
    known = ", ".join(map(repr, outputs)) or "nothing"
    issues: Issues = []
    for i, relation in enumerate(spec.relation):
        for key in ("lower", "upper"):
            name = getattr(relation, key)
            if name not in outputs:
                issues.append((f"relation[{i}].{key}", f"{name!r} is not an output of the "
                               f"models; they predict {known}"))
    return issues


def _unique_labels(spec: StudySpec, issues: Issues) -> None:
    from engine.optimisation.study import objective_label

    seen: dict[str, int] = {}
    for i, objective in enumerate(spec.objectives):
        label = objective_label(objective)
        if label in seen:
            issues.append((f"objectives[{i}]", f"same objective as objectives[{seen[label]}] "
                           f"({label!r}); give a distinct name"))
        seen[label] = i


def _algorithm(spec: StudySpec, issues: Issues) -> None:
    algorithm = spec.algorithm
    if algorithm.population < 4:
        issues.append(("algorithm.population", "must be at least 4"))
    if algorithm.generations < 1:
        issues.append(("algorithm.generations", "must be at least 1"))
    if algorithm.seed is not None and not 0 <= algorithm.seed < 2**32:
        issues.append(("algorithm.seed", "must be in [0, 2³²)"))
    names = {recipe.name for recipe in spec.seeds}
    if spec.baseline is not None:
        names |= {spec.baseline.name, "baseline"}
    for j, name in enumerate(algorithm.seed_recipes or []):
        if name.lower().endswith(".csv"):
            if spec.source_dir is not None:
                path = Path(name) if Path(name).is_absolute() else spec.source_dir / name
                if not path.is_file():
                    issues.append((f"algorithm.seed_recipes[{j}]", f"file not found: {path}"))
        elif name not in names:
            issues.append((f"algorithm.seed_recipes[{j}]", f"no [baseline] or [[seeds]] recipe "
                           f"named {name!r}"))
    seed_names = Counter(recipe.name for recipe in spec.seeds)
    for i, recipe in enumerate(spec.seeds):
        if seed_names[recipe.name] > 1:
            issues.append((f"seeds[{i}].name", f"{recipe.name!r} is used more than once"))


def _recipe(path: str, recipe: Recipe, by_name: dict[str, Variable], balances: set[str],
            issues: Issues) -> None:
    for name, value in recipe.values.items():
        where = f"{path}.values.{name}"
        variable = by_name.get(name)
        if variable is None:
            issues.append((where, f"{name!r} is not a study variable"))
        elif variable.type == "categorical":
            if value not in (variable.choices or []):
                issues.append((where, f"{value!r} is not one of {variable.choices}"))
        elif variable.type == "fixed" and not isinstance(variable.value, float):
            if value != variable.value:
                issues.append((where, f"fixed at {variable.value!r}"))
        elif not isinstance(value, float) or not math.isfinite(value):
            issues.append((where, f"must be a number (got {value!r})"))
    for name, variable in by_name.items():
        needed = variable.type in ("continuous", "integer", "categorical")
        if needed and name not in balances and name not in recipe.values:
            issues.append((f"{path}.values", f"no value for {name!r}"))
