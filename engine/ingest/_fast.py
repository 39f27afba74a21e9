"""Arrow fast paths for text columns of millions of rows (pandas' string dtype is Arrow-backed
when pyarrow is installed).

Each function returns None when its fast path does not apply (pyarrow missing, as in the
offline bundle; not an Arrow column; or some cell does not convert); the caller then takes the
slower pandas path, which gives the same values and also finds the offending rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# In decimal-comma files a point groups thousands: "1.350,5" and "1.350" (no comma).
GROUPED = r"^[-+]?\d{1,3}(\.\d{3})+$"


def _arrow(series: pd.Series) -> Any:
    if series.dtype == object or not pd.api.types.is_string_dtype(series.dtype):
        return None
    try:
        import pyarrow as pa
    except ImportError:  # optional: the offline bundle leaves it out
        return None
    try:
        array = pa.array(series.array)
    except (TypeError, ValueError, pa.ArrowException):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def _trimmed(array: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)


def to_float(series: pd.Series, decimal: str) -> np.ndarray | None:
    """float64 values (NaN for blanks), or None if some cell is not a plain number."""
    array = _arrow(series)
    if array is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    text = _trimmed(array)
    if decimal == ",":
        points_group = pc.or_kleene(pc.match_substring(text, ","),
                                    pc.match_substring_regex(text, GROUPED))
        text = pc.if_else(points_group, pc.replace_substring(text, ".", ""), text)
        text = pc.replace_substring(text, ",", ".")
    try:
        values = pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return values.to_numpy(zero_copy_only=False)


def factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the distinct values, in order of appearance."""
    array = _arrow(series)
    if array is None:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(array)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, np.asarray(encoded.dictionary.to_pylist(), dtype=object)


def to_times(series: pd.Series, fmt: str | None) -> pd.Series | None:
    """Timestamps parsed by Arrow; None when some non-blank cell does not parse that way.

    With ``fmt`` None: ISO 8601 without offset gives naive times, ISO 8601 where every cell
    carries an offset or "Z" gives UTC times. Otherwise ``fmt`` is a strptime format (naive).
    """
    if fmt is not None and any(code in fmt for code in ("%z", "%Z", "%f", "%p", "%b", "%B")):
        return None
    array = _arrow(series)
    if array is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    text = _trimmed(array)
    try:
        if fmt is None:
            try:
                stamps = pc.cast(text, pa.timestamp("ns"))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                stamps = pc.cast(text, pa.timestamp("ns", tz="UTC"))  # "…Z" / "…+01:00"
                values = stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
                return pd.Series(values, index=series.index).dt.tz_localize("UTC")
        else:
            stamps = pc.strptime(text, format=fmt, unit="ns", error_is_null=True)
            if stamps.null_count != text.null_count:
                return None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    values = stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    if fmt is not None and not _check_rolled_days(values, text, stamps, fmt):
        return None
    return pd.Series(values, index=series.index)


def _check_rolled_days(values: np.ndarray, text: Any, stamps: Any, fmt: str) -> bool:
    """Arrow's strptime rolls impossible days over ("31.02.2024" → 2 March); pandas refuses
    them. Such rows land on day 1–3 of a month: those that do not print back as written are
    parsed by pandas (fixed in ``values``); False if pandas refuses one (a bad cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    candidates = np.flatnonzero(pc.fill_null(pc.less_equal(pc.day(stamps), 3), False)
                                .to_numpy(zero_copy_only=False))
    if not len(candidates):
        return True
    taken = pc.take(text, pa.array(candidates))
    printed = pc.strftime(pc.cast(pc.take(stamps, pa.array(candidates)), pa.timestamp("s")),
                          format=fmt)
    differs = candidates[pc.fill_null(pc.not_equal(printed, taken), True)
                         .to_numpy(zero_copy_only=False)]
    if not len(differs):
        return True
    cells = pd.Series(pc.take(text, pa.array(differs)).to_pylist(), dtype=object)
    try:
        again = pd.to_datetime(cells, format=fmt, errors="coerce").to_numpy(
            dtype="datetime64[ns]")
    except (ValueError, OverflowError):
        return False
    if np.isnat(again).any():
        return False
    values[differs] = again
    return True


def decimal_comma_to_point(text: pd.Series) -> pd.Series:
    """The pandas version of the decimal-comma rewrite ("1.350,5" → "1350.5")."""
    points_group = text.str.contains(",", regex=False) | text.str.match(GROUPED)
    text = text.where(~points_group.fillna(False).astype(bool),
                      text.str.replace(".", "", regex=False))
    return text.str.replace(",", ".", regex=False)
