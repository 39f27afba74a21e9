"""Canonical frames of ``engine.schema`` as ``normalise`` returns them (no import_id yet)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from engine.schema import FRAME_COLUMNS

_DTYPES = {
    "source_row": np.int64, "version": np.int64, "recipe_version": "Int64", "amount": float,
    "value": float, "value_num": float,
    "test_age_days": float, "replicate": np.int64, "price_per_unit": float,
    "co2_per_unit": float, "density_kg_m3": float,
    "time": "datetime64[ns, UTC]", "start_time": "datetime64[ns, UTC]",
    "end_time": "datetime64[ns, UTC]",
}


def columns_of(name: str) -> tuple[str, ...]:
    """The columns of a canonical frame, without ``import_id`` (the store adds it)."""
    return tuple(c for c in FRAME_COLUMNS[name] if c != "import_id")


def build(name: str, data: Mapping[str, object]) -> pd.DataFrame:
    """A canonical frame from column arrays; missing columns are filled with nulls."""
    columns = columns_of(name)
    lengths = [len(v) for v in data.values() if hasattr(v, "__len__") and not isinstance(v, str)]
    n = max(lengths, default=0)
    out = {}
    for column in columns:
        value = data.get(column)
        dtype = _DTYPES.get(column, object)
        if value is None:
            if dtype is object:
                value = np.full(n, None, dtype=object)
            elif str(dtype).startswith("datetime"):
                value = pd.Series(pd.NaT, index=range(n), dtype=dtype)
            else:
                value = np.full(n, np.nan if dtype is float else 0)
        series = pd.Series(value, copy=False).reset_index(drop=True) if not isinstance(
            value, str) else pd.Series([value] * n)
        if isinstance(series.dtype, pd.CategoricalDtype):
            pass  # tags and units of long process series stay categorical
        elif dtype is not object:
            series = series.astype(dtype)
        else:
            series = series.astype(object).where(series.notna(), None)
        out[column] = series
    return pd.DataFrame(out, columns=list(columns))


def empty(name: str) -> pd.DataFrame:
    """An empty canonical frame."""
    return build(name, {})
