"""One pint unit registry for the whole application, and the unit helpers built on it.

Unit strings are stored in their **short display form** (``display_unit``): "kg/m³", "MPa",
"°C", "mL/kg", "wt%", "d". Every such string parses back with ``parse_unit`` to the same unit,
so the stored form is also the form shown to users. Canonical units (``canonical_unit``) are
the ones the canonical frames of ``engine.schema`` hold.

Mass and atomic fractions (``wt%``, ``at%``) get dimensions of their own so that pint refuses
to convert one into the other silently: that needs the whole composition
(``wt_to_at_percent``). Plain ``%`` stays dimensionless.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import TYPE_CHECKING

import numpy as np
import pint

from engine.atomic_weights import ATOMIC_WEIGHTS

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "UnitError",
    "at_to_wt_percent",
    "canonical_unit",
    "convert_array",
    "display_unit",
    "display_unit_or_text",
    "fluid_ounces",
    "parse_unit",
    "registry",
    "wt_to_at_percent",
]

# Definitions added to pint's defaults; "cwt" (100 lb) is already there in current pint and
# is added only when absent.
_DEFINITIONS = (
    "wt_fraction = [mass_fraction]",
    "wt_percent = 0.01 * wt_fraction = wt_pct",
    "wt_ppm = 1e-6 * wt_fraction",
    "at_fraction = [amount_fraction]",
    "at_percent = 0.01 * at_fraction = at_pct",
    "at_ppm = 1e-6 * at_fraction",
    # US admixture dosage: fluid ounces per hundredweight (100 lb) of binder.
    "oz_per_cwt = fluid_ounce / hundredweight = ozcwt",
    # European admixture dosage per 100 kg of binder.
    "ml_per_100kg = 0.01 * milliliter / kilogram",
    "l_per_100kg = 10 * milliliter / kilogram",
    "pcy = pound / yard ** 3",
    # Reactive power and energy are reported in var / varh; numerically like W / Wh.
    "volt_ampere_reactive = volt * ampere = var = VAr = Var",
    "var_hour = var * hour = varh = VArh = Varh",
    # Engineering rpm counts revolutions: 1 Hz = 60 rpm (pint's own rpm includes 2π).
    "revolutions_per_minute = 1 / minute = rpm",
    # Emission masses in plant logs ("tCO2", "kgCO2"): a mass of CO₂.
    "tonne_co2 = metric_ton = tCO2 = tCO2e",
    "kg_co2 = kilogram = kgCO2 = kgCO2e",
)

# Whole-string aliases, matched case-insensitively after whitespace is removed.
_ALIASES = {
    "%": "percent", "pct": "percent", "percent": "percent",
    "wt%": "wt_percent", "wt.%": "wt_percent", "%wt": "wt_percent", "mass%": "wt_percent",
    "%mass": "wt_percent", "m%": "wt_percent", "wtpct": "wt_percent", "wt_percent": "wt_percent",
    "at%": "at_percent", "at.%": "at_percent", "%at": "at_percent", "atpct": "at_percent",
    "at_percent": "at_percent", "ppm(wt)": "wt_ppm", "wtppm": "wt_ppm",
    "oz/cwt": "oz_per_cwt", "floz/cwt": "oz_per_cwt", "fl.oz/cwt": "oz_per_cwt",
    "fl.oz./cwt": "oz_per_cwt", "oz/100lb": "oz_per_cwt", "floz/100lb": "oz_per_cwt",
    "ml/100kg": "ml_per_100kg", "l/100kg": "l_per_100kg",
    # An admixture dose in % of the binder (cement) mass: a plain % of an admixture amount.
    "%ofbinder": "percent", "%binder": "percent", "%bwc": "percent", "%bwoc": "percent",
    "%ofcement": "percent", "%ofcementitious": "percent",
    "pcy": "pcy", "lb/cy": "pcy", "lbs/yd3": "pcy", "lbs/cy": "pcy",
    "days": "day", "hrs": "hour", "hr": "hour", "mins": "minute", "min": "minute",
    "sec": "second", "secs": "second", "lbs": "pound", "kgs": "kilogram",
    "tco2": "tonne_co2", "tco2e": "tonne_co2", "kgco2": "kg_co2", "kgco2e": "kg_co2",
}
# Case fixes for units commonly typed in the wrong case ("Mpa", "KWH").
_CASE_FIXES = {
    "mpa": "MPa", "kpa": "kPa", "gpa": "GPa", "pa": "Pa", "kwh": "kWh", "mwh": "MWh",
    "kw": "kW", "kn": "kN", "degc": "degC", "degf": "degF", "kvarh": "kvarh", "kvar": "kvar",
    "l": "L", "ml": "mL", "kg/m3": "kg/m**3", "ksi": "ksi", "psi": "psi", "rpm": "rpm",
}
_EXPONENT = re.compile(r"(?<=[A-Za-z])([23])(?![\w.*])")  # "m3" → "m**3", not "tCO2"

# Display forms of the canonical and other frequent units (pint's "~P" otherwise).
_DISPLAY = {
    "kilogram / meter ** 3": "kg/m³", "megapascal": "MPa", "degree_Celsius": "°C",
    "millimeter": "mm", "hour": "h", "day": "d", "milliliter / kilogram": "mL/kg",
    "kilogram": "kg", "percent": "%", "wt_percent": "wt%", "at_percent": "at%",
    "kilowatt_hour": "kWh", "kilowatt": "kW", "revolutions_per_minute": "rpm",
    "dimensionless": "", "pound / yard ** 3": "lb/yd³", "oz_per_cwt": "oz/cwt",
    "ml_per_100kg": "mL/100 kg", "l_per_100kg": "L/100 kg",
}

_registry: pint.UnitRegistry | None = None
_lock = threading.Lock()


class UnitError(ValueError):
    """A unit string is unknown, or two units cannot be converted into each other."""


def registry() -> pint.UnitRegistry:
    """The application's unit registry, created on first use with Formix's definitions."""
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                # "ignore" lets the rpm definition above replace pint's.
                ureg: pint.UnitRegistry = pint.UnitRegistry(
                    autoconvert_offset_to_baseunit=True, on_redefinition="ignore"
                )
                if "cwt" not in ureg:
                    ureg.define("hundredweight = 100 * pound = cwt")
                for definition in _DEFINITIONS:
                    ureg.define(definition)
                _registry = ureg
    return _registry


_PER_UNIT = re.compile(r"\s*(?:/|\bper\b)\s*units?\b", re.IGNORECASE)  # "kg per unit": kg
_FLUID_OUNCE = re.compile(r"\bfl\.?\s*oz\.?", re.IGNORECASE)  # "fl oz", not femtolitre × oz


_BARE_OUNCE = re.compile(r"\boz\b\.?", re.IGNORECASE)


def fluid_ounces(text: str) -> str | None:
    """``text`` with a bare "oz" written as "fl oz", or None when it has no bare oz.

    US plants dose admixtures in fluid ounces ("HRWR (oz/yd3)", "HRWR (oz)" per batch), while
    pint reads "oz" as the avoirdupois (mass) ounce; an admixture column's unit goes through
    this first. "fl oz" and "oz/cwt" (already fluid ounces) come back as None.
    """
    if _FLUID_OUNCE.search(text) or _ALIASES.get(re.sub(r"\s+", "", text).lower()):
        return None
    written = _BARE_OUNCE.sub("fl oz", text)
    return written if written != text else None


def _prepare(text: str) -> str:
    for step in (text, _PER_UNIT.sub("", text)):
        alias = _ALIASES.get(re.sub(r"\s+", "", step).lower())
        if alias is not None:
            return alias
    text = _FLUID_OUNCE.sub("fluid_ounce", _PER_UNIT.sub("", text))
    prepared = (
        text.strip().replace("℃", "degC").replace("℉", "degF").replace("º", "°")
        .replace("°C", "degC").replace("°F", "degF").replace("μ", "u").replace("µ", "u")
        .replace("·", "*").replace("^", "**").replace("³", "**3").replace("²", "**2")
    )
    return _EXPONENT.sub(r"**\1", prepared)


@functools.lru_cache(maxsize=1024)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string as users write it ("kg/m3", "lb/yd³", "°F", "oz/cwt", "wt%", "Mpa").

    An empty string is the dimensionless unit.

    Raises:
        UnitError: the text is not a known unit.
    """
    ureg = registry()
    if not text.strip():
        return ureg.dimensionless
    candidates = [_prepare(text)]
    fixed = _CASE_FIXES.get(re.sub(r"\s+", "", text).lower())
    if fixed is not None:
        candidates.append(fixed)
    for candidate in candidates:
        try:
            unit = ureg.parse_units(candidate)
        except (pint.errors.PintError, AttributeError, SyntaxError, TypeError, ValueError):
            continue
        return unit
    raise UnitError(f"unknown unit '{text}'")


def _as_unit(unit: pint.Unit | str) -> pint.Unit:
    return parse_unit(unit) if isinstance(unit, str) else unit


def canonical_unit(unit: pint.Unit | str, field: str | None = None) -> pint.Unit:
    """The unit Formix stores a quantity in.

    [mass]/[length]³ → kg/m³, [pressure] → MPa, [temperature] → °C, [length] → mm,
    [time] → h (d for ``field="test_age"``), [volume]/[mass] → mL/kg, [mass] → kg,
    % → %, energy → kWh, power → kW, 1/[time] → rpm; any other unit is kept.

    Args:
        unit: a pint unit or a unit string.
        field: the mapping field the value belongs to; only "test_age" changes the result.
    """
    ureg = registry()
    unit = _as_unit(unit)
    dim = unit.dimensionality
    if field == "test_age" and dim == ureg.day.dimensionality:
        return ureg.day
    rules = (
        ("kilogram / meter ** 3", "kg/m**3"), ("megapascal", "MPa"), ("degC", "degC"),
        ("millimeter", "mm"), ("hour", "hour"), ("milliliter / kilogram", "mL/kg"),
        ("kilogram", "kg"), ("kilowatt_hour", "kWh"), ("kilowatt", "kW"), ("rpm", "rpm"),
    )
    for reference, target in rules:
        if dim == ureg.parse_units(reference).dimensionality:
            return ureg.parse_units(target)
    return unit


def display_unit(unit: pint.Unit | str) -> str:
    """The short human form of a unit ("kg/m³", "MPa", "°C"); also the stored form."""
    unit = _as_unit(unit)
    name = str(unit)
    if name in _DISPLAY:
        return _DISPLAY[name]
    return format(unit, "~P")


def display_unit_or_text(unit: str | None) -> str:
    """:func:`display_unit` of a stored unit text ("kg/m**3" → "kg/m³"); the text as written
    when pint does not know it; "" for none."""
    if not unit:
        return ""
    try:
        return display_unit(unit)
    except UnitError:
        return str(unit)


def _linear_map(from_unit: pint.Unit, to_unit: pint.Unit) -> tuple[float, float]:
    """(a, b) with to = a·from + b; offset units such as °F → °C have b ≠ 0."""
    quantity = registry().Quantity
    try:
        zero = float(quantity(0.0, from_unit).to(to_unit).magnitude)
        one = float(quantity(1.0, from_unit).to(to_unit).magnitude)
    except pint.errors.DimensionalityError as error:
        raise UnitError(
            f"cannot convert {display_unit(from_unit) or 'a plain number'} "
            f"to {display_unit(to_unit) or 'a plain number'}"
        ) from error
    return one - zero, zero


def conversion_factor(from_unit: pint.Unit | str, to_unit: pint.Unit | str) -> tuple[float, float]:
    """The linear map (scale, offset) such that ``to = scale * from + offset``.

    Raises:
        UnitError: the units are unknown or of different dimensions.
    """
    return _linear_map(_as_unit(from_unit), _as_unit(to_unit))


def convert_array(
    values: np.ndarray, from_unit: pint.Unit | str, to_unit: pint.Unit | str
) -> np.ndarray:
    """Convert an array of magnitudes, vectorised (one scale and offset for the whole array).

    Raises:
        UnitError: the units are unknown or of different dimensions.
    """
    scale, offset = conversion_factor(from_unit, to_unit)
    result = np.asarray(values, dtype=float)
    if scale != 1.0:
        result = result * scale
    if offset != 0.0:
        result = result + offset
    return result


def _element_weights(columns: pd.Index) -> np.ndarray:
    weights = []
    for column in columns:
        symbol = str(column).strip().capitalize()
        if symbol not in ATOMIC_WEIGHTS:
            raise UnitError(f"'{column}' is not a chemical element symbol")
        weights.append(ATOMIC_WEIGHTS[symbol])
    return np.asarray(weights, dtype=float)


def _renormalise(frame: pd.DataFrame, factors: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    values = frame.to_numpy(dtype=float) * factors
    totals = np.nansum(values, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = values / totals * 100.0
    return pd.DataFrame(percent, index=frame.index, columns=frame.columns)


def wt_to_at_percent(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert compositions in wt % to at % with IUPAC standard atomic weights.

    Args:
        frame: one column per element symbol ("Fe", "C", …), one row per composition. The
            listed elements are taken as the whole composition: each row is normalised to
            100 at %. Add the balance element first if the file leaves it out.

    Raises:
        UnitError: a column is not an element symbol.
    """
    return _renormalise(frame, 1.0 / _element_weights(frame.columns))


def at_to_wt_percent(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert compositions in at % to wt % (inverse of ``wt_to_at_percent``; rows sum to 100).

    Raises:
        UnitError: a column is not an element symbol.
    """
    return _renormalise(frame, _element_weights(frame.columns))
