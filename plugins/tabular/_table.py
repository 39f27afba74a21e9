"""Checks and assembly shared by the text and workbook readers."""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from engine.errors import ReaderError
from engine.ingest.headers import split_header
from engine.ingest.reader import SourceTable

_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$")


def column_label(index: int) -> str:
    """Spreadsheet letters of a 0-based column index (0 → "A", 27 → "AB")."""
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = chr(65 + remainder) + label
    return label


def header_names(file: str, cells: Sequence[object], header_row: int) -> list[str]:
    """Header cells as column names: stripped; blanks named "column C"; duplicates rejected.

    Raises:
        ReaderError: two columns have the same header.
    """
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
        name = " ".join(text.split()) or f"column {column_label(index)}"
        if name in seen:
            raise ReaderError(
                file, header_row, name,
                f"duplicate column header '{name}' (columns {column_label(seen[name])} and "
                f"{column_label(index)}); rename one of them",
            )
        seen[name] = index
        names.append(name)
    return names


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Number):
        return True
    return isinstance(value, str) and bool(_NUMBER.match(value.strip()))


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and np.isnan(value)
    )


def check_single_header(file: str, frame: pd.DataFrame, row_numbers: np.ndarray) -> None:
    """Reject a second header row (e.g. a row of units under the names).

    A second header row is assumed when at least two columns are numeric further down but the
    first data row holds text in all of them.

    Raises:
        ReaderError: naming the row and its first cell.
    """
    if len(frame) < 4:
        return
    sample = frame.iloc[1:51]
    numeric_columns = []
    for column in frame.columns:
        values = [v for v in sample[column].tolist() if not _is_blank(v)]
        if len(values) >= 3 and sum(map(_is_number, values)) >= 0.8 * len(values):
            numeric_columns.append(column)
    if len(numeric_columns) < 2:
        return
    first = frame.iloc[0]
    if all(not _is_blank(first[c]) and not _is_number(first[c]) for c in numeric_columns):
        column = numeric_columns[0]
        raise ReaderError(
            file, int(row_numbers[0]), column,
            f"a second header row ('{first[column]}' under '{column}'): multi-row headers are "
            "not supported; put units in the header, e.g. 'Water (kg/m3)', and delete the row",
        )


def declared_units(columns: Sequence[str]) -> dict[str, str]:
    """Units named in headers ("Water (kg/m3)" → "kg/m³")."""
    units = {}
    for column in columns:
        info = split_header(column)
        if info.unit:
            units[column] = info.unit
    return units


def make_table(
    file: str,
    name: str,
    frame: pd.DataFrame,
    row_numbers: np.ndarray,
    header_row: int,
    decimal: str | None,
) -> SourceTable:
    """Assemble a SourceTable after the checks every reader shares.

    Raises:
        ReaderError: no data rows, or a second header row.
    """
    if frame.empty:
        raise ReaderError(file, header_row, None,
                          f"the file has a header (row {header_row}) but no data rows")
    check_single_header(file, frame, row_numbers)
    return SourceTable(
        name=name, frame=frame.reset_index(drop=True),
        row_numbers=np.asarray(row_numbers, dtype=np.int64),
        declared_units=declared_units(list(frame.columns)),
        header_row=header_row, decimal=decimal,
    )
