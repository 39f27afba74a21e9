"""Small helpers shared by the linking modules: canonical frames, times, source labels."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from engine.errors import FormixError
from engine.linking.report import MAX_EXAMPLES, LinkIssue, make_issue
from engine.schema import FRAME_COLUMNS

NAT_NS = np.iinfo(np.int64).min
"""How NaT looks as int64 nanoseconds."""


def canonical_frame(frames: Mapping[str, pd.DataFrame], name: str,
                    required: tuple[str, ...] = ()) -> pd.DataFrame:
    """The frame ``name`` with every canonical column (missing optional ones as all-NA).

    Raises:
        FormixError: a column in ``required`` is missing.
    """
    frame = frames.get(name)
    columns = FRAME_COLUMNS[name]
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    require_columns(frame, name, required)
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        frame = frame.assign(**{c: pd.Series(np.nan, index=frame.index, dtype="object")
                                for c in absent})
    return frame


def require_columns(frame: pd.DataFrame, name: str, required: tuple[str, ...]) -> None:
    """Raise FormixError naming the columns of ``required`` that ``frame`` lacks."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise FormixError(f"the {name} table lacks column(s) {missing}; "
                          f"expected the canonical columns {list(FRAME_COLUMNS[name])}")


def time_ns(values: pd.Series, what: str) -> np.ndarray:
    """Times as int64 nanoseconds since the epoch, UTC; NaT becomes ``NAT_NS``.

    Naive times are taken as UTC (the canonical frames are UTC already).

    Raises:
        FormixError: the values are not times.
    """
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        try:
            values = pd.to_datetime(values, utc=True)
        except (TypeError, ValueError) as error:
            raise FormixError(f"{what} must be times ({error})") from None
    return np.asarray(values.to_numpy(dtype="datetime64[ns]")).view(np.int64)


def format_ns(value: int) -> str:
    """An int64 nanosecond UTC time as ISO 8601 text, for report examples."""
    if value == NAT_NS:
        return "no time"
    return pd.Timestamp(int(value), tz="UTC").isoformat()


def file_names(imports: pd.DataFrame) -> dict[object, str]:
    """import_id → file name, from the imports table."""
    if imports.empty:
        return {}
    valid = imports.dropna(subset=["import_id"])
    return dict(zip(valid["import_id"].tolist(), valid["file_name"].astype(str).tolist(),
                    strict=True))


def source_labels(frame: pd.DataFrame, names: Mapping[object, str]) -> pd.Series:
    """``"file_name:row"`` per row of a canonical frame (``import_id`` + ``source_row``)."""
    import_ids = frame["import_id"]
    file = import_ids.map(dict(names)).astype(object)
    no_name = file.isna().to_numpy()
    if no_name.any():  # few distinct import ids: label each once
        fallback = {i: "?" if pd.isna(i) else f"import {i}"
                    for i in pd.unique(import_ids[no_name].to_numpy(object))}
        file[no_name] = import_ids[no_name].astype(object).map(fallback)
    rows = pd.to_numeric(frame["source_row"], errors="coerce").astype("Int64").astype(str)
    rows = rows.where(pd.notna(frame["source_row"]).to_numpy(), "?").astype(object)
    return (file.astype(object) + ":" + rows).astype(object)


def unique_batches(batches: pd.DataFrame,
                   names: Mapping[object, str]) -> tuple[pd.DataFrame, list[LinkIssue]]:
    """The batches with an id, first row per id kept; issues for the rows left out."""
    ids = batches["batch_id"]
    no_id = ids.isna().to_numpy()
    repeated = ids.duplicated().to_numpy() & ~no_id
    if not (no_id.any() or repeated.any()):
        return batches, []
    issues = make_issue("batches_without_id", "batch rows without a batch id (not used)",
                        int(no_id.sum()), row_labels(batches[no_id], names))
    issues += make_issue("batches_duplicate_id",
                         "batch rows repeating an earlier batch id (first row kept)",
                         int(repeated.sum()),
                         (f"{b} ({label})" for b, label in zip(
                             batches["batch_id"][repeated], row_labels(batches[repeated], names),
                             strict=False)))
    return batches[~(no_id | repeated)], issues


def row_labels(frame: pd.DataFrame, names: Mapping[object, str]) -> list[str]:
    """Source labels of a frame's first rows (for examples), or its index labels when the
    frame has no provenance columns."""
    head = frame.head(MAX_EXAMPLES)
    if {"import_id", "source_row"} <= set(head.columns):
        return source_labels(head, names).tolist()
    return [f"row {i}" for i in head.index]
