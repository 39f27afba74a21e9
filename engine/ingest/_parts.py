"""Wide component and setting columns turned into long (row, name, value, unit) frames."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.ingest._batch_volume import refuse_per_batch
from engine.ingest._cells import Cells
from engine.ingest._convert import PERCENT_UNITS, convert_column, unit_text
from engine.ingest._mapped import Mapped, name_of
from engine.ingest.mapping import ColumnMapping
from engine.materials import MaterialKind, guess_kind, material_code
from engine.schema import DatasetKind
from engine.units import UnitError, fluid_ounces, parse_unit

# How far a composition in % may be off 100 (wt %, at % or %): an analysis certificate rounds
# each element, so totals of 99.7–100.3 are normal; 0.5 leaves room for that and no more.
COMPOSITION_TOLERANCE = 0.5


@dataclass(frozen=True)
class _PercentColumn:
    """A component column in a % unit, kept for the composition total check."""

    source: str
    material: str
    values: np.ndarray
    element: bool


def components_long(cells: Cells, mapped: Mapped) -> pd.DataFrame:
    """Component amounts: columns pos (frame position), material, amount, unit.

    Blank cells are left out (the material is not used: 0 in the modelling table), with a
    warning where the column is otherwise filled (``_warn_blanks``); negative amounts are
    errors; a composition in % must total 100 (see ``_check_composition``). A bare "oz" on an
    admixture is a US fluid ounce (``fluid_ounces``). Outside batch files, concrete amounts
    per batch (kg, L) are errors (``refuse_per_batch``).
    """
    parts = []
    blanks: dict[str, np.ndarray] = {}
    percent: dict[str, list[_PercentColumn]] = {}
    units: dict[str, str] = {}
    for mapping in mapped.prefixed("component"):
        name = name_of(mapping)
        material = material_code(name)
        values = cells.numbers(mapping.source, "amount")
        kind = guess_kind(name)
        element = kind is MaterialKind.ELEMENT
        if kind is MaterialKind.ADMIXTURE:
            mapping = _admixture_unit(cells, mapping)
        converted = convert_column(cells, values, mapping, element=element, amount=True)
        if converted is None:
            continue
        values, unit = converted
        if not _amount_unit(cells, mapping, unit):
            continue
        units[mapping.source] = unit
        cells.findings.add_rows(values < 0, mapping.source, _negative(values))
        if unit in PERCENT_UNITS:
            percent.setdefault(unit, []).append(
                _PercentColumn(mapping.source, material, values, element))
        if not element:
            blanks[mapping.source] = np.isnan(values)
        present = np.flatnonzero(~np.isnan(values))
        parts.append(pd.DataFrame({
            "pos": present, "material": material, "amount": values[present], "unit": unit,
        }))
    for unit, columns in percent.items():
        _check_composition(cells, columns, unit)
    if str(cells.profile.kind) != DatasetKind.BATCHES:
        refuse_per_batch(cells, mapped, units)
    _warn_blanks(cells, blanks)
    if not parts:
        return pd.DataFrame({"pos": pd.Series(dtype=np.int64), "material": pd.Series(dtype=str),
                             "amount": pd.Series(dtype=float), "unit": pd.Series(dtype=str)})
    return pd.concat(parts, ignore_index=True)


def _admixture_unit(cells: Cells, mapping: ColumnMapping) -> ColumnMapping:
    """An admixture column whose unit has a bare "oz", with it read as fl oz (US plants dose
    admixtures by volume: "HRWR (oz/yd3)")."""
    text = unit_text(cells, mapping, amount=True)
    fluid = fluid_ounces(text) if text else None
    return mapping if fluid is None else dataclasses.replace(mapping, unit=fluid)


# What a component amount may be: a mass per volume of concrete (kg/m³, lb/yd³), a mass or
# volume per batch (divided by the batch volume), a dose by volume per mass of binder
# (mL/kg, oz/cwt), a volume per volume (L/m³) or a fraction (wt %, at %, % of binder).
_AMOUNT_DIMENSIONS = ("kg/m**3", "kg", "m**3", "mL/kg", "percent", "wt%", "at%")


def _amount_unit(cells: Cells, mapping: ColumnMapping, unit: str) -> bool:
    """Whether a component column's stored unit is an amount; else an error at its header
    ("Acqua [kg/m²]": kg/m² is no amount of a material)."""
    try:
        dimension = parse_unit(unit).dimensionality if unit else None
    except UnitError:
        return True  # a unit pint does not know (a dose unit) is another check's business
    if dimension is None or any(
            dimension == parse_unit(allowed).dimensionality for allowed in _AMOUNT_DIMENSIONS):
        return True
    cells.findings.add(
        cells.table.header_row, mapping.source,
        f"unit '{unit_text(cells, mapping, amount=True) or unit}' is not an amount "
        "of a material: give a mass per volume of concrete (kg/m³, lb/yd³), a mass per batch "
        "(kg, lb) with a batch volume column, a mass fraction (wt %) or a dose (mL/kg, oz/cwt, "
        "% of binder)")
    return False


# A blank in a component column filled in at least this share of the other rows is warned
# about: a recipe export leaves out an amount by mistake more often than it drops a material.
BLANK_WARNING_SHARE = 0.9


def _warn_blanks(cells: Cells, blanks: dict[str, np.ndarray]) -> None:
    """Warn at each blank amount of a row that gives other amounts, in a column that is
    filled in nearly every other row (a blank cement cell among 400 recipes)."""
    if not blanks:
        return
    given_any = ~np.logical_and.reduce(list(blanks.values()))
    what = {"batches": "batch"}.get(str(cells.profile.kind), "recipe")
    for source, blank in blanks.items():
        suspect = blank & given_any
        others = max(cells.n - 1, 1)
        if suspect.any() and (cells.n - suspect.sum()) >= BLANK_WARNING_SHARE * others:
            cells.warn(suspect, source,
                       f"blank amount: read as not given, i.e. the {what} has none of it (0 "
                       "in the modelling table); write 0 to say so, or fill in the amount")


def _check_composition(cells: Cells, columns: list[_PercentColumn], unit: str) -> None:
    """Each row's total of the columns in ``unit`` must be 100 ± ``COMPOSITION_TOLERANCE``.

    A total above is always an error, named at the column where the running total passes
    the limit. A total below is an error only where the row gives the balance element (the
    element column whose median is at least 50, as ``engine.linking.derived`` chooses it):
    a row that leaves it blank gets it computed as 100 − the others.
    """
    running = np.cumsum(np.column_stack([np.nan_to_num(c.values) for c in columns]), axis=1)
    total = running[:, -1]
    balance = _balance_column(columns)
    given = np.zeros(cells.n, dtype=bool)
    others, hint = total, ""
    if balance is not None:
        given = ~np.isnan(balance.values)
        others = total - np.nan_to_num(balance.values)
        hint = (f"; leave '{balance.source}' blank to have {balance.material} computed as the "
                "balance (100 − the other elements)")
    limit = 100.0 + COMPOSITION_TOLERANCE
    over = total > limit
    under = given & (total < 100.0 - COMPOSITION_TOLERANCE)
    span = f"'{columns[0].source}'" + (f" … '{columns[-1].source}'" if len(columns) > 1 else "")
    tolerance = f"{COMPOSITION_TOLERANCE:g} {unit}"

    def reason(i: int) -> str:
        text = (f"composition sums to {total[i]:.4g} {unit} over {len(columns)} column(s) "
                f"{span}")
        if not given[i]:
            return text + f"; it must not exceed 100 + {tolerance}"
        text += (f"; with every element given it must total 100 ± {tolerance} (rounding on a "
                 "certificate explains no more)")
        return text + hint if others[i] < 100.0 else text

    crossing = np.argmax(running > limit, axis=1)
    for index, column in enumerate(columns):
        cells.findings.add_rows(over & (crossing == index), column.source, reason)
    if balance is not None:
        cells.findings.add_rows(under, balance.source, reason)


def _negative(values: np.ndarray) -> Callable[[int], str]:
    """The reason for a negative amount at a frame position."""
    return lambda i: f"negative amount {values[i]:g}"


def _balance_column(columns: list[_PercentColumn]) -> _PercentColumn | None:
    """The element column with the largest median (over the rows giving it), if ≥ 50."""
    medians = [(float(np.nanmedian(c.values)), index) for index, c in enumerate(columns)
               if c.element and not np.isnan(c.values).all()]
    if not medians:
        return None
    median, index = max(medians)
    return columns[index] if median >= 50.0 else None


def settings_long(cells: Cells, mapped: Mapped) -> pd.DataFrame:
    """Setting values: columns pos, setting, value_num, value_text, unit.

    A setting column is numeric when it has a unit or most of its cells are numbers (then
    text cells are errors); otherwise it is categorical text (a route, a curing regime).
    """
    parts = []
    for mapping in mapped.prefixed("setting"):
        setting = material_code(name_of(mapping))
        text = cells.text(mapping.source)
        filled = text.notna().to_numpy()
        probe = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        numeric_share = probe.notna().sum() / max(int(filled.sum()), 1)
        if unit_text(cells, mapping) is not None or numeric_share >= 0.5:
            values = cells.numbers(mapping.source, "setting")
            converted = convert_column(cells, values, mapping)
            if converted is None:
                continue
            values, unit = converted
            present = np.flatnonzero(~np.isnan(values))
            parts.append(pd.DataFrame({
                "pos": present, "setting": setting, "value_num": values[present],
                "value_text": None, "unit": unit,
            }))
        else:
            present = np.flatnonzero(filled)
            parts.append(pd.DataFrame({
                "pos": present, "setting": setting, "value_num": np.nan,
                "value_text": text.to_numpy()[present], "unit": "",
            }))
    if not parts:
        return pd.DataFrame({"pos": pd.Series(dtype=np.int64), "setting": pd.Series(dtype=str),
                             "value_num": pd.Series(dtype=float),
                             "value_text": pd.Series(dtype=object), "unit": pd.Series(dtype=str)})
    return pd.concat(parts, ignore_index=True)


def duplicates(cells: Cells, keys: pd.DataFrame, positions: np.ndarray, source: str,
               what: str) -> np.ndarray:
    """Report rows whose key repeats an earlier row's; returns the mask of repeats.

    Args:
        cells: the table access.
        keys: one row per checked row, the key columns.
        positions: the frame position of each row of ``keys``.
        source: the column named in findings.
        what: what the key is ("batch id").
    """
    keys = keys.reset_index(drop=True)
    repeated = keys.duplicated(keep="first").to_numpy()
    if repeated.any():
        group = keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup().to_numpy()
        first = pd.Series(np.arange(len(keys))).groupby(group).transform("min").to_numpy()
        local_of = np.flatnonzero(repeated)[:50]
        local = dict(zip(positions[local_of].tolist(), local_of.tolist(), strict=True))
        rows = cells.table.row_numbers

        def reason(position: int) -> str:
            i = local[position]
            shown = "/".join(_shown(k) for k in keys.iloc[i])
            return f"duplicate {what} '{shown}' (first at row {rows[positions[first[i]]]})"

        cells.findings.add_rows(positions[repeated], source, reason)
    return repeated


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
