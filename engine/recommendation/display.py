"""Explained recommendations in the project's display units (US customary or as stored).

Recommendations are computed and stored in canonical units; :func:`in_display_units` returns
a copy with every shown figure converted: recipe amounts and their changes, predicted
properties and intervals, cost and CO₂ per shown basis, the drivers' phrases, and binding
limits. ``objectives`` keep the optimiser's values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from engine.display_units import DisplayUnits
from engine.models.explain import ContributionDelta
from engine.recommendation.explain import (
    Attribution,
    BindingConstraint,
    Driver,
    ExplainedRecommendation,
    PropertyPrediction,
    RecipeChange,
)

__all__ = ["in_display_units", "shown_recommendations"]


def shown_recommendations(recommendations: Iterable[ExplainedRecommendation | Mapping[str, Any]],
                          units: DisplayUnits) -> list[ExplainedRecommendation]:
    """Each recommendation (an object or its stored ``to_dict()``) in ``units``."""
    out = []
    for rec in recommendations:
        if not isinstance(rec, ExplainedRecommendation):
            rec = ExplainedRecommendation.from_dict(rec)
        out.append(in_display_units(rec, units))
    return out


def in_display_units(rec: ExplainedRecommendation, units: DisplayUnits) -> ExplainedRecommendation:
    """``rec`` with its figures in ``units`` (itself when they are already so)."""
    if rec.unit_system == units.system:
        return rec
    if rec.unit_system != "SI":
        raise ValueError(f"recommendation already shown in {rec.unit_system} units")
    typical = {p.target: p.mean for p in rec.properties}
    basis = rec.basis
    return dataclasses.replace(
        rec,
        changes=tuple(_change(c, units) for c in rec.changes),
        properties=tuple(_property(p, units) for p in rec.properties),
        cost=units.per_basis(rec.cost, basis),
        cost_delta=units.per_basis(rec.cost_delta, basis),
        co2=units.co2(rec.co2, basis),
        co2_delta=units.co2(rec.co2_delta, basis),
        attributions=tuple(_attribution(a, units, typical.get(a.target))
                           for a in rec.attributions),
        binding=tuple(_binding(b, units, basis, typical) for b in rec.binding),
        basis=units.basis(basis),
        cost_unit=units.cost_unit(rec.currency, basis),
        co2_unit=units.co2_unit(basis),
        unit_system=units.system,
    )


def _change(change: RecipeChange, units: DisplayUnits) -> RecipeChange:
    return dataclasses.replace(change, value=units.value(change.value, change.unit),
                               baseline=units.value(change.baseline, change.unit),
                               unit=units.unit(change.unit))


def _property(p: PropertyPrediction, units: DisplayUnits) -> PropertyPrediction:
    def shown(x: float | None) -> float | None:
        return units.value(x, p.unit, p.mean)

    return dataclasses.replace(p, unit=units.unit(p.unit, p.mean), mean=shown(p.mean),
                               lower=shown(p.lower), upper=shown(p.upper),
                               baseline_mean=shown(p.baseline_mean),
                               baseline_lower=shown(p.baseline_lower),
                               baseline_upper=shown(p.baseline_upper))


def _attribution(a: Attribution, units: DisplayUnits, typical: float | None) -> Attribution:
    def effect(x: float) -> float:
        return units.change(x, a.unit, typical)

    target_unit = units.unit(a.unit, typical)
    drivers = []
    for d in a.drivers:
        shown = ContributionDelta(d.label, units.value(d.baseline_value, d.unit),
                                  units.value(d.value, d.unit), effect(d.effect),
                                  units.unit(d.unit), target_unit)
        digits = 0 if abs(shown.contribution_delta) >= 10 else 1
        drivers.append(Driver(d.feature, d.label, shown.baseline_value, shown.candidate_value,
                              shown.contribution_delta, shown.text(digits), shown.unit))
    return dataclasses.replace(a, unit=target_unit, drivers=tuple(drivers),
                               other=effect(a.other), total=effect(a.total),
                               predicted_change=effect(a.predicted_change))


def _binding(b: BindingConstraint, units: DisplayUnits, basis: str,
             typical: Mapping[str, float]) -> BindingConstraint:
    if b.measure == "cost":
        return dataclasses.replace(b, value=units.per_basis(b.value, basis),
                                   limit=units.per_basis(b.limit, basis))
    if b.measure == "co2":
        return dataclasses.replace(b, value=units.co2(b.value, basis),
                                   limit=units.co2(b.limit, basis))
    convert = units.change if b.measure == "difference" else units.value
    near = None
    if b.kind == "output":  # the property the label names (the longest name it contains)
        named = sorted((t for t in typical if t in b.label), key=len)
        near = typical[named[-1]] if named else b.value
    elif b.kind == "relation":  # a predicted property itself
        near = b.value
    return dataclasses.replace(b, value=convert(b.value, b.unit, near),
                               limit=convert(b.limit, b.unit, near),
                               unit=units.unit(b.unit, near))
