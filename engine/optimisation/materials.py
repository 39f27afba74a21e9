"""Prices and CO₂ factors of material variables, for cost and CO₂ objectives.

A material's price and CO₂ factor are per unit of the mass part of its amount unit: per kg for
kg/m³ amounts (cost is then per m³), per lb for lb/yd³ (per yd³), per 1 wt % of 1 kg of
product for wt % amounts. CO₂ factors are in kg CO₂e per that unit, as in the catalogue.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import FormixError
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.study import StudySpec

if TYPE_CHECKING:
    import pint


@dataclass(frozen=True)
class MaterialTable:
    """Price and CO₂ per unit of each material variable's amount.

    The unit is the variable's own: with amounts in kg/m³ give €/kg and kg CO₂e/kg, and cost is
    per m³; with amounts in wt % give the price of 1 wt % in 1 kg of alloy (€/kg ÷ 100).

    Attributes:
        price: per material variable; missing entries are unknown.
        co2: per material variable; missing entries are unknown.
        currency: shown next to costs.
    """

    price: Mapping[str, float] = field(default_factory=dict)
    co2: Mapping[str, float] = field(default_factory=dict)
    currency: str = "EUR"

    @classmethod
    def from_spec(cls, spec: StudySpec) -> MaterialTable:
        """The ``[materials.*]`` tables of a study."""
        price = {k: v.price for k, v in spec.materials.items() if v.price is not None}
        co2 = {k: v.co2 for k, v in spec.materials.items() if v.co2 is not None}
        return cls(price=price, co2=co2, currency=spec.currency)

    def merged_over(self, other: MaterialTable) -> MaterialTable:
        """This table's entries, falling back to ``other`` where this one has none."""
        return MaterialTable(
            price={**other.price, **self.price},
            co2={**other.co2, **self.co2},
            currency=self.currency,
        )

    def vector(self, space: DesignSpace, kind: str) -> np.ndarray | None:
        """Factors over the full numeric vector (0 for non-materials), or None if incomplete."""
        table = self.price if kind == "cost" else self.co2
        out = np.zeros(space.n_numeric)
        for j, name in enumerate(space.numeric_names):
            if not space.material_mask[j]:
                continue
            value = table.get(name)
            if value is None or not math.isfinite(value):
                return None
            out[j] = value
        return out

    def require(self, space: DesignSpace, kind: str) -> np.ndarray:
        """Like :meth:`vector`, but raise naming the materials without a factor.

        Raises:
            FormixError: a material variable has no price (or CO₂ factor).
        """
        vector = self.vector(space, kind)
        if vector is not None:
            return vector
        table = self.price if kind == "cost" else self.co2
        missing = [
            name for j, name in enumerate(space.numeric_names)
            if space.material_mask[j] and name not in table
        ]
        what = "price" if kind == "cost" else "CO₂ factor"
        raise FormixError(
            f"no {what} for material(s) {', '.join(missing)}: add them to the project's "
            "materials catalogue (the study's material forms in the desktop, or `formix import "
            "PROJECT prices.csv --kind materials` with columns material, price_per_unit, unit, "
            "currency, co2_per_unit) or to [materials.<name>] in the study")


def amount_per(amount_unit: str) -> str:
    """What a factor is per, for an amount unit: "kg" for kg/m³, "lb" for lb/yd³, "wt %"."""
    if _is_weight_percent(amount_unit):
        return "wt %"
    return amount_unit_text(amount_unit).split("/")[0].strip() or "unit"


def amount_unit_text(amount_unit: str) -> str:
    """An amount unit's display form, with its basis after a slash where it has one: "kg/m³"
    for "kg/m3", "lb/yd³" for "pcy"; the text as written when pint does not know it."""
    from engine.units import UnitError, conversion_factor, display_unit_or_text

    shown = display_unit_or_text(amount_unit)
    if "/" in shown or not shown:
        return shown
    try:
        scale, offset = conversion_factor(amount_unit, "lb/yd³")
    except UnitError:
        return shown
    return "lb/yd³" if math.isclose(scale, 1.0, rel_tol=1e-12) and offset == 0 else shown


def amount_mass_unit(amount_unit: str) -> pint.Unit | None:
    """The unit a material's factors are per, for its amount unit: the amount times its basis
    (kg for kg/m³, lb for lb/yd³ or pcy, fl oz for oz/cwt); None for wt %, amounts without a
    basis ("kg") and unknown units."""
    from engine.units import UnitError, parse_unit

    shown = amount_unit_text(amount_unit)
    if "/" not in shown or _is_weight_percent(amount_unit):
        return None
    try:
        return parse_unit(amount_unit) * parse_unit(shown.split("/", 1)[1])
    except UnitError:
        return None


def per_amount_factor(per_unit: Any, amount_unit: str) -> float | None:
    """Multiplier from a price (or CO₂ factor) per ``per_unit`` (a catalogue unit: "kg", "t",
    "lb"; empty means kg) to one per unit of the amount: per :func:`amount_mass_unit`, per
    1 wt % of 1 kg for wt % amounts, else per kg. None when they do not convert."""
    from engine.units import UnitError, conversion_factor

    unit = str(per_unit) if isinstance(per_unit, str) and per_unit else "kg"
    mass = amount_mass_unit(amount_unit)
    share = 0.01 if _is_weight_percent(amount_unit) else 1.0
    for base in ([] if mass is None else [mass]) + ["kg"]:
        try:  # 1 base unit expressed in the catalogue unit
            return conversion_factor(base, unit)[0] * share
        except (UnitError, ValueError, TypeError):
            continue  # e.g. mL/kg dosages priced per kg: taken per kg, as always
    return None


def product_basis(amount_units: Iterable[str]) -> str:
    """What amounts, and so cost and CO₂, are per: "m³" for kg/m³ amounts, "yd³" for lb/yd³,
    "kg" for wt %, "" when the units do not say."""
    per = set()
    weight_percent = False
    for text in amount_units:
        unit = str(text or "").replace(" ", "")
        if unit.lower().startswith("wt%"):
            weight_percent = True
        elif "/" in unit and unit.split("/")[0].lower() in ("kg", "g", "t", "lb", "l"):
            per.add(unit.split("/", 1)[1])
    if len(per) == 1 and not weight_percent:
        return per.pop()
    if weight_percent and not per:
        return "kg"
    return ""


def _is_weight_percent(amount_unit: str) -> bool:
    text = str(amount_unit or "").replace(" ", "").lower()
    return text.startswith("wt%") or text == "%"
