"""Flat-table reading, column checks, recipe groups and training-data fingerprints."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.errors import FormixError

if TYPE_CHECKING:
    from engine.ingest.mapping import ImportProfile


def read_flat_table(path: str | Path) -> pd.DataFrame:
    """Read a table file with the reader Formix picks for it, as for an import.

    Delimiter, decimal comma, encoding and header row are detected by the reader (CSV, Excel
    workbooks, plugin formats); columns whose every filled cell is a number become float,
    the others stay text (categorical inputs). Headers are stripped, and a unit in square
    brackets is dropped from them ("zement [kg/m³]" → "zement").

    Raises:
        FormixError: the file is missing; ReaderError (a FormixError naming file, row and
            column) when the reader cannot read it.
    """
    return _without_header_units(read_typed_table(path))


def read_typed_table(path: str | Path, profile: ImportProfile | None = None) -> pd.DataFrame:
    """A file's rows as the import reads them (with ``profile``'s reader options, if any),
    headers as written; columns whose every filled cell is a number are float, the others
    text.

    Raises:
        FormixError: the file is missing or its reader cannot read it (naming the file).
    """
    from engine.ingest._cells import Cells
    from engine.ingest._findings import FindingCollector
    from engine.ingest.importer import read_source
    from engine.ingest.mapping import ImportProfile
    from engine.schema import DatasetKind

    path = Path(path)
    if not path.is_file():
        raise FormixError(f"{path}: no such file")
    profile = profile or ImportProfile(kind=DatasetKind.SAMPLES)
    table = read_source(path, options=profile.reader_options.model_dump(exclude_none=True))
    columns: dict[str, object] = {}
    for name in table.frame.columns:
        cells = Cells(table, profile, FindingCollector(path.name, table.row_numbers))
        values = cells.numbers(name)
        columns[name] = cells.text(name) if cells.findings.has_errors else values
    return pd.DataFrame(columns).reset_index(drop=True)


HEADER_UNITS_ATTR = "header_units"
"""``frame.attrs`` key of :func:`read_flat_table`: column → the unit its header named."""


def _without_header_units(frame: pd.DataFrame) -> pd.DataFrame:
    """Headers "name [unit]" (as ``formix table`` writes them) named "name", unless two
    columns would then share a name; the units go to ``attrs[HEADER_UNITS_ATTR]`` (a table
    exported from a US project is in lb/yd³ and psi, and a model trained on it must say so)."""
    from engine.linking.export import bare_name, header_unit

    names = [bare_name(str(c)) for c in frame.columns]
    if len(set(names)) != len(names):
        return frame
    units = {name: unit for name, column in zip(names, frame.columns, strict=True)
             if (unit := header_unit(str(column)))}
    renamed = frame.set_axis(names, axis=1)
    renamed.attrs[HEADER_UNITS_ATTR] = units
    return renamed


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str = "column") -> None:
    """Raise FormixError naming every column of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(repr(c) for c in frame.columns)
        raise FormixError(f"unknown {what}(s) {missing}; the table has: {available}")


def default_inputs(frame: pd.DataFrame, exclude: Iterable[str]) -> list[str]:
    """All numeric columns of ``frame`` except ``exclude`` and row numbers, in table order."""
    skip = {*exclude, *row_number_columns(frame)}
    return [
        c
        for c in frame.columns
        if c not in skip
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]


def row_number_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that just number the rows: consecutive integers in row order (a saved pandas
    index, "No.", "#"). As model inputs they would tie predictions to row order and make every
    row its own recipe in grouped cross-validation."""
    if len(frame) < 3:
        return []
    found = []
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        numbers = values.to_numpy(dtype=float)
        if (np.isfinite(numbers).all() and numbers[0] == np.round(numbers[0])
                and np.all(np.diff(numbers) == 1.0)):
            found.append(column)
    return found


def recipe_groups(
    frame: pd.DataFrame, inputs: Sequence[str], age_column: str | None = None
) -> np.ndarray:
    """Group ids: rows sharing all input values except the test age are one recipe."""
    keys = [c for c in inputs if c != age_column]
    if not keys:
        return np.arange(len(frame), dtype=np.int64)
    ids = frame[keys].groupby(keys, dropna=False, sort=False).ngroup()
    return ids.to_numpy(dtype=np.int64)


def group_ids(values: pd.Series | np.ndarray | Sequence[object]) -> np.ndarray:
    """Integer codes for arbitrary group labels (missing labels form one group)."""
    codes, _ = pd.factorize(pd.Series(values), use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64)


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """sha256 of ``frame`` written as UTF-8 CSV without index (floats written exactly)."""
    text = frame.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
