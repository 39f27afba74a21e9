"""Process features per batch window: rules on hand-made frames, and a slow reference."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from engine.linking import PROCESS_FEATURES, LinkOptions, aggregate_process_windows
from engine.progress import Cancelled, CancelToken

T0 = pd.Timestamp("2024-03-01 06:00", tz="UTC")


def at(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def make_batches(*windows: tuple[str, float, float | None]) -> pd.DataFrame:
    return pd.DataFrame({
        "batch_id": [w[0] for w in windows],
        "start_time": pd.to_datetime([at(w[1]) for w in windows], utc=True),
        "end_time": pd.to_datetime([None if w[2] is None else at(w[2]) for w in windows],
                                   utc=True),
    })


def make_series(rows: list[tuple[str, float, float, str | None]]) -> pd.DataFrame:
    return pd.DataFrame({
        "tag": [r[0] for r in rows],
        "time": pd.to_datetime([at(r[1]) for r in rows], utc=True),
        "value": [r[2] for r in rows],
        "unit": "degC",
        "batch_id": [r[3] for r in rows],
        "import_id": 7,
        "source_row": range(2, len(rows) + 2),
    })


ALL = LinkOptions(features=PROCESS_FEATURES, thresholds={"temp": 20.0})


def test_window_with_lead_and_lag_includes_samples_exactly_on_its_bounds() -> None:
    batches = make_batches(("B1", 10, 20))
    series = make_series([
        ("temp", 4.99, 1.0, None),   # just before start - lead
        ("temp", 5, 2.0, None),      # exactly start - lead
        ("temp", 15, 3.0, None),
        ("temp", 22, 4.0, None),     # exactly end + lag
        ("temp", 22.01, 5.0, None),  # just after
    ])
    options = LinkOptions(lead=timedelta(minutes=5), lag=timedelta(minutes=2),
                          features=("mean", "min", "max", "last", "count", "duration"))
    features, report = aggregate_process_windows(series, batches, options,
                                                 file_names={7: "hist.csv"})
    row = features.loc["B1"]
    assert row["temp__count"] == 3
    assert row["temp__mean"] == pytest.approx(3.0)
    assert (row["temp__min"], row["temp__max"], row["temp__last"]) == (2.0, 4.0, 4.0)
    assert row["temp__duration"] == pytest.approx(17.0)  # minutes from 5 to 22
    assert report.counts["series_linked_by_window"] == 3
    assert report.counts["series_unlinked"] == 2
    unlinked = report.issue("series_unlinked")
    assert unlinked is not None and unlinked.count == 2
    assert "hist.csv:2" in unlinked.examples[0] and "hist.csv:6" in unlinked.examples[1]


def test_batch_without_end_time_uses_its_start() -> None:
    batches = make_batches(("B1", 10, None))
    series = make_series([("temp", 9, 1.0, None), ("temp", 11, 2.0, None),
                          ("temp", 12, 3.0, None)])
    options = LinkOptions(lead=timedelta(minutes=1), lag=timedelta(minutes=1),
                          features=("count", "mean"))
    features, _ = aggregate_process_windows(series, batches, options)
    assert features.loc["B1", "temp__count"] == 2
    assert features.loc["B1", "temp__mean"] == pytest.approx(1.5)


def test_batch_id_linking_beats_time_linking() -> None:
    batches = make_batches(("B1", 0, 10), ("B2", 20, 30))
    series = make_series([
        ("temp", 5, 100.0, "B2"),   # inside B1's window but labelled B2
        ("temp", 6, 1.0, None),
        ("temp", 25, 3.0, None),
        ("temp", 90, 7.0, "B1"),    # far outside any window, labelled B1
    ])
    features, report = aggregate_process_windows(series, batches,
                                                 LinkOptions(features=("mean", "count")))
    assert features.loc["B1", "temp__count"] == 2
    assert features.loc["B1", "temp__mean"] == pytest.approx(4.0)   # 1 and 7
    assert features.loc["B2", "temp__mean"] == pytest.approx(51.5)  # 100 and 3
    assert report.counts["series_linked_by_id"] == 2
    assert report.counts["series_linked_by_window"] == 2
    assert report.issue("overlapping_windows") is None


def test_overlapping_windows_count_shared_samples_for_both_and_are_reported() -> None:
    batches = make_batches(("B1", 0, 10), ("B2", 8, 20), ("B3", 40, 50))
    series = make_series([("temp", t, float(t), None) for t in (1, 8, 9, 10, 15, 45)])
    features, report = aggregate_process_windows(series, batches, ALL,
                                                 file_names={7: "hist.csv"})
    assert features.loc["B1", "temp__count"] == 4
    assert features.loc["B2", "temp__count"] == 4
    assert features.loc["B3", "temp__count"] == 1
    assert report.counts["series_shared"] == 3
    overlap = report.issue("overlapping_windows")
    assert overlap is not None and overlap.count == 2
    assert "B1, B2" in overlap.examples[0] and "hist.csv:3" in overlap.examples[0]


def test_unknown_batch_ids_invalid_rows_and_batches_without_samples_are_reported() -> None:
    batches = make_batches(("B1", 0, 10), ("B2", 100, 110))
    series = make_series([("temp", 1, 1.0, None), ("temp", 2, 5.0, "B9"),
                          ("temp", 3, np.nan, None), ("temp", 200, 1.0, None)])
    features, report = aggregate_process_windows(series, batches, ALL,
                                                 file_names={7: "hist.csv"})
    assert report.counts["series_rows"] == 4
    assert report.counts["series_unknown_batch"] == 1
    assert report.counts["series_invalid"] == 1
    assert report.counts["series_unlinked"] == 1
    unknown = report.issue("series_unknown_batch")
    assert unknown is not None and "'B9'" in unknown.examples[0]
    without = report.issue("batches_without_series")
    assert without is not None and without.examples == ("B2",)
    assert features.loc["B2", "temp__count"] == 0
    assert np.isnan(features.loc["B2", "temp__mean"])


def test_time_above_holds_each_value_until_the_next_sample() -> None:
    batches = make_batches(("B1", 0, 60))
    series = make_series([("temp", 0, 25.0, None), ("temp", 10, 15.0, None),
                          ("temp", 30, 21.0, None), ("temp", 45, 30.0, None),
                          ("temp", 60, 10.0, None)])
    features, _ = aggregate_process_windows(series, batches, ALL)
    # above 20 from 0 to 10, from 30 to 45 and from 45 to 60: 10 + 15 + 15 minutes
    assert features.loc["B1", "temp__time_above"] == pytest.approx(40.0)
    assert features.loc["B1", "temp__duration"] == pytest.approx(60.0)
    assert features.attrs["units"]["temp__time_above"] == "minute"
    assert features.attrs["units"]["temp__mean"] == "degC"


def test_time_above_only_for_tags_with_a_threshold() -> None:
    batches = make_batches(("B1", 0, 60))
    series = make_series([("temp", 1, 25.0, None), ("power", 2, 3.0, None)])
    features, _ = aggregate_process_windows(series, batches, ALL)
    assert "temp__time_above" in features
    assert "power__time_above" not in features
    assert "power__mean" in features


def test_progress_is_reported_and_cancel_stops() -> None:
    batches = make_batches(("B1", 0, 10))
    series = make_series([("a", 1, 1.0, None), ("b", 1, 1.0, None)])
    seen: list[float] = []
    aggregate_process_windows(series, batches, ALL, progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and len(seen) == 3
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        aggregate_process_windows(series, batches, ALL, cancel=token)


def test_naive_and_microsecond_times_link_like_nanosecond_utc() -> None:
    batches = make_batches(("B1", 0, 10))
    series = make_series([("temp", 5, 2.0, None)])
    expected, _ = aggregate_process_windows(series, batches, ALL)
    series_us = series.assign(time=series["time"].dt.tz_localize(None).astype(
        "datetime64[us]"))
    got, _ = aggregate_process_windows(series_us, batches, ALL)
    pd.testing.assert_frame_equal(got, expected)


# ---- property test: the vectorised code equals a slow, obvious reference ------------------

def reference_features(series: pd.DataFrame, batches: pd.DataFrame,
                       options: LinkOptions) -> pd.DataFrame:
    """Loop over batches and tags, filter with pandas, compute each statistic plainly."""
    valid = series.dropna(subset=["tag", "time", "value"])
    valid = valid[valid["tag"].astype(object).notna()]
    tags = sorted(str(t) for t in valid["tag"].astype(object).unique())
    result = {}
    for _, batch in batches.iterrows():
        end = batch["end_time"] if pd.notna(batch["end_time"]) else batch["start_time"]
        low, high = batch["start_time"] - options.lead, end + options.lag
        row = {}
        for tag in tags:
            of_tag = valid[valid["tag"].astype(object) == tag]
            ids = of_tag["batch_id"].astype(object)
            in_window = ids.isna() & (of_tag["time"] >= low) & (of_tag["time"] <= high)
            linked = of_tag[(ids == batch["batch_id"]) | in_window]
            linked = linked.sort_values("time", kind="stable")
            values = linked["value"].to_numpy()
            minutes = ((linked["time"] - T0).dt.total_seconds() / 60).to_numpy()
            for stat in options.features:
                if stat == "time_above" and tag not in options.thresholds:
                    continue
                name = f"{tag}__{stat}"
                if stat == "count":
                    row[name] = len(values)
                elif not len(values):
                    row[name] = np.nan
                elif stat == "mean":
                    row[name] = values.mean()
                elif stat == "min":
                    row[name] = values.min()
                elif stat == "max":
                    row[name] = values.max()
                elif stat == "last":
                    row[name] = values[-1]
                elif stat == "duration":
                    row[name] = minutes[-1] - minutes[0]
                elif stat == "time_above":
                    row[name] = sum(minutes[i + 1] - minutes[i] for i in range(len(values) - 1)
                                    if values[i] > options.thresholds[tag])
        result[batch["batch_id"]] = row
    frame = pd.DataFrame.from_dict(result, orient="index")
    frame.index.name = "batch_id"
    return frame


def random_case(seed: int, categorical: bool) -> tuple[pd.DataFrame, pd.DataFrame,
                                                         LinkOptions]:
    rng = np.random.default_rng(seed)
    n_batches, n_rows = 25, 1500
    starts = np.sort(rng.uniform(0, 600, n_batches)).round(1)
    lengths = rng.uniform(0, 40, n_batches).round(1)  # long ones overlap the next batch
    ends = [None if rng.random() < 0.1 else s + d for s, d in zip(starts, lengths, strict=True)]
    batches = make_batches(*[(f"B{i}", float(s), e)
                             for i, (s, e) in enumerate(zip(starts, ends, strict=True))])
    tags = np.array(["temp", "power", "speed"], dtype=object)[rng.integers(0, 3, n_rows)]
    times = rng.uniform(-50, 700, n_rows).round(1)  # coarse: ties and boundary hits happen
    times[rng.random(n_rows) < 0.05] = starts[rng.integers(0, n_batches)]
    values = rng.normal(20, 5, n_rows).round(2)
    values[rng.random(n_rows) < 0.02] = np.nan
    ids = np.array([None] * n_rows, dtype=object)
    labelled = rng.random(n_rows) < 0.15
    ids[labelled] = [f"B{i}" for i in rng.integers(0, n_batches + 3, labelled.sum())]
    series = make_series(list(zip(tags, times, values, ids, strict=True)))
    if categorical:
        series["tag"] = series["tag"].astype("category")
        series["batch_id"] = series["batch_id"].astype("category")
    lead = timedelta(minutes=round(float(rng.uniform(0, 5)), 1))
    lag = timedelta(minutes=round(float(rng.uniform(0, 5)), 1))
    options = LinkOptions(lead=lead, lag=lag, features=PROCESS_FEATURES,
                          thresholds={"temp": 20.0, "speed": 18.5})
    return series, batches, options


@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_vectorised_features_equal_slow_reference(seed: int, categorical: bool) -> None:
    series, batches, options = random_case(seed, categorical)
    got, report = aggregate_process_windows(series, batches, options)
    expected = reference_features(series, batches, options)
    pd.testing.assert_frame_equal(got.sort_index(axis=1), expected.sort_index(axis=1),
                                  check_dtype=False, rtol=1e-9, atol=1e-9)
    counted = (report.counts["series_linked_by_id"] + report.counts["series_linked_by_window"]
               + report.counts["series_unlinked"] + report.counts["series_unknown_batch"]
               + report.counts["series_invalid"])
    assert counted == len(series)


def test_batch_without_start_time_links_by_id_only_and_is_reported() -> None:
    batches = make_batches(("B1", 0, 10)).assign(start_time=pd.NaT)
    series = make_series([("temp", 5, 1.0, None), ("temp", 50, 2.0, "B1")])
    features, report = aggregate_process_windows(series, batches, ALL)
    assert features.loc["B1", "temp__count"] == 1
    assert features.loc["B1", "temp__mean"] == 2.0
    issue = report.issue("batches_without_start_time")
    assert issue is not None and issue.examples == ("B1",)
