"""Display units: the unit system results are shown in, over the canonical units Formix stores.

Formix stores and computes in canonical metric units (kg/m³, MPa, °C, mm, mL/kg). A US plant
reads its results in US customary units: lb/yd³, psi (ksi for alloy strengths), °F, inches
and oz/cwt, with cost and CO₂ per cubic yard. :class:`DisplayUnits` converts for showing only;
nothing stored changes. The project keeps its choice (:data:`SETTING_KEY`); an import whose
files are in US units sets it when none was chosen (:func:`unit_system_of`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["SETTING_KEY", "SYSTEMS", "DisplayUnits", "UnitSystem", "clean_unit",
           "per_basis_factor", "unit_system_of"]

UnitSystem = Literal["SI", "US"]
SYSTEMS: dict[str, str] = {"SI": "metric (SI)", "US": "US customary"}
SETTING_KEY = "display_units"

# Stored (canonical display) unit → US customary display unit. Units not listed are shown as
# stored (%, wt %, h, d, kWh, rpm).
_US = {
    "kg/m³": "lb/yd³", "MPa": "psi", "GPa": "ksi", "°C": "°F", "mm": "in",
    "mL/kg": "oz/cwt", "kg": "lb",
}
VALUE_COLUMNS = ("measured", "predicted", "lower", "upper")
"""Columns of a predictions or trials frame holding values of the property (with offset)."""
CHANGE_COLUMNS = ("error", "residual")
"""Columns holding differences of the property (scaled only)."""
KSI_FROM_MPA = 200.0
"""Strengths of this many MPa and more (alloys) show in ksi, lower ones (concrete) in psi."""

# Product bases cost and CO₂ are given per, and their US customary counterparts.
_US_BASIS = {"m³": "yd³", "kg": "lb", "t": "ton"}

# Source units that mark a file as US customary.
_US_SOURCE = frozenset({
    "pound / yard ** 3", "pcy", "pound_force_per_square_inch", "kip_per_square_inch",
    "degree_Fahrenheit", "inch", "oz_per_cwt", "pound", "foot", "yard ** 3",
    "gallon / yard ** 3", "pound / foot ** 3", "gallon", "fluid_ounce",
})


@dataclass(frozen=True)
class DisplayUnits:
    """How stored quantities are shown: ``system`` "SI" shows them as stored."""

    system: UnitSystem = "SI"

    @classmethod
    def of(cls, value: Any) -> DisplayUnits:
        """From a saved setting ("SI", "US", None → SI); unknown values mean SI."""
        return cls("US") if str(value or "").upper() == "US" else cls("SI")

    @property
    def is_si(self) -> bool:
        """True when quantities are shown as stored."""
        return self.system == "SI"

    def unit(self, stored: str, typical: float | None = None) -> str:
        """The unit a quantity stored in ``stored`` is shown in.

        Args:
            stored: its stored unit ("kg/m³", "MPa", "°C", …).
            typical: a typical value in the stored unit; MPa of :data:`KSI_FROM_MPA` and more
                show in ksi (alloy strengths), lower ones in psi (concrete); times (stored in
                hours) show in h, min or s, see :func:`_readable_time`.
        """
        stored = str(stored or "")
        if stored == "h" and typical is not None and math.isfinite(typical) and typical:
            return _readable_time(abs(typical))
        if self.is_si:
            return stored
        if stored == "MPa" and typical is not None and abs(typical) >= KSI_FROM_MPA:
            return "ksi"
        return _US.get(stored, stored)

    def value(self, x: Any, stored: str, typical: float | None = None) -> Any:
        """``x`` (stored in ``stored``) in the shown unit; text and None pass through."""
        scale, offset = self._map(stored, typical)
        return _apply(x, scale, offset)

    def change(self, dx: Any, stored: str, typical: float | None = None) -> Any:
        """A difference (a delta, an interval width, an effect): scaled, never offset."""
        scale, _ = self._map(stored, typical)
        return _apply(dx, scale, 0.0)

    def basis(self, basis: str) -> str:
        """What cost and CO₂ are shown per ("m³" → "yd³" in US units)."""
        return basis if self.is_si else _US_BASIS.get(basis, basis)

    def per_basis(self, x: Any, basis: str) -> Any:
        """A cost or CO₂ mass per ``basis`` of product, per the shown basis instead."""
        shown = self.basis(basis)
        if shown == basis:
            return x
        return _apply(x, per_basis_factor(basis, shown), 0.0)

    def cost_unit(self, currency: str, basis: str) -> str:
        """The unit of costs per ``basis`` of product: "USD/m³", in US units "USD/yd³"."""
        return f"{currency}/{self.basis(basis)}" if basis else currency

    def co2_unit(self, basis: str) -> str:
        """The unit of CO₂ figures per ``basis`` of product: "kg CO₂e/m³" or, in US units,
        "lb CO₂e/yd³"; per mass of product (alloys) a ratio that stays "kg CO₂e/kg"."""
        if not basis:
            return "kg CO₂e"
        if self.is_si or basis != "m³":
            return f"kg CO₂e/{basis}"
        return "lb CO₂e/yd³"

    def co2(self, x: Any, basis: str) -> Any:
        """A CO₂ figure per ``basis`` in the unit :meth:`co2_unit` names."""
        if self.is_si or basis != "m³":
            return x
        return _apply(x, _factor("kg/m³", "lb/yd³")[0], 0.0)

    def figures(self, frame: Any, stored: str | None, typical: float | None = None) -> Any:
        """``frame`` (one property's measured, predicted, lower, upper, error or residual
        columns, in ``stored``) with those figures in the shown unit; values take the offset,
        differences do not. ``frame`` itself when nothing changes."""
        if not stored or self.unit(stored, typical) == stored:
            return frame
        shown = frame.copy()
        for column in VALUE_COLUMNS:
            if column in shown:
                shown[column] = self.value(shown[column].astype(float), stored, typical)
        for column in CHANGE_COLUMNS:
            if column in shown:
                shown[column] = self.change(shown[column].astype(float), stored, typical)
        return shown

    def _map(self, stored: str, typical: float | None) -> tuple[float, float]:
        shown = self.unit(stored, typical)
        if shown == str(stored or ""):
            return 1.0, 0.0
        return _factor(str(stored), shown)


def _readable_time(hours: float) -> str:
    """The largest of h, min and s in which a time of ``hours`` reads as at least 2 (a 78 s
    mixing time shows as 78 s, not 0.0217 h; 30 min as 30 min; 8 h as 8 h)."""
    if hours >= 2.0:
        return "h"
    return "min" if hours * 60.0 >= 2.0 else "s"


_UNIT_TEXT = {"dimensionless": "", "kg/m**3": "kg/m³", "m**3": "m³", "kg/m^3": "kg/m³"}


def clean_unit(unit: object) -> str:
    """Units as people write them ("kg/m**3" → "kg/m³", "dimensionless" → "")."""
    text = "" if unit is None else str(unit)
    return _UNIT_TEXT.get(text, text.replace("**3", "³").replace("**2", "²"))


def per_basis_factor(from_basis: str, to_basis: str) -> float:
    """Multiplier from a figure per ``from_basis`` of product to one per ``to_basis``
    ("m³" → "yd³": × 0.7646).

    Raises:
        UnitError: the bases are unknown or do not convert.
    """
    # price per to_basis = price per from_basis × (from_basis per to_basis)
    return _factor(to_basis, from_basis)[0]


def _factor(from_unit: str, to_unit: str) -> tuple[float, float]:
    from engine.units import conversion_factor  # pint loads on first conversion, not at start

    return conversion_factor(from_unit, to_unit)


def _apply(x: Any, scale: float, offset: float) -> Any:
    if x is None or isinstance(x, str | bool):
        return x
    if isinstance(x, int | float):
        number = float(x)
        return number * scale + offset if math.isfinite(number) else number
    return x * scale + offset  # arrays and series


def unit_system_of(unit_texts: Any) -> UnitSystem | None:
    """"US" when most of the dimensional units a file declares are US customary, "SI" when
    most are metric, None when it declares none (plain numbers, %, wt %)."""
    from engine.units import UnitError, parse_unit

    us = metric = 0
    for text in unit_texts:
        if not text:
            continue
        try:
            unit = parse_unit(str(text))
        except UnitError:
            continue
        if unit.dimensionless or str(unit) in ("percent", "wt_percent", "at_percent",
                                               "day", "hour", "minute", "second"):
            continue
        if str(unit) in _US_SOURCE:
            us += 1
        else:
            metric += 1
    if us == metric == 0:
        return None
    return "US" if us > metric else "SI"
