"""A study re-expressed in other units: a US engineer's lb/yd³, psi and °F study in the model's
stored kg/m³, MPa and °C before a run, or a stored study in display units to show it.

Everything written in a converted variable's unit follows it, so that exactly the same recipes
are allowed and preferred:

* bounds, fixed values, and the values of the baseline and seeds (an integer variable cannot
  change unit: a whole number of °F is not one of °C);
* ``[[linear]]`` coefficients and limits (offsets such as °F → °C shift the limits);
* ``[[ratio]]`` weights (the ratio itself keeps its value; offset units are refused);
* ``[[mixture]]`` totals on a mass basis, densities on a volume basis (densities are in the
  amounts' unit, so Σ amount / density, air and total are unchanged);
* ``[[count]]`` minimum amounts;
* ``[materials.X]`` prices and CO₂ factors, per unit of the amount's mass part (per lb for
  lb/yd³ amounts, per kg for kg/m³).

``[[constraints]]`` with a ``unit`` follow too: model outputs convert to the output's unit
(psi → MPa), interval widths scale only, cost and CO₂ limits ("USD/yd³", "lb CO₂e/yd³") convert
to what the converted study's cost and CO₂ are per (the basis of its amounts: "USD/m³" and
"kg CO₂e/m³" for kg/m³). A cost or CO₂ limit without a unit is per the basis of the amounts it
was written with, and follows them. Objectives are directions only and never change, nor
do ``[[relation]]`` entries (a ratio of two outputs in the same unit).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from engine.optimisation.study import (
    Count,
    Linear,
    Mixture,
    OutputConstraint,
    Ratio,
    Recipe,
    StudySpec,
    StudySpecError,
)

__all__ = ["study_in_units"]

Issues = list[tuple[str, str]]
_DIGITS: ContextVar[int] = ContextVar("study_unit_digits", default=12)
_CURRENCY_SIGNS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP"}
_CO2 = re.compile(r"co[2₂]\s*(?:-?\s*e(?:q)?\.?)?", re.IGNORECASE)


@dataclass(frozen=True)
class _Map:
    """A unit change: new = scale · old + offset."""

    scale: float
    offset: float
    unit: str

    def value(self, x: float) -> float:
        return _round(self.scale * x + self.offset)

    def difference(self, x: float) -> float:
        """A difference of two values (a step, a resolution): scaled, not offset."""
        return _round(abs(self.scale) * x)


_SAME = _Map(1.0, 0.0, "")


def study_in_units(spec: StudySpec, units: Mapping[str, str], *,
                   assumed: Mapping[str, str] | None = None, digits: int = 12) -> StudySpec:
    """A deep copy of ``spec`` with every variable and output constraint whose unit differs from
    ``units[name]`` re-expressed in that unit (and its ``unit`` set to it).

    Works in either direction: to a model's stored units before a run, or to display units to
    show a study. Variables and constraints without a unit, or whose name ``units`` lacks, stay
    as they are.

    Args:
        spec: the study (left unchanged).
        units: the unit of each variable and model output, by name (e.g. ``model_set.units``).
        assumed: the unit of variables and target constraints that name none (e.g. the stored
            units, to show a stored study in display units); by default they stay as written.
        digits: significant digits of converted figures. Showing a study in other units
            keeps 15, so that converting it back with 12 gives exactly the figures it came
            from (820 kg/m³, not 820.000000002).

    Raises:
        StudySpecError: units that are unknown or do not convert, and constraints that cannot
            follow a conversion; every problem with its TOML key path.
    """
    token = _DIGITS.set(digits)
    try:
        return _converted(spec, units, assumed or {})
    finally:
        _DIGITS.reset(token)


def _converted(spec: StudySpec, units: Mapping[str, str],
               assumed: Mapping[str, str]) -> StudySpec:
    out = spec.model_copy(deep=True)
    issues: Issues = []
    maps = _variable_maps(out, units, assumed, issues)
    if maps:
        _convert_recipes(out, maps)
        _convert_recipe_constraints(out, maps, issues)
        _convert_materials(spec, out, maps, issues)
    _convert_output_constraints(spec, out, units, assumed, issues)
    if issues:
        raise StudySpecError(issues)
    return out


# ------------------------------------------------------------------------------ variables


def _unit_map(source: str, target: str, path: str, what: str, issues: Issues) -> _Map | None:
    """The change from ``source`` to ``target``; None when they are the same unit (or fail)."""
    from engine.units import UnitError, conversion_factor, parse_unit

    if source.strip() == target.strip():
        return None
    try:
        if parse_unit(source) == parse_unit(target):
            return None
        scale, offset = conversion_factor(source, target)
    except UnitError as error:
        issues.append((path, f"cannot express {what} in {target}: {error}"))
        return None
    if scale == 1.0 and offset == 0.0:
        return None
    return _Map(scale, offset, target)


def _variable_maps(out: StudySpec, units: Mapping[str, str], assumed: Mapping[str, str],
                   issues: Issues) -> dict[str, _Map]:
    """Convert the variables of ``out`` in place; their unit changes by name."""
    maps = {}
    for i, variable in enumerate(out.variables):
        source = variable.unit or assumed.get(variable.name, "")
        target = units.get(variable.name, "")
        if not source or not target or variable.type == "categorical":
            continue
        found = _unit_map(source, target, f"variables[{i}].unit", repr(variable.name), issues)
        if found is None:
            continue
        if variable.type == "integer":
            issues.append((f"variables[{i}].unit",
                           f"{variable.name!r} is a whole number of {source}, which is not one "
                           f"of {target} (the model's unit): write it in {target}, or make it "
                           "continuous"))
            continue
        maps[variable.name] = found
        for key in ("lower", "upper", "value"):
            value = getattr(variable, key)
            if _is_number(value):
                setattr(variable, key, found.value(float(value)))
        if variable.resolution is not None:
            variable.resolution = found.difference(variable.resolution)
        variable.unit = found.unit
    return maps


def _convert_recipes(out: StudySpec, maps: Mapping[str, _Map]) -> None:
    recipes: list[Recipe] = [out.baseline] if out.baseline is not None else []
    for recipe in [*recipes, *out.seeds]:
        recipe.values = {
            name: maps[name].value(float(value)) if name in maps and _is_number(value)
            else value
            for name, value in recipe.values.items()
        }


# ---------------------------------------------------------------------------- constraints


def _convert_recipe_constraints(out: StudySpec, maps: Mapping[str, _Map],
                                issues: Issues) -> None:
    for linear in out.linear:
        _convert_linear(linear, out.variable_weights(linear.coefficients), maps)
    for i, ratio in enumerate(out.ratio):
        _convert_ratio(f"ratio[{i}]", ratio, out, maps, issues)
    for i, mixture in enumerate(out.mixture):
        _convert_mixture(f"mixture[{i}]", mixture, out.mixture_components(mixture), maps,
                         issues)
    for i, count in enumerate(out.count):
        _convert_count(f"count[{i}]", count, maps, issues)


def _common_scale(maps: Iterable[_Map]) -> float | None:
    """The scale every map shares, None when they differ."""
    scales = {m.scale for m in maps}
    return scales.pop() if len(scales) == 1 else None


def _convert_linear(linear: Linear, coefficients: Mapping[str, float],
                    maps: Mapping[str, _Map]) -> None:
    """Σ c·x in [min, max] with x = (x' − offset)/scale: Σ (c/scale)·x' − Σ c·offset/scale.

    ``coefficients``: per variable (material contents resolved). Multiplied through by the
    common scale when all terms share one, so that coefficients stay as written (a binder
    minimum of 1·cement + 1·slag keeps its coefficients of 1, an alkali limit its contents)."""
    terms = {name: maps.get(name, _SAME) for name in coefficients}
    if all(m is _SAME for m in terms.values()):
        return
    common = _common_scale(terms.values())
    k = common or 1.0
    shift = sum(c * terms[name].offset / terms[name].scale for name, c in coefficients.items())
    if common is None:  # each term rescaled: contents resolved into per-variable weights
        linear.coefficients = {name: _times(c, k / terms[name].scale)
                               for name, c in coefficients.items()}
    for key in ("min", "max", "equal"):
        value = getattr(linear, key)
        if value is not None:
            setattr(linear, key, _times(value + shift, k) if shift else _times(value, k))


def _convert_ratio(path: str, ratio: Ratio, spec: StudySpec, maps: Mapping[str, _Map],
                   issues: Issues) -> None:
    """Weights w → w/scale keep the ratio's value; kept as written when all share a scale
    (else material contents are resolved into per-variable weights first)."""
    sides = {"numerator": spec.variable_weights(ratio.numerator),
             "denominator": spec.variable_weights(ratio.denominator)}
    terms = [maps.get(name, _SAME) for weights in sides.values() for name in weights]
    for side, weights in sides.items():
        for name in weights:
            if maps.get(name, _SAME).offset:
                issues.append((f"{path}.{side}.{name}", f"{name!r} is in "
                               f"{maps[name].unit}, a unit with an offset: a ratio needs amounts "
                               "that scale (write the study in that unit)"))
    if _common_scale(terms) is not None:
        return
    ratio.numerator = {n: _times(w, 1.0 / maps.get(n, _SAME).scale)
                       for n, w in sides["numerator"].items()}
    ratio.denominator = {n: _times(w, 1.0 / maps.get(n, _SAME).scale)
                         for n, w in sides["denominator"].items()}


def _convert_mixture(path: str, mixture: Mixture, names: list[str], maps: Mapping[str, _Map],
                     issues: Issues) -> None:
    """Mass basis: the total takes the components' common scale. Volume basis: each density
    takes its component's scale, so Σ amount / density is unchanged."""
    terms = {name: maps.get(name, _SAME) for name in names}
    if all(m is _SAME for m in terms.values()):
        return
    if any(m.offset for m in terms.values()):
        issues.append((f"{path}.components", "a component is in a unit with an offset: "
                       "a mixture needs amounts that scale"))
        return
    if mixture.basis == "volume":
        if mixture.densities is not None:
            mixture.densities = {name: _times(density, terms.get(name, _SAME).scale)
                                 for name, density in mixture.densities.items()}
        return
    scale = _common_scale(terms.values())
    if scale is None:
        issues.append((f"{path}.components", _mixed_units(terms)))
    elif mixture.total is not None:
        mixture.total = _times(mixture.total, scale)


def _convert_count(path: str, count: Count, maps: Mapping[str, _Map], issues: Issues) -> None:
    terms = {name: maps.get(name, _SAME) for name in count.components}
    if any(m.offset for m in terms.values()):
        issues.append((f"{path}.components", "a component is in a unit with an offset: "
                       "zero would change meaning"))
        return
    scale = _common_scale(terms.values())
    if scale is None and count.min_amount:
        issues.append((f"{path}.min_amount", _mixed_units(terms)))
    elif scale is not None:
        count.min_amount = _times(count.min_amount, scale)


def _mixed_units(terms: Mapping[str, _Map]) -> str:
    factors = ", ".join(f"{name} × {m.scale:.6g}" for name, m in terms.items())
    return (f"its components convert by different factors ({factors}): write them in one unit "
            "so that its figures convert with them")


def _convert_materials(spec: StudySpec, out: StudySpec, maps: Mapping[str, _Map],
                       issues: Issues) -> None:
    """Prices and CO₂ per unit of the amount's mass part: per lb → per kg × (lb per kg)."""
    from engine.optimisation.materials import amount_mass_unit
    from engine.units import UnitError, conversion_factor

    for name, factors in out.materials.items():
        if name not in maps or (factors.price is None and factors.co2 is None):
            continue
        source = _written_unit(spec, name)
        old, new = amount_mass_unit(source), amount_mass_unit(maps[name].unit)
        try:
            if old is None or new is None:
                raise UnitError("they name no mass part")
            scale = conversion_factor(new, old)[0]  # one new mass unit in old ones
        except UnitError as error:
            issues.append((f"materials.{name}", f"cannot convert its price and CO₂ per unit of "
                           f"{source} to per unit of {maps[name].unit}: {error}"))
            continue
        for key in ("price", "co2"):
            value = getattr(factors, key)
            if value is not None:
                setattr(factors, key, _times(value, scale))


def _written_unit(spec: StudySpec, name: str) -> str:
    try:
        return spec.variable(name).unit
    except KeyError:
        return ""


# ------------------------------------------------------------------------ output limits


def _convert_output_constraints(spec: StudySpec, out: StudySpec, units: Mapping[str, str],
                                assumed: Mapping[str, str], issues: Issues) -> None:
    bases = (_basis(spec, units, assumed), _basis(out, units, {}))
    unit_problems = bool(issues)  # they may hide the basis: no second problem for that
    for i, constraint in enumerate(out.constraints):
        path = f"constraints[{i}]"
        if constraint.kind not in ("cost", "co2"):
            _convert_output(path, constraint, units, assumed, issues)
        elif bases[1] or not unit_problems:
            _convert_cost(path, constraint, out.currency, bases, issues)


def _convert_output(path: str, constraint: OutputConstraint, units: Mapping[str, str],
                    assumed: Mapping[str, str], issues: Issues) -> None:
    """A model output's limits in its unit; an interval width (uncertainty) scales only."""
    target = str(constraint.target or "")
    source = constraint.unit or assumed.get(target, "")
    found = None
    if source and units.get(target):
        found = _unit_map(source, units[target], f"{path}.unit", repr(target), issues)
    if found is None:
        return
    if constraint.kind == "uncertainty":
        found = _Map(found.scale, 0.0, found.unit)
    for key in ("min", "max"):
        value = getattr(constraint, key)
        if value is not None:
            setattr(constraint, key, found.value(value))
    constraint.unit = found.unit


def _basis(spec: StudySpec, units: Mapping[str, str], assumed: Mapping[str, str]) -> str:
    """What the study's cost and CO₂ are per: the basis of its material amounts ("m³")."""
    from engine.optimisation.materials import amount_unit_text, product_basis

    written = [v.unit or assumed.get(v.name) or units.get(v.name, "")
               for v in spec.variables if v.material]
    return product_basis(amount_unit_text(u) for u in written)


def _convert_cost(path: str, constraint: OutputConstraint, currency: str,
                  bases: tuple[str, str], issues: Issues) -> None:
    """Cost and CO₂ limits per the converted study's basis; without a unit they are per the
    basis the study was written in."""
    from engine.display_units import DisplayUnits, per_basis_factor
    from engine.units import UnitError, conversion_factor

    source, target = bases
    try:
        if constraint.unit:
            mass_scale, source = _limit_unit(constraint, currency)
        elif source and target and source != target:
            mass_scale = 1.0
        else:
            return
        if not target:
            raise UnitError("the study's material amounts do not say what cost and CO₂ are "
                            "per (mixed units, or none)")
        scale = mass_scale * per_basis_factor(source, target)
    except UnitError as error:
        issues.append((f"{path}.unit", str(error)))
        return
    if constraint.kind == "cost":
        constraint.unit = DisplayUnits("SI").cost_unit(currency, target)
    else:  # per yd³ in lb CO₂e, as US results show it
        mass = "lb" if target == "yd³" else "kg"
        scale *= conversion_factor("kg", mass)[0]
        constraint.unit = f"{mass} CO₂e/{target}" if target else f"{mass} CO₂e"
    for key in ("min", "max"):
        value = getattr(constraint, key)
        if value is not None:
            setattr(constraint, key, _times(value, scale))


def _limit_unit(constraint: OutputConstraint, currency: str) -> tuple[float, str]:
    """(scale of the numerator to the study's currency or kg CO₂e, basis) of a cost unit such
    as "USD/yd³" or a CO₂ unit such as "lb CO₂e/yd³".

    Raises:
        UnitError: not of that form, another currency, or an unknown unit.
    """
    from engine.units import UnitError, conversion_factor

    text = str(constraint.unit)
    numerator, slash, basis = text.partition("/")
    if not slash or not basis.strip():
        example = "USD/yd³" if constraint.kind == "cost" else "lb CO₂e/yd³"
        raise UnitError(f"'{text}' names no basis: write e.g. '{example}'")
    if constraint.kind == "cost":
        if _currency_code(numerator) != _currency_code(currency):
            raise UnitError(f"'{text}' is in {numerator.strip() or 'no currency'} but the "
                            f"study's currency is {currency}: set currency = "
                            f"\"{numerator.strip()}\" or convert the limit")
        return 1.0, basis.strip()
    mass = _CO2.sub("", numerator).strip()
    if not mass:
        raise UnitError(f"'{text}' names no mass of CO₂e: write e.g. 'kg CO₂e/m³'")
    return conversion_factor(mass, "kg")[0], basis.strip()


def _currency_code(text: str) -> str:
    """"$" → "USD", "€" → "EUR", "usd" → "USD": currencies as compared."""
    text = text.strip()
    return _CURRENCY_SIGNS.get(text, text).upper()


def _times(x: float, factor: float) -> float:
    """``x · factor``, rounded as :func:`_round`; ``x`` itself for a factor of 1."""
    return x if factor == 1.0 else _round(x * factor)


def _round(x: float) -> float:
    """``x`` to the significant digits of the conversion under way (see
    :func:`study_in_units`): conversion noise (145.00000000000003 kg/m³ from lb/yd³) would make
    a run differ from the same study written in metric units."""
    return float(f"{x:.{_DIGITS.get()}g}") if math.isfinite(x) else x


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and \
        math.isfinite(float(value))
