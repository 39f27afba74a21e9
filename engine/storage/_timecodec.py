"""Conversions between tz-aware pandas times and the store's integer microseconds (UTC)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def times_to_us(times: pd.Series) -> list[int | None]:
    """UTC microseconds since the epoch for each time; None for NaT."""
    values = pd.to_datetime(times, utc=True)
    micros = values.dt.as_unit("us").astype("int64").to_numpy()
    missing = values.isna().to_numpy()
    out: list[int | None] = micros.tolist()
    if missing.any():
        for index in np.flatnonzero(missing):
            out[index] = None
    return out


def us_to_times(micros: np.ndarray | pd.Series) -> pd.Series:
    """tz-aware UTC times from integer microseconds (None/NaN → NaT)."""
    numbers = pd.to_numeric(pd.Series(micros), errors="coerce").astype("Int64")
    return pd.to_datetime(numbers, unit="us", utc=True)


def now_us() -> int:
    """The current UTC time in microseconds."""
    return int(pd.Timestamp.now(tz="UTC").value // 1000)  # .value is always nanoseconds
