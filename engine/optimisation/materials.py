"""Prices and CO₂ factors of material variables, for cost and CO₂ objectives."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from engine.errors import FormixError
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.study import StudySpec


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
        raise FormixError(f"no {what} for material(s) {', '.join(missing)}: add them to the "
                          f"materials table or to [materials.<name>] in the study")
