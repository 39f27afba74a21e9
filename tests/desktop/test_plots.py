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


def test_the_front_plot_legend_does_not_hide_the_current_recipe(qtbot) -> None:
    """The legend goes to the corner worse on both axes, unless the current recipe (a
    dominated point) sits there: then to a corner with nothing under it."""
    from desktop.widgets.front_plot import FrontPlot

    plot = FrontPlot()
    qtbot.addWidget(plot)
    plot.resize(600, 500)
    plot.show()
    strength = np.linspace(40, 60, 12)
    front = pd.DataFrame({"strength": strength, "cost": 60 + (strength - 40),
                          "domain_label": "inside"})
    plot.set_axes(["strength", "cost"], senses={"strength": "maximize", "cost": "minimize"})

    def legend_corner(baseline: pd.DataFrame) -> tuple[bool, bool]:
        plot.show_frame(front, baseline=baseline)
        legend = plot.legend.sceneBoundingRect()
        box = plot.plot.getViewBox().sceneBoundingRect()
        return legend.center().x() < box.center().x(), legend.center().y() < box.center().y()

    # weak and dear (top left, the corner worse on both axes): the legend leaves it
    assert legend_corner(pd.DataFrame({"strength": [40.5], "cost": [80.0]})) != (True, True)
    # weak but cheap: top left stays free, the legend goes there
    assert legend_corner(pd.DataFrame({"strength": [41.0], "cost": [59.0]})) == (True, True)
