"""Plot widgets render the frozen results they are given (pyqtgraph, offscreen)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest

from desktop.widgets.batch_series_plot import BatchSeriesPlot
from desktop.widgets.distribution_plot import DistributionPlot

pytestmark = pytest.mark.gui


def test_distribution_plot_draws_a_histogram_and_summary(qtbot) -> None:
    plot = DistributionPlot()
    qtbot.addWidget(plot)
    frame = pd.DataFrame({"strength": np.r_[np.linspace(10, 80, 99), np.nan], "id": "x"})
    plot.set_frame(frame, ["strength"], {"strength": "MPa"})
    bars = [i for i in plot.plot.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == 1
    assert "n = 99 (1 missing)" in plot.summary.text()
    assert plot.plot.getPlotItem().getAxis("bottom").labelText == "strength [MPa]"


def test_batch_series_plot_shades_the_window_and_draws_the_tag(qtbot) -> None:
    plot = BatchSeriesPlot()
    qtbot.addWidget(plot)
    start = pd.Timestamp("2024-03-02 08:00", tz="UTC")
    times = pd.date_range(start - pd.Timedelta(minutes=5), periods=40, freq="30s")
    result = SimpleNamespace(
        batch_id="B1", start_time=start, end_time=start + pd.Timedelta(minutes=4),
        window_start=start - pd.Timedelta(minutes=1), window_end=start + pd.Timedelta(minutes=5),
        frame=pd.DataFrame({"tag": "mixer_power", "time": times, "value": np.arange(40.0),
                            "unit": "kW"}),
    )
    plot._result = result
    plot.tag_combo.addItem("mixer_power")
    plot._draw()
    items = plot.plot.getPlotItem().items
    assert any(isinstance(i, pg.LinearRegionItem) for i in items)
    assert sum(isinstance(i, pg.InfiniteLine) for i in items) == 2
    curves = [i for i in items if isinstance(i, pg.PlotDataItem)]
    assert len(curves) == 1 and len(curves[0].xData) == 40
    assert plot.plot.isVisibleTo(plot) and not plot.empty.isVisibleTo(plot)
