"""Wide component and setting columns turned into long (row, name, value, unit) frames."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.ingest._cells import Cells
from engine.ingest._convert import convert_column, unit_text
from engine.ingest._mapped import Mapped, name_of
from engine.materials import MaterialKind, guess_kind, material_code

# A composition in wt % may exceed 100 by this much (rounding in the source).
COMPOSITION_TOLERANCE = 0.5


def components_long(cells: Cells, mapped: Mapped) -> pd.DataFrame:
    """Component amounts: columns pos (frame position), material, amount, unit.

    Blank cells are left out (the material is not used); negative amounts are errors;
    compositions in % must not add up to more than 100 (+ ``COMPOSITION_TOLERANCE``).
    """
    parts = []
    percent_sum = np.zeros(cells.n)
    reported = np.zeros(cells.n, dtype=bool)
    for mapping in mapped.prefixed("component"):
        name = name_of(mapping)
        material = material_code(name)
        values = cells.numbers(mapping.source, "amount")
        element = guess_kind(name) is MaterialKind.ELEMENT
        converted = convert_column(cells, values, mapping, element=element, amount=True)
        if converted is None:
            continue
        values, unit = converted
        _check_amounts(cells, values, unit, mapping.source, percent_sum, reported)
        present = np.flatnonzero(~np.isnan(values))
        parts.append(pd.DataFrame({
            "pos": present, "material": material, "amount": values[present], "unit": unit,
        }))
    if not parts:
        return pd.DataFrame({"pos": pd.Series(dtype=np.int64), "material": pd.Series(dtype=str),
                             "amount": pd.Series(dtype=float), "unit": pd.Series(dtype=str)})
    return pd.concat(parts, ignore_index=True)


def _check_amounts(cells: Cells, values: np.ndarray, unit: str, source: str,
                   percent_sum: np.ndarray, reported: np.ndarray) -> None:
    """Negative amounts; % compositions adding up past 100 (updates the running sums)."""

    def negative(i: int) -> str:
        return f"negative amount {values[i]:g}"

    cells.findings.add_rows(values < 0, source, negative)
    if unit not in {"%", "wt%", "at%"}:
        return
    percent_sum += np.nan_to_num(values)
    over = (percent_sum > 100.0 + COMPOSITION_TOLERANCE) & ~reported

    def too_much(i: int) -> str:
        return f"composition sums to {percent_sum[i]:.4g} {unit} by this column (more than 100)"

    cells.findings.add_rows(over, source, too_much)
    reported |= over


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
