"""Process series at scale: the normalisation is vectorised (10 M rows in a few seconds)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from engine.ingest import ColumnMapping, ImportProfile, normalise
from engine.ingest.reader import SourceTable
from engine.schema import DatasetKind


def _long_log(n: int, shuffle_at: int | None = None) -> SourceTable:
    """A long historian table of text cells, as the CSV reader returns it (Arrow strings)."""
    index = np.arange(n)
    tags = pa.DictionaryArray.from_arrays(pa.array(index % 4, pa.int32()),
                                          pa.array(["TI101", "PI202", "FI303", "TI104"]))
    seconds = (index // 4).astype("timedelta64[s]") + np.datetime64("2024-01-01T00:00:00", "s")
    if shuffle_at is not None:
        seconds[shuffle_at] = seconds[0]
    stamps = pc.strftime(pa.array(seconds), format="%Y-%m-%d %H:%M:%S")
    values = pc.cast(pa.array(np.round(20 + (index % 1000) * 0.1, 1)), pa.string())
    string = pd.StringDtype("pyarrow", na_value=np.nan)
    frame = pd.DataFrame({
        "tag": pd.Series(pc.cast(tags, pa.string()).to_pandas(types_mapper={
            pa.string(): string}.get)).astype(string),
        "time": stamps.to_pandas(types_mapper={pa.string(): string}.get),
        "value": values.to_pandas(types_mapper={pa.string(): string}.get),
    })
    return SourceTable("log", frame, np.arange(2, n + 2))


PROFILE = ImportProfile(kind=DatasetKind.PROCESS_SERIES, columns=[
    ColumnMapping("tag", "tag"), ColumnMapping("time", "time"),
    ColumnMapping("value", "value", "degF")])


def test_a_million_rows_normalise_correctly() -> None:
    table = _long_log(1_000_000)
    result = normalise(table, PROFILE, "log.csv")
    assert result.ok, result.findings
    series = result.frames["process_series"]
    assert len(series) == 1_000_000
    assert isinstance(series["tag"].dtype, pd.CategoricalDtype)
    assert series["value"].iloc[1] == pytest.approx((20.1 - 32) * 5 / 9)
    assert series["time"].iloc[-1] == pd.Timestamp("2024-01-03 21:26:39", tz="UTC")


def test_one_row_out_of_order_in_a_million_is_found() -> None:
    result = normalise(_long_log(1_000_000, shuffle_at=999_996), PROFILE, "log.csv")
    assert [(f.row, f.column) for f in result.errors] == [(999_998, "time")]


@pytest.mark.bench
def test_ten_million_rows_in_a_few_seconds() -> None:
    table = _long_log(10_000_000)
    normalise(_long_log(10), PROFILE, "warm-up.csv")
    start = time.perf_counter()
    result = normalise(table, PROFILE, "log.csv")
    seconds = time.perf_counter() - start
    print(f"10 M rows normalised in {seconds:.1f} s")
    assert result.ok and len(result.frames["process_series"]) == 10_000_000
    assert seconds < 10
