"""Units of mapped columns: which unit applies, conversion to canonical units, range checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.ingest import _fast
from engine.ingest._cells import Cells
from engine.ingest.mapping import ColumnMapping
from engine.units import UnitError, canonical_unit, convert_array, display_unit, parse_unit

PERCENT_UNITS = frozenset({"%", "wt%", "at%"})


def unit_text(cells: Cells, mapping: ColumnMapping, default: str | None = None,
              amount: bool = False) -> str | None:
    """The unit of a mapped column: the mapping's, the header's, then (for amounts and
    long-format values) the profile's default unit, then ``default``."""
    profile_default = cells.profile.defaults.unit if amount else None
    return (mapping.unit or cells.table.declared_units.get(mapping.source)
            or profile_default or default)


def convert_column(
    cells: Cells,
    values: np.ndarray,
    mapping: ColumnMapping,
    field: str | None = None,
    default: str | None = None,
    element: bool = False,
    amount: bool = False,
    percent_bounded: bool = True,
) -> tuple[np.ndarray, str] | None:
    """Convert a column's values to the canonical unit; (values, stored unit string).

    Returns None (after an error finding at the header) when the unit is unknown.

    Args:
        cells: the table access.
        values: the column's numbers.
        mapping: the column's mapping.
        field: "test_age" for ages (canonical unit day).
        default: unit when nothing else names one.
        element: an alloy element amount: a plain % means wt %.
        amount: a component amount or long-format value: the profile's default unit applies.
        percent_bounded: values in % must not exceed 100 (False for historian values such
            as a mixer load of 105 %).
    """
    text = unit_text(cells, mapping, default, amount)
    if element and (text is None or text.strip() in {"%", "percent", ""}):
        text = "wt%"
    if text is None:
        return values, ""
    try:
        unit = parse_unit(text)
        target = canonical_unit(unit, field)
        converted = convert_array(values, unit, target)
    except UnitError as error:
        cells.findings.add(cells.table.header_row, mapping.source, f"{error}")
        return None
    stored = display_unit(target)
    if percent_bounded:
        check_percent(cells, converted, stored, mapping.source)
    return converted, stored


def check_percent(cells: Cells, values: np.ndarray, unit: str, source: str) -> None:
    """Percentages above 100 are errors."""
    if unit in PERCENT_UNITS:
        over = values > 100.0 + 1e-9
        cells.findings.add_rows(over, source, lambda i: f"{values[i]:g} {unit} is above 100")


def convert_by_unit_column(
    cells: Cells,
    values: np.ndarray,
    units: pd.Series,
    unit_source: str,
    fallback: str | None,
    field: str | None = None,
    percent_bounded: bool = True,
) -> tuple[np.ndarray, pd.Categorical]:
    """Convert values whose unit is given per row (a unit column of a long table).

    Rows with an unknown unit are errors and get NaN. Returns (values, stored units).
    ``percent_bounded=False`` lets values in % exceed 100 (historian values).
    """
    units = units.fillna(fallback) if fallback else units
    codes, uniques = _fast.factorize(units)
    result = np.full(len(values), np.nan)
    stored_codes = np.zeros(len(values), dtype=np.int64)  # category 0 is "" (no unit)
    categories = [""]
    plain = codes < 0
    result[plain] = values[plain]
    for code, text in enumerate(uniques):
        rows = codes == code
        try:
            unit = parse_unit(str(text))
            target = canonical_unit(unit, field)
            result[rows] = convert_array(values[rows], unit, target)
        except UnitError as error:
            cells.findings.add_rows(rows, unit_source, str(error))
            continue
        shown = display_unit(target)
        if shown not in categories:
            categories.append(shown)
        stored_codes[rows] = categories.index(shown)
        if percent_bounded:
            check_percent(cells, np.where(rows, result, np.nan), shown, unit_source)
    return result, pd.Categorical.from_codes(stored_codes, categories=categories)


def constant_units(unit: str, n: int) -> pd.Categorical:
    """One stored unit for n rows, as a categorical (cheap for millions of rows)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int64), categories=[unit])
