"""Derived features an engineer expects, from component amounts and the materials catalogue.

Concrete (amounts in kg per m³ of concrete): water/cement and water/binder ratios, binder
content, SCM share and the share of each SCM kind, paste volume and total mass. Alloys
(amounts in wt %): the balance element and atomic fractions. A feature is added only when
its inputs exist, and a division by zero gives NaN, never inf.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.atomic_weights import ATOMIC_WEIGHTS as STANDARD_ATOMIC_WEIGHT
from engine.materials import (
    ATOMIC_FRACTION_SUFFIX,
    DEFAULT_DENSITY_KG_M3,
    SCM_KINDS,
    MaterialKind,
    guess_kind,
)

# When the balance element is no column of the data, the first of these that is not one is
# taken: steels list Mn, Cr, Ni… but not Fe; Al alloys list Fe as an impurity, not Al; Ti
# alloys list Fe and Al; Ni superalloys list Fe, Al and Ti.
BALANCE_CANDIDATES: tuple[str, ...] = ("Fe", "Al", "Ti", "Ni", "Cu", "Mg", "Co", "Zn")

_SHARE_NAMES: dict[MaterialKind, str] = {
    MaterialKind.FLY_ASH: "fly_ash_share",
    MaterialKind.SLAG: "slag_share",
    MaterialKind.SILICA_FUME: "silica_fume_share",
    MaterialKind.SCM: "other_scm_share",
}
_PASTE_KINDS = SCM_KINDS | {MaterialKind.CEMENT, MaterialKind.WATER, MaterialKind.ADMIXTURE}


@dataclass(frozen=True)
class AlloyBalance:
    """What ``complete_alloy_balance`` did.

    Attributes:
        element: the balance element, or None when the data has no alloy compositions.
        rows_filled: rows where it was added as 100 − Σ of the other elements.
        rows_over_100: row labels (up to all) whose elements sum to more than 100.5 wt %.
    """

    element: str | None
    rows_filled: int
    rows_over_100: tuple[object, ...] = ()


def material_kinds(materials: pd.DataFrame, codes: Iterable[str]) -> dict[str, MaterialKind]:
    """Kind of each material code: the catalogue's when valid, else guessed from the code."""
    catalogue: dict[str, object] = {}
    if not materials.empty:
        catalogue = dict(zip(materials["material"].astype(str), materials["kind"], strict=True))
    kinds: dict[str, MaterialKind] = {}
    for code in codes:
        try:
            kinds[code] = MaterialKind(str(catalogue.get(code)))
        except ValueError:
            kinds[code] = guess_kind(code)
    return kinds


def material_densities(materials: pd.DataFrame,
                       kinds: dict[str, MaterialKind]) -> dict[str, float]:
    """Density (kg/m³) of each material: the catalogue's, else the default of its kind."""
    catalogue: dict[str, float] = {}
    if not materials.empty:
        numbers = pd.to_numeric(materials["density_kg_m3"], errors="coerce")
        catalogue = {code: float(d) for code, d in zip(materials["material"].astype(str),
                                                       numbers, strict=True) if d > 0}
    return {code: catalogue.get(code, DEFAULT_DENSITY_KG_M3.get(kind, np.nan))
            for code, kind in kinds.items()}


def complete_alloy_balance(amounts: pd.DataFrame, kinds: dict[str, MaterialKind],
                           balance_element: str | None = None) -> tuple[pd.DataFrame,
                                                                        AlloyBalance]:
    """Add the balance element where a composition sums to less than 100 wt % without it.

    The balance element is ``balance_element`` when given; else the element column with the
    largest median share when that is at least 50 wt % (it is given in some rows); else the
    first of ``BALANCE_CANDIDATES`` that is no column of the data (Fe for steels, Al for
    aluminium alloys listing Fe as an impurity).

    Args:
        amounts: one row per batch or recipe, one column per material code.
        kinds: kind of each column; columns of kind ``element`` are the composition.
        balance_element: force this element as the balance.

    Returns:
        The amounts with the balance column added or completed (it is of kind ``element``;
        add it to ``kinds`` when it is new), and what was done.
    """
    elements = [c for c in amounts.columns if kinds.get(c) is MaterialKind.ELEMENT]
    if not elements:
        return amounts, AlloyBalance(None, 0)
    composition = amounts[elements]
    is_alloy = composition.notna().any(axis=1)
    element = balance_element or _balance_element(composition[is_alloy])
    others = [c for c in elements if c != element]
    total_others = amounts[others].sum(axis=1)
    given = amounts[element].notna() if element in amounts else pd.Series(False, amounts.index)
    fill = is_alloy & ~given & (total_others < 100.0)
    total = total_others + (amounts[element].fillna(0.0) if element in amounts else 0.0)
    over = total.index[is_alloy & (total > 100.5)]
    result = amounts.copy()
    if element not in result:
        result[element] = np.nan
    result.loc[fill, element] = 100.0 - total_others[fill]
    return result, AlloyBalance(element, int(fill.sum()), tuple(over))


def derived_features(amounts: pd.DataFrame, kinds: dict[str, MaterialKind],
                     densities: dict[str, float]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Concrete ratios and volumes, and alloy atomic fractions, for each row of ``amounts``.

    Args:
        amounts: one row per batch or recipe, one column per material code (canonical units:
            kg/m³ for concrete, wt % for elements; NaN means "not in this mix").
        kinds: kind of each column (see ``material_kinds``).
        densities: kg/m³ of each column (see ``material_densities``).

    Returns:
        The derived columns (same index as ``amounts``) and their units.
    """
    by_kind: dict[MaterialKind, list[str]] = {}
    for column in amounts.columns:
        by_kind.setdefault(kinds.get(column, MaterialKind.OTHER), []).append(column)
    columns: dict[str, pd.Series] = {}
    units: dict[str, str] = {}
    _concrete_features(amounts, by_kind, densities, columns, units)
    _alloy_features(amounts, by_kind.get(MaterialKind.ELEMENT, []), columns, units)
    return pd.DataFrame(columns, index=amounts.index), units


def _concrete_features(amounts: pd.DataFrame, by_kind: dict[MaterialKind, list[str]],
                       densities: dict[str, float], columns: dict[str, pd.Series],
                       units: dict[str, str]) -> None:
    cement = by_kind.get(MaterialKind.CEMENT, [])
    scm_kinds = [k for k in _SHARE_NAMES if by_kind.get(k)]
    scms = [c for k in scm_kinds for c in by_kind[k]]
    water = by_kind.get(MaterialKind.WATER, [])
    binder_columns = cement + scms
    if not binder_columns:
        return
    binder = _total(amounts, binder_columns)
    water_mass = _total(amounts, water)
    if water and cement:
        columns["water_cement_ratio"] = _ratio(water_mass, _total(amounts, cement))
        units["water_cement_ratio"] = "dimensionless"
    if water:
        columns["water_binder_ratio"] = _ratio(water_mass, binder)
        units["water_binder_ratio"] = "dimensionless"
    columns["binder_content_kg_m3"] = binder
    units["binder_content_kg_m3"] = "kg/m**3"
    if scms:
        columns["scm_share"] = _ratio(_total(amounts, scms), binder)
        units["scm_share"] = "dimensionless"
        for kind in scm_kinds:
            columns[_SHARE_NAMES[kind]] = _ratio(_total(amounts, by_kind[kind]), binder)
            units[_SHARE_NAMES[kind]] = "dimensionless"
    paste = [c for k in _PASTE_KINDS for c in by_kind.get(k, [])]
    if water and all(np.isfinite(densities.get(c, np.nan)) for c in paste):
        volumes = amounts[paste].div(pd.Series({c: densities[c] for c in paste}))
        columns["paste_volume_m3"] = volumes.sum(axis=1, min_count=1)
        units["paste_volume_m3"] = "dimensionless"  # m³ of paste per m³ of concrete
    non_elements = [c for k, cols in by_kind.items() if k is not MaterialKind.ELEMENT
                    for c in cols]
    columns["total_mass_kg_m3"] = _total(amounts, non_elements)
    units["total_mass_kg_m3"] = "kg/m**3"


def _alloy_features(amounts: pd.DataFrame, elements: list[str],
                    columns: dict[str, pd.Series], units: dict[str, str]) -> None:
    symbols = {c: c if c in STANDARD_ATOMIC_WEIGHT else c.capitalize() for c in elements}
    if not elements or any(s not in STANDARD_ATOMIC_WEIGHT for s in symbols.values()):
        return
    weights = pd.Series({c: STANDARD_ATOMIC_WEIGHT[symbols[c]] for c in elements})
    moles = amounts[elements].div(weights)  # mol per 100 g of alloy
    total = moles.sum(axis=1, min_count=1)
    for column in elements:
        name = f"{symbols[column]}{ATOMIC_FRACTION_SUFFIX}"
        columns[name] = _ratio(moles[column].fillna(0.0).where(total.notna()), total)
        units[name] = "dimensionless"


def unknown_elements(kinds: dict[str, MaterialKind]) -> list[str]:
    """Element columns without a standard atomic weight (no atomic fractions then)."""
    return [c for c, k in kinds.items() if k is MaterialKind.ELEMENT
            and c not in STANDARD_ATOMIC_WEIGHT and c.capitalize() not in STANDARD_ATOMIC_WEIGHT]


def _balance_element(composition: pd.DataFrame) -> str:
    medians = composition.median(skipna=True)
    if medians.notna().any() and medians.max() >= 50.0:
        return str(medians.idxmax())
    present = set(composition.columns)
    return next((e for e in BALANCE_CANDIDATES if e not in present), "Fe")


def _total(amounts: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Row sums, NaN counting as 0 unless the row has none of the columns."""
    if not columns:
        return pd.Series(0.0, index=amounts.index)
    return amounts[columns].sum(axis=1, min_count=1)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0 or missing."""
    safe = denominator.where(denominator != 0)
    return (numerator / safe).astype(np.float64)


def deriver(materials: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A function that adds the derived features to frames holding material amount columns.

    The optimiser and prediction services use it so recipes they build get the same w/c,
    binder, SCM shares or atomic fractions the model was trained on. Columns a frame already
    has are kept as they are.
    """
    codes = set(materials["material"].astype(str)) if not materials.empty else set()

    def derive(frame: pd.DataFrame) -> pd.DataFrame:
        amounts = [c for c in frame.columns if c in codes or guess_kind(c) is not
                   MaterialKind.OTHER]
        if not amounts:
            return frame
        kinds = material_kinds(materials, amounts)
        derived, _units = derived_features(frame[amounts], kinds,
                                           material_densities(materials, kinds))
        new = [c for c in derived.columns if c not in frame.columns]
        return frame.assign(**{c: derived[c].to_numpy() for c in new})

    return derive
