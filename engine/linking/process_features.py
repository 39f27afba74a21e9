"""Process-series features per batch: statistics of each tag over the batch's time window.

Vectorised throughout: one Python loop over tags, none over rows or batches. For each tag the
samples are sorted by time (int64 nanoseconds); ``np.searchsorted`` finds each batch window's
first and last sample, ``np.repeat`` expands the windows into (batch, sample) pairs, and
``ufunc.reduceat`` reduces every batch's contiguous run of pairs at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.linking._frames import (
    NAT_NS,
    format_ns,
    require_columns,
    row_labels,
    time_ns,
    unique_batches,
)
from engine.linking.options import LinkOptions
from engine.linking.report import MAX_EXAMPLES, LinkReport, make_issue
from engine.progress import CancelToken, ProgressCallback, no_progress

_NS_PER_MINUTE = 60_000_000_000
_NO_BATCH_ID = -1  # row carries no batch id: link it by time window
_UNKNOWN_BATCH_ID = -2  # row names a batch the batches table does not have

FEATURE_UNITS_ATTR = "units"
"""Key of ``features.attrs`` holding each feature column's unit (pint string)."""


@dataclass
class _Tally:
    """Counts and examples gathered over the tags."""

    linked_by_id: int = 0
    linked_by_window: int = 0
    unlinked: int = 0
    unknown_batch: int = 0
    shared: int = 0
    unlinked_examples: list[str] = field(default_factory=list)
    unknown_examples: list[str] = field(default_factory=list)
    shared_examples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Windows:
    """The batches as arrays: ids and window bounds in int64 ns (inclusive)."""

    ids: pd.Index
    start_ns: np.ndarray
    end_ns: np.ndarray
    has_window: np.ndarray


def aggregate_process_windows(
    series: pd.DataFrame,
    batches: pd.DataFrame,
    options: LinkOptions,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    *,
    file_names: Mapping[object, str] | None = None,
) -> tuple[pd.DataFrame, LinkReport]:
    """Statistics of each process tag per batch, over the batch's window or by batch id.

    Rows with a ``batch_id`` belong to that batch only; rows without one belong to every
    batch whose window ``[start - lead, end + lag]`` (ends included) contains their time.
    Within a batch, a sample's value holds until the batch's next sample of the same tag;
    ``time_above`` sums those intervals while the value is above the tag's threshold, and
    ``duration`` is the time from the first to the last sample (both in minutes).

    Args:
        series: canonical ``process_series`` frame (tag, time, value, unit, batch_id, …).
        batches: canonical ``batches`` frame (batch_id, start_time, end_time, …).
        options: window and the statistics to compute.
        progress: receives (fraction, message) once per tag.
        cancel: checked once per tag.
        file_names: import_id → file name, to name source rows in the report's examples.

    Returns:
        A frame indexed by batch_id with columns ``<tag>__<stat>`` (NaN where a batch has no
        samples of the tag, count 0) and ``attrs["units"]`` naming each column's unit; and
        a report of linked, unlinked, unknown-batch and shared (overlapping-window) rows.
    """
    progress = progress or no_progress
    names = dict(file_names or {})
    require_columns(series, "process_series", ("tag", "time", "value"))
    require_columns(batches, "batches", ("batch_id", "start_time"))
    batches, duplicate_issues = unique_batches(batches, names)
    windows = _windows(batches, options)
    n_batches = len(windows.ids)

    n_rows = len(series)
    tag_codes, tags = _tag_codes(series["tag"])
    times = time_ns(series["time"], "process series times")
    values = pd.to_numeric(series["value"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    invalid = (tag_codes < 0) | (times == NAT_NS) | np.isnan(values)
    batch_codes = (_batch_codes(series["batch_id"], windows.ids) if "batch_id" in series
                   else np.full(n_rows, _NO_BATCH_ID, dtype=np.int64))

    columns: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    has_samples = np.zeros(n_batches, dtype=bool)
    shared_batches = np.zeros(n_batches, dtype=bool)
    tally = _Tally()

    # Rows grouped by tag with one stable sort of small integer codes (radix sort).
    order = np.argsort(_small_ints(tag_codes), kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(tag_codes + 1, minlength=len(tags) + 1))))
    tag_order = sorted(range(len(tags)), key=lambda k: str(tags[k]))
    for step, k in enumerate(tag_order):
        if cancel is not None:
            cancel.raise_if_cancelled()
        tag = str(tags[k])
        progress(step / max(len(tags), 1), f"process features: {tag}")
        rows = order[bounds[k + 1]:bounds[k + 2]]
        rows = rows[~invalid[rows]]
        rows = _sorted_by_time(rows, times)
        batch_of, position = _link_tag(rows, times, batch_codes, windows, series, names, tag,
                                       tally, shared_batches)
        stats = _tag_statistics(batch_of, times[rows[position]], values[rows[position]],
                                n_batches, options, tag)
        has_samples[batch_of] = True
        unit = _first_unit(series, rows)
        for stat, column in stats.items():
            name = f"{tag}__{stat}"
            columns[name] = column
            units[name] = _stat_unit(stat, unit)
    progress(1.0, "process features done")

    features = pd.DataFrame(columns, index=windows.ids.rename("batch_id"))
    features.attrs[FEATURE_UNITS_ATTR] = units
    n_invalid = int(invalid.sum())
    counts = {
        "series_rows": n_rows,
        "series_linked_by_id": tally.linked_by_id,
        "series_linked_by_window": tally.linked_by_window,
        "series_unlinked": tally.unlinked,
        "series_unknown_batch": tally.unknown_batch,
        "series_invalid": n_invalid,
        "series_shared": tally.shared,
    }
    issues = duplicate_issues
    issues += make_issue("series_unlinked", "process rows in no batch window (not used)",
                         tally.unlinked, tally.unlinked_examples)
    issues += make_issue("series_unknown_batch",
                         "process rows naming a batch id the batches table lacks (not used)",
                         tally.unknown_batch, tally.unknown_examples)
    issues += make_issue("series_invalid", "process rows without tag, time or value (not used)",
                         n_invalid, _invalid_examples(series, invalid, names))
    issues += make_issue("overlapping_windows",
                         "batches whose windows overlap another's: shared samples count for both",
                         int(shared_batches.sum()), tally.shared_examples)
    no_start = ~windows.has_window
    issues += make_issue("batches_without_start_time",
                         "batches without a start time (linked by batch id only)",
                         int(no_start.sum()),
                         (str(b) for b in windows.ids[no_start][:MAX_EXAMPLES]))
    if n_rows:
        missing = ~has_samples
        issues += make_issue("batches_without_series", "batches without any process sample",
                             int(missing.sum()),
                             (str(b) for b in windows.ids[missing][:MAX_EXAMPLES]))
    return features, LinkReport(counts, tuple(issues))


def _windows(batches: pd.DataFrame, options: LinkOptions) -> _Windows:
    start = time_ns(batches["start_time"], "batch start times")
    end = (time_ns(batches["end_time"], "batch end times") if "end_time" in batches
           else np.full(len(start), NAT_NS))
    end = np.where(end == NAT_NS, start, end)
    has_window = start != NAT_NS
    lead = options.lead // pd.Timedelta(1, "ns")
    lag = options.lag // pd.Timedelta(1, "ns")
    return _Windows(pd.Index(batches["batch_id"]), np.where(has_window, start - lead, 0),
                    np.where(has_window, end + lag, -1), has_window)


def _tag_codes(tags: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer code per row (−1 for a missing tag) and the tag names."""
    if isinstance(tags.dtype, pd.CategoricalDtype):
        codes = tags.cat.codes.to_numpy()
        categories = tags.cat.categories
    else:
        codes, categories = pd.factorize(tags)
    return codes.astype(np.int64, copy=False), pd.Index(categories)


def _small_ints(codes: np.ndarray) -> np.ndarray:
    """Codes in the narrowest integer type, so a stable argsort is a radix sort."""
    for dtype in (np.int8, np.int16):
        if len(codes) == 0 or codes.max() < np.iinfo(dtype).max:
            return codes.astype(dtype)
    return codes


def _sorted_by_time(rows: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``rows`` ordered by time, equal times in row order (historian logs are mostly sorted)."""
    row_times = times[rows]
    if np.all(row_times[1:] >= row_times[:-1]):
        return rows
    return rows[np.argsort(row_times, kind="stable")]


def _batch_codes(batch_ids: pd.Series, ids: pd.Index) -> np.ndarray:
    """Per row: position of its batch in ``ids``, _NO_BATCH_ID or _UNKNOWN_BATCH_ID."""
    result = np.full(len(batch_ids), _NO_BATCH_ID, dtype=np.int64)
    if isinstance(batch_ids.dtype, pd.CategoricalDtype):
        per_category = ids.get_indexer(batch_ids.cat.categories)
        codes = batch_ids.cat.codes.to_numpy()
        present = codes >= 0
        found = per_category[codes[present]]
    else:
        present = batch_ids.notna().to_numpy()
        if not present.any():
            return result
        found = ids.get_indexer(batch_ids[present])
    result[present] = np.where(found < 0, _UNKNOWN_BATCH_ID, found)
    return result


def _link_tag(rows: np.ndarray, times: np.ndarray, batch_codes: np.ndarray,
              windows: _Windows, series: pd.DataFrame, names: Mapping[object, str], tag: str,
              tally: _Tally, shared_batches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(batch, position in ``rows``) pairs of one tag, sorted by batch then time."""
    tag_times = times[rows]
    codes = batch_codes[rows]
    free = np.flatnonzero(codes == _NO_BATCH_ID)
    by_id = np.flatnonzero(codes >= 0)
    unknown = np.flatnonzero(codes == _UNKNOWN_BATCH_ID)
    tally.linked_by_id += len(by_id)
    tally.unknown_batch += len(unknown)
    _add_examples(tally.unknown_examples, series, rows[unknown], names,
                  lambda r: f"{tag} at {format_ns(times[r])} names batch "
                            f"{series['batch_id'].iloc[r]!r}")

    # Window linking of the rows without a batch id; searchsorted on their sorted times.
    free_times = tag_times[free]
    first = np.searchsorted(free_times, windows.start_ns, side="left")
    stop = np.searchsorted(free_times, windows.end_ns, side="right")
    n_in = np.where(windows.has_window, np.maximum(stop - first, 0), 0)
    batch_of = np.repeat(np.arange(len(n_in)), n_in)
    offset = np.arange(len(batch_of)) - np.repeat(np.cumsum(n_in) - n_in, n_in)
    free_index = np.repeat(first, n_in) + offset

    # How many windows hold each free row: +1 at each window's first row, −1 after its last.
    used = n_in > 0
    size = len(free) + 1
    windows_per_row = np.cumsum(np.bincount(first[used], minlength=size)
                                - np.bincount(stop[used], minlength=size))[:-1]
    in_none = np.flatnonzero(windows_per_row == 0)
    tally.unlinked += len(in_none)
    tally.linked_by_window += len(free) - len(in_none)
    _add_examples(tally.unlinked_examples, series, rows[free[in_none]], names,
                  lambda r: f"{tag} at {format_ns(times[r])}")
    in_several = windows_per_row > 1
    n_shared = int(in_several.sum())
    if n_shared:
        tally.shared += n_shared
        shared_batches[batch_of[in_several[free_index]]] = True
        for j in np.flatnonzero(in_several)[:MAX_EXAMPLES - len(tally.shared_examples)]:
            holders = windows.ids[(first <= j) & (stop > j) & used]
            r = rows[free[j]]
            tally.shared_examples.append(
                f"{tag} at {format_ns(times[r])} ({_source(series, r, names)}) is in the "
                f"windows of batches {', '.join(map(str, holders[:MAX_EXAMPLES]))}")

    position = free[free_index]
    if len(by_id):
        # Merge id-linked rows in: one sort of batch * n + position keys keeps the order.
        n = max(len(rows), 1)
        keys = np.concatenate((batch_of * n + position, codes[by_id] * n + by_id))
        keys.sort()
        batch_of, position = np.divmod(keys, n)
    return batch_of, position


def _tag_statistics(batch_of: np.ndarray, sample_times: np.ndarray, sample_values: np.ndarray,
                    n_batches: int, options: LinkOptions, tag: str) -> dict[str, np.ndarray]:
    """The requested statistics of one tag for every batch (NaN or 0 where it has none)."""
    wanted = [s for s in options.features if s != "time_above" or tag in options.thresholds]
    result: dict[str, np.ndarray] = {}
    if not len(batch_of):
        for stat in wanted:
            result[stat] = (np.zeros(n_batches, dtype=np.int64) if stat == "count"
                            else np.full(n_batches, np.nan))
        return result
    starts = np.concatenate(([0], np.flatnonzero(batch_of[1:] != batch_of[:-1]) + 1))
    ends = np.concatenate((starts[1:], [len(batch_of)]))
    batches = batch_of[starts]
    n_samples = ends - starts

    def full(values: np.ndarray) -> np.ndarray:
        out = np.full(n_batches, np.nan)
        out[batches] = values
        return out

    for stat in wanted:
        if stat == "mean":
            result[stat] = full(np.add.reduceat(sample_values, starts) / n_samples)
        elif stat == "min":
            result[stat] = full(np.minimum.reduceat(sample_values, starts))
        elif stat == "max":
            result[stat] = full(np.maximum.reduceat(sample_values, starts))
        elif stat == "last":
            result[stat] = full(sample_values[ends - 1])
        elif stat == "duration":
            result[stat] = full((sample_times[ends - 1] - sample_times[starts]) / _NS_PER_MINUTE)
        elif stat == "count":
            counts = np.zeros(n_batches, dtype=np.int64)
            counts[batches] = n_samples
            result[stat] = counts
        elif stat == "time_above":
            # Interval from each sample to the batch's next one, kept while above threshold.
            same_batch = batch_of[1:] == batch_of[:-1]
            above = sample_values[:-1] > options.thresholds[tag]
            held = np.where(same_batch & above, np.diff(sample_times), 0)
            held = np.append(held, 0).astype(np.float64)
            result[stat] = full(np.add.reduceat(held, starts) / _NS_PER_MINUTE)
    return result


def _stat_unit(stat: str, tag_unit: str) -> str:
    if stat in ("duration", "time_above"):
        return "minute"
    if stat == "count":
        return "dimensionless"
    return tag_unit


def _first_unit(series: pd.DataFrame, rows: np.ndarray) -> str:
    if not len(rows) or "unit" not in series:
        return ""
    unit = series["unit"].iloc[int(rows[0])]
    return "" if pd.isna(unit) else str(unit)


def _source(series: pd.DataFrame, row: int, names: Mapping[object, str]) -> str:
    return row_labels(series.iloc[[row]], names)[0]


def _add_examples(examples: list[str], series: pd.DataFrame, rows: np.ndarray,
                  names: Mapping[object, str], describe: Callable[[int], str]) -> None:
    for r in rows[:MAX_EXAMPLES - len(examples)]:
        examples.append(f"{describe(int(r))} ({_source(series, int(r), names)})")


def _invalid_examples(series: pd.DataFrame, invalid: np.ndarray,
                      names: Mapping[object, str]) -> list[str]:
    rows = np.flatnonzero(invalid)[:MAX_EXAMPLES]
    return [f"tag {series['tag'].iloc[r]!r}, time {series['time'].iloc[r]}, value "
            f"{series['value'].iloc[r]!r} ({_source(series, int(r), names)})" for r in rows]
