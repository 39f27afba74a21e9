"""Flat-table reading, column checks, recipe groups and training-data fingerprints."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import FormixError

EXCEL_SUFFIXES = (".xls", ".xlsx", ".xlsm")


def read_flat_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (delimiter sniffed) or Excel sheet into a DataFrame with stripped headers.

    Args:
        path: a .csv/.txt/.data file or an .xls/.xlsx workbook (first sheet).

    Raises:
        FormixError: the file is missing, unreadable or has duplicate headers after stripping.
    """
    path = Path(path)
    if not path.is_file():
        raise FormixError(f"{path}: no such file")
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            with warnings.catch_warnings():
                # pandas 3 flags the xlrd engine as deprecated; it is still the .xls reader.
                warnings.simplefilter("ignore")
                frame = pd.read_excel(path)
        else:
            frame = pd.read_csv(path, sep=None, engine="python")
    except (OSError, ValueError, ImportError, pd.errors.ParserError) as error:
        raise FormixError(f"{path}: cannot read the table ({error})") from error
    frame.columns = [str(c).strip() for c in frame.columns]
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise FormixError(f"{path}: duplicate column headers after stripping: {duplicated}")
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str = "column") -> None:
    """Raise FormixError naming every column of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(repr(c) for c in frame.columns)
        raise FormixError(f"unknown {what}(s) {missing}; the table has: {available}")


def default_inputs(frame: pd.DataFrame, exclude: Iterable[str]) -> list[str]:
    """All numeric columns of ``frame`` except ``exclude``, in table order."""
    skip = set(exclude)
    return [
        c
        for c in frame.columns
        if c not in skip
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]


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
