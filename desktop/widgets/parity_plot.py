"""Predictions against measurements, with interval error bars coloured by domain, and residuals.

Used for cross-validated predictions (Models page) and for trials (predicted before the
batch was made, measured after).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.theme import configure_plots, domain_colors, plot_colors

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DOMAIN_ORDER", "ParityPlot", "ResidualPlot", "rounded"]

DOMAIN_ORDER = ("inside", "edge", "outside")
_DOMAIN_LEGEND = {"inside": "inside the data", "edge": "edge of the data",
                  "outside": "outside the data", "": "domain unknown"}


def _columns(frame: pd.DataFrame) -> tuple[np.ndarray, ...]:
    measured = frame["measured"].to_numpy(dtype=float)
    predicted = frame["predicted"].to_numpy(dtype=float)
    lower = frame["lower"].to_numpy(dtype=float) if "lower" in frame else predicted
    upper = frame["upper"].to_numpy(dtype=float) if "upper" in frame else predicted
    domain = (frame["domain"].astype(str).to_numpy() if "domain" in frame
              else np.full(len(frame), "", dtype=object))
    keep = np.isfinite(measured) & np.isfinite(predicted)
    return measured[keep], predicted[keep], lower[keep], upper[keep], domain[keep]


def rounded(value: float) -> float:
    """``value`` rounded for reading in a table: whole numbers from 100 up (psi, lb/yd³), one
    decimal from 10, else two; NaN stays NaN."""
    if value != value or value in (float("inf"), float("-inf")):
        return value
    size = abs(value)
    return float(round(value, 0 if size >= 100 else 1 if size >= 10 else 2))


def _with_alpha(colour: QColor, alpha: int) -> QColor:
    faded = QColor(colour)
    faded.setAlpha(alpha)
    return faded


def _new_plot(parent: QWidget) -> pg.PlotWidget:
    configure_plots()
    plot = pg.PlotWidget(parent)
    plot.setMenuEnabled(False)
    plot.showGrid(x=True, y=True, alpha=0.2)
    return plot


class ParityPlot(QWidget):
    """Measured (x) vs predicted (y); each prediction's interval is a vertical bar.

    Points are coloured by the applicability-domain label of their row (inside / edge /
    outside the training data); rows whose interval misses the measurement are drawn as
    crosses, so coverage can be judged per domain at a glance.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = _new_plot(self)
        self.plot.setAspectLocked(True)
        self.legend = self.plot.addLegend(offset=(10, 10))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.coverage: float | None = None

    def set_data(self, frame: pd.DataFrame, target: str, unit: str | None = None,
                 nominal: float | None = None) -> None:
        """Draw ``frame``: columns measured, predicted and optional lower, upper, domain."""
        self.plot.clear()
        self.legend.clear()
        measured, predicted, lower, upper, domain = _columns(frame)
        label = f"{target} [{unit}]" if unit else target
        self.plot.setLabel("bottom", f"measured {label}")
        self.plot.setLabel("left", f"predicted {label}")
        self.coverage = None
        if not len(measured):
            return
        colors = plot_colors()
        by_domain = domain_colors()
        covered = (measured >= lower) & (measured <= upper)
        self.coverage = float(covered.mean())
        self.plot.addItem(pg.ErrorBarItem(
            x=measured, y=predicted, top=upper - predicted, bottom=predicted - lower,
            beam=0, pen=pg.mkPen(_with_alpha(colors["muted"], 110), width=1),
        ))
        low = float(np.nanmin([measured.min(), lower.min()]))
        high = float(np.nanmax([measured.max(), upper.max()]))
        self.plot.plot([low, high], [low, high],
                       pen=pg.mkPen(colors["foreground"], width=1, style=Qt.PenStyle.DashLine))
        labels = [d for d in DOMAIN_ORDER if (domain == d).any()]
        labels += sorted({str(d) for d in domain} - set(DOMAIN_ORDER))
        for name in labels:
            rows = domain == name
            colour = by_domain.get(name, by_domain[""])
            self.plot.plot(measured[rows & covered], predicted[rows & covered], pen=None,
                           symbol="o", symbolSize=6, symbolBrush=colour, symbolPen=None)
            self.legend.addItem(pg.ScatterPlotItem(size=7, brush=colour, pen=None),
                                f"{_DOMAIN_LEGEND.get(name, name)} ({rows.sum()})")
            if (rows & ~covered).any():
                self.plot.plot(measured[rows & ~covered], predicted[rows & ~covered], pen=None,
                               symbol="x", symbolSize=9, symbolBrush=colour,
                               symbolPen=pg.mkPen(colour, width=1.5))
        target_text = f", calibrated for {nominal:.0%}" if nominal is not None else ""
        self.legend.addItem(
            pg.PlotDataItem([], [], pen=None, symbol="x", symbolSize=9,
                            symbolPen=pg.mkPen(colors["foreground"], width=1.5)),
            f"interval misses the measurement (covered {self.coverage:.0%}{target_text})")
        self.plot.autoRange()


class ResidualPlot(QWidget):
    """Residual (measured − predicted) against predicted, the zero line, coloured by domain."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = _new_plot(self)
        self.legend = self.plot.addLegend(offset=(10, 10))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_data(self, frame: pd.DataFrame, target: str, unit: str | None = None) -> None:
        """Draw the residuals of ``frame`` (columns measured, predicted, optional domain)."""
        self.plot.clear()
        self.legend.clear()
        measured, predicted, _lower, _upper, domain = _columns(frame)
        suffix = f" [{unit}]" if unit else ""
        self.plot.setLabel("bottom", f"predicted {target}{suffix}")
        self.plot.setLabel("left", f"measured − predicted{suffix}")
        if not len(measured):
            return
        colors = plot_colors()
        by_domain = domain_colors()
        self.plot.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen(colors["foreground"])))
        residual = measured - predicted
        names = [d for d in DOMAIN_ORDER if (domain == d).any()]
        names += sorted({str(d) for d in domain} - set(DOMAIN_ORDER))
        for name in names:  # one item per domain: per-point brushes are slow in pyqtgraph
            rows = domain == name
            colour = by_domain.get(name, by_domain[""])
            self.plot.plot(predicted[rows], residual[rows], pen=None, symbol="o", symbolSize=5,
                           symbolBrush=colour, symbolPen=None)
            self.legend.addItem(pg.ScatterPlotItem(size=7, brush=colour, pen=None),
                                f"{_DOMAIN_LEGEND.get(name, name)} ({rows.sum()})")
        self.plot.autoRange()
