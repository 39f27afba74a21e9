"""The pandas table model: lazy cells, fast at 100,000 rows, filter and sort."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from desktop.widgets.data_table_view import DataTableView
from desktop.widgets.pandas_table_model import PandasTableModel, SearchIndex, format_cell

pytestmark = pytest.mark.gui

N_ROWS = 100_000


@pytest.fixture(scope="module")
def big_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({f"x{i}": rng.normal(300, 50, N_ROWS) for i in range(12)})
    frame.insert(0, "batch_id", [f"B{i:06d}" for i in range(N_ROWS)])
    frame["plant"] = rng.choice(["North", "South"], N_ROWS)
    frame["start_time"] = pd.date_range("2024-01-01", periods=N_ROWS, freq="min", tz="UTC")
    frame.loc[5, "x0"] = np.nan
    return frame


def test_cells_are_formatted_when_asked(big_frame: pd.DataFrame) -> None:
    started = time.perf_counter()
    model = PandasTableModel(big_frame, units={"x0": "kg/m³"})
    assert time.perf_counter() - started < 0.2  # no per-cell work up front
    assert model.rowCount() == N_ROWS and model.columnCount() == big_frame.shape[1]
    assert model.headerData(1, Qt.Orientation.Horizontal) == "x0 [kg/m³]"
    assert model.data(model.index(0, 0)) == "B000000"
    assert model.data(model.index(5, 1)) == ""  # missing value
    text = model.data(model.index(1, 1))
    assert text == format_cell(big_frame.loc[1, "x0"]) and len(text.split(".")[-1]) <= 4
    align = model.data(model.index(1, 1), Qt.ItemDataRole.TextAlignmentRole)
    assert align & int(Qt.AlignmentFlag.AlignRight)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (0.123456, "0.1235"), (12345678.0, "1.235e+07"), (float("nan"), ""),
     (None, ""), ("C30/37", "C30/37"), (np.int64(28), "28"), (0.0001234, "0.0001234")],
)
def test_format_cell(value: object, text: str) -> None:
    assert format_cell(value) == text


def test_search_index_filters_100k_rows_fast(big_frame: pd.DataFrame) -> None:
    index = SearchIndex(big_frame)
    started = time.perf_counter()
    rows = index.rows_matching("b00012")
    assert time.perf_counter() - started < 0.5
    assert list(rows[:3]) == [120, 121, 122] and len(rows) == 10
    assert len(index.rows_matching("SOUTH")) == int((big_frame["plant"] == "South").sum())
    assert len(index.rows_matching("")) == N_ROWS


def test_sort_orders_rows_and_keeps_missing_last(big_frame: pd.DataFrame) -> None:
    model = PandasTableModel(big_frame)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    values = big_frame["x0"].to_numpy()[model.visible_rows]
    assert np.all(np.diff(values[:-1]) <= 0) and np.isnan(values[-1])


def test_table_view_filters_on_a_worker_and_jumps_to_a_cell(
    qtbot, big_frame: pd.DataFrame
) -> None:
    view = DataTableView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    started = time.perf_counter()
    view.set_frame(big_frame)
    qtbot.wait(1)
    assert time.perf_counter() - started < 0.5
    with qtbot.waitSignal(view.filtered, timeout=20_000) as blocker:
        view.filter_edit.setText("B0999")
    assert blocker.args == [100]
    assert "100 of 100,000 rows" in view.count_label.text()
    assert view.select_cell(50_000, "x3")  # hidden by the filter: the filter is cleared
    assert view.model.rowCount() == N_ROWS
    current = view.table.currentIndex()
    assert (current.row(), current.column()) == (50_000, big_frame.columns.get_loc("x3"))
