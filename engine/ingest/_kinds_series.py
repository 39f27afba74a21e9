"""Process series (historian logs), long (tag, time, value) or wide (time + one column per tag).

Built for millions of rows: every step works on whole columns; tags are categorical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.errors import Severity
from engine.ingest import _fast, _frames
from engine.ingest._cells import Cells
from engine.ingest._convert import (
    constant_units,
    convert_by_unit_column,
    convert_column,
    unit_text,
)
from engine.ingest._mapped import Mapped, name_of
from engine.ingest.mapping import ColumnMapping

Frames = dict[str, pd.DataFrame]
_BAD_QUALITY = r"^(?:bad|uncertain|invalid|b|u|false)\b"


def wide_values(cells: Cells, mappings: list[ColumnMapping]) -> pd.DataFrame:
    """Wide numeric columns as long rows: pos, tag, value, unit (blank cells left out)."""
    parts = []
    for mapping in mappings:
        values = cells.numbers(mapping.source, "value")
        converted = convert_column(cells, values, mapping, percent_bounded=False)
        if converted is None:
            continue
        values, unit = converted
        present = np.flatnonzero(~np.isnan(values))
        parts.append(pd.DataFrame({"pos": present, "tag": name_of(mapping),
                                   "value": values[present], "unit": unit}))
    if not parts:
        return pd.DataFrame({"pos": pd.Series(dtype=np.int64), "tag": pd.Series(dtype=str),
                             "value": pd.Series(dtype=float), "unit": pd.Series(dtype=str)})
    return pd.concat(parts, ignore_index=True)


def process_series(cells: Cells, mapped: Mapped) -> Frames:
    """A historian log in long or wide form (wide when ``tag:<name>`` columns are mapped)."""
    time_map = mapped.require("time", "process series")
    if mapped.prefixed("tag") and mapped.one("tag") is None:
        return _wide(cells, mapped, time_map)
    tag_map = mapped.require("tag", "process series (long form; or map tag:<name> columns)")
    value_map = mapped.require("value", "process series")
    if time_map is None or tag_map is None or value_map is None:
        return {}
    tags = cells.required_text(tag_map.source, "tag")
    codes, categories = _fast.factorize(tags)
    times = cells.times(time_map.source, series_codes=codes)
    values = cells.numbers(value_map.source, "value", required=True)
    unit_map = mapped.one("unit")
    if unit_map is not None:
        fallback = unit_text(cells, value_map, amount=True)
        values, units = convert_by_unit_column(
            cells, values, cells.text(unit_map.source), unit_map.source, fallback,
            percent_bounded=False)
    else:
        converted = convert_column(cells, values, value_map, amount=True, percent_bounded=False)
        values, unit = converted if converted is not None else (values, "")
        units = constant_units(unit, cells.n)
    valid = tags.notna().to_numpy() & times.notna().to_numpy() & ~np.isnan(values)
    quality_map = mapped.one("quality")
    if quality_map is not None:
        quality = cells.text(quality_map.source)
        bad = quality.str.lower().str.contains(_BAD_QUALITY, regex=True).fillna(False)
        bad = bad.to_numpy(dtype=bool) & valid
        if bad.any():
            cells.findings.add(None, quality_map.source,
                               f"{int(bad.sum())} rows with bad or uncertain quality left out",
                               Severity.WARNING)
        valid &= ~bad
    order = _check_order(cells, codes, times, valid, time_map.source, np.asarray(categories))
    keep = np.flatnonzero(valid)
    if order is not None:
        keep = keep[order]
    batch = mapped.one("batch_id")
    batch_ids = (cells.text(batch.source).astype(object).where(lambda s: s.notna(), None)
                 .to_numpy() if batch is not None else None)
    return {"process_series": _frames.build("process_series", {
        "tag": pd.Categorical.from_codes(codes[keep], categories=categories),
        "time": times.iloc[keep].reset_index(drop=True),
        "value": values[keep],
        "unit": units[keep],
        "batch_id": batch_ids[keep] if batch_ids is not None else None,
        "source_row": cells.table.row_numbers[keep],
    })}


def _check_order(cells: Cells, codes: np.ndarray, times: pd.Series, valid: np.ndarray,
                 source: str, names: np.ndarray | None) -> np.ndarray | None:
    """Times must not go back within a tag. Returns a sort order of the valid rows when the
    profile allows sorting and they were out of order, else None."""
    positions = np.flatnonzero(valid)
    stamps = times.to_numpy(dtype="datetime64[ns]")[positions].view(np.int64)
    tag_codes = codes[positions]
    order = np.argsort(tag_codes, kind="stable")
    same = tag_codes[order][1:] == tag_codes[order][:-1]
    step = np.diff(stamps[order])
    back = same & (step < 0)
    repeat = same & (step == 0)
    rows = cells.table.row_numbers
    if repeat.any():
        later = positions[order[1:][repeat]]
        what = "row" if names is None else "record of this tag"
        cells.warn(later, source, f"same timestamp as the previous {what}")
    if not back.any():
        return None
    later = positions[order[1:][back]]
    earlier = dict(zip(later.tolist()[:50], positions[order[:-1][back]].tolist()[:50],
                       strict=False))
    if cells.profile.sort_times:
        cells.findings.add(None, source,
                           f"{int(back.sum())} out-of-order timestamps; rows were sorted by time "
                           "because the profile says sort_times", Severity.WARNING)
        return np.lexsort((stamps, tag_codes))

    def reason(i: int) -> str:
        previous = "row" if names is None else f"record of tag '{names[codes[i]]}'"
        return (f"timestamp {times.iloc[i]} is earlier than the previous {previous} "
                f"(row {rows[earlier[i]]}): the log is out of order; sort it or set "
                "sort_times in the import profile")

    cells.findings.add_rows(later, source, reason)
    return None


def _wide(cells: Cells, mapped: Mapped, time_map: ColumnMapping | None) -> Frames:
    if time_map is None:
        return {}
    times = cells.times(time_map.source)
    long = wide_values(cells, mapped.prefixed("tag"))
    time_ok = times.notna().to_numpy()
    positions = long["pos"].to_numpy()
    long = long[time_ok[positions]]
    codes = np.zeros(cells.n, dtype=np.int64)  # one series: all rows share one time axis
    order = _check_order(cells, codes, times, time_ok, time_map.source, None)
    if order is not None:
        rank = np.empty(cells.n, dtype=np.int64)
        rank[np.flatnonzero(time_ok)[order]] = np.arange(int(time_ok.sum()))
        long = long.iloc[np.lexsort((rank[long["pos"].to_numpy()],
                                     pd.factorize(long["tag"])[0]))]
    positions = long["pos"].to_numpy()
    batch = mapped.one("batch_id")
    batch_ids = (cells.text(batch.source).astype(object).where(lambda s: s.notna(), None)
                 .to_numpy()[positions] if batch is not None else None)
    return {"process_series": _frames.build("process_series", {
        "tag": pd.Categorical(long["tag"].to_numpy()),
        "time": times.iloc[positions].reset_index(drop=True),
        "value": long["value"].to_numpy(),
        "unit": pd.Categorical(long["unit"].to_numpy()),
        "batch_id": batch_ids,
        "source_row": cells.table.row_numbers[positions],
    })}
