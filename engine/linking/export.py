"""The modelling table as a plant engineer reads it in a file: every quantity in the project's
display units, with its unit in the header ("zement [lb/yd³]", "yield_strength [ksi]",
"mixing_time__mean [s]"), as ``pareto.csv`` and predictions are written."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from engine.display_units import DisplayUnits
from engine.types import ModellingTable
from engine.units import display_unit_or_text

HEADER = re.compile(r"^(?P<name>.*\S)\s*\[(?P<unit>[^\[\]]*)\]$")
"""A header "name [unit]" as :func:`shown_table` writes it."""
_NAMED_UNIT = re.compile(r"_kg_m3$")  # a name that carries its unit keeps it


def shown_table(table: ModellingTable, units: DisplayUnits) -> pd.DataFrame:
    """``table.frame`` with each input, target and the test age in ``units`` and its unit in
    the header; ids, times, provenance, counts and unit-less columns (ratios, shares) keep
    their values and names. A column whose name states its unit (``binder_content_kg_m3``)
    stays in that unit."""
    frame, shown = shown_values(table, units)
    return frame.rename(columns={c: f"{c} [{u}]" for c, u in shown.items() if u})


def shown_values(table: ModellingTable,
                 units: DisplayUnits) -> tuple[pd.DataFrame, dict[str, str]]:
    """``table.frame`` with each input, target and the test age in ``units`` (same column
    names), and the unit each of those columns is now in (see :func:`shown_table`)."""
    frame = table.frame.copy()
    stored_units = dict(table.units)
    if table.age_column:
        stored_units.setdefault(table.age_column, "d")
    shown_units: dict[str, str] = {}
    for column in (*table.input_columns, *table.target_columns, table.age_column):
        if not column or column not in frame or column in shown_units:
            continue
        stored = display_unit_or_text(stored_units.get(column))
        if not stored or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        values = frame[column].astype(float)
        typical = float(np.nanmedian(values)) if values.notna().any() else None
        shown = stored if _NAMED_UNIT.search(column) else units.unit(stored, typical)
        if shown != stored:  # 925 °F, not the 924.9999999999776 of °F → °C → °F
            frame[column] = units.value(values, stored, typical).map(_significant)
        shown_units[column] = shown
    return frame, shown_units


def _significant(value: float) -> float:
    return float(f"{value:.12g}")


def header_unit(header: str) -> str:
    """The unit of a header :func:`shown_table` wrote ("zement [kg/m³]" → "kg/m³"), else ""."""
    match = HEADER.match(header)
    return match["unit"] if match else ""


def bare_name(header: str) -> str:
    """The column name of a header :func:`shown_table` wrote ("zement [kg/m³]" → "zement")."""
    match = HEADER.match(header)
    return match["name"] if match else header
