"""Cross-validated predictions against measurements, with interval error bars, and residuals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.theme import configure_plots, plot_colors

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ParityPlot", "ResidualPlot"]


def _columns(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    measured = frame["measured"].to_numpy(dtype=float)
    predicted = frame["predicted"].to_numpy(dtype=float)
    lower = frame["lower"].to_numpy(dtype=float) if "lower" in frame else predicted
    upper = frame["upper"].to_numpy(dtype=float) if "upper" in frame else predicted
    keep = np.isfinite(measured) & np.isfinite(predicted)
    return measured[keep], predicted[keep], lower[keep], upper[keep]


class ParityPlot(QWidget):
    """Measured (x) vs predicted (y) with each prediction's interval as a vertical bar.

    Points whose interval misses the measurement are drawn in the highlight colour.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure_plots()
        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setAspectLocked(True)
        self.plot.addLegend(offset=(10, 10))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_data(self, frame: pd.DataFrame, target: str, unit: str | None = None) -> None:
        """Draw ``frame`` with columns measured, predicted and (optional) lower, upper."""
        self.plot.clear()
        measured, predicted, lower, upper = _columns(frame)
        label = f"{target} [{unit}]" if unit else target
        self.plot.setLabel("bottom", f"measured {label}")
        self.plot.setLabel("left", f"predicted {label}")
        if not len(measured):
            return
        colors = plot_colors()
        inside = (measured >= lower) & (measured <= upper)
        bars = pg.ErrorBarItem(
            x=measured, y=predicted, top=upper - predicted, bottom=predicted - lower,
            beam=0, pen=pg.mkPen(colors["muted"], width=1),
        )
        self.plot.addItem(bars)
        low = float(np.nanmin([measured.min(), lower.min()]))
        high = float(np.nanmax([measured.max(), upper.max()]))
        self.plot.plot([low, high], [low, high], pen=pg.mkPen(colors["foreground"], width=1,
                                                              style=pg.QtCore.Qt.PenStyle.DashLine))
        self.plot.plot(measured[inside], predicted[inside], pen=None, symbol="o", symbolSize=6,
                       symbolBrush=colors["accent"], symbolPen=None,
                       name=f"interval covers ({inside.mean():.0%})")
        if (~inside).any():
            self.plot.plot(measured[~inside], predicted[~inside], pen=None, symbol="o",
                           symbolSize=6, symbolBrush=colors["highlight"], symbolPen=None,
                           name="interval misses")
        self.plot.autoRange()


class ResidualPlot(QWidget):
    """Residual (measured − predicted) against predicted, with the zero line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure_plots()
        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_data(self, frame: pd.DataFrame, target: str, unit: str | None = None) -> None:
        """Draw the residuals of ``frame`` (columns measured, predicted)."""
        self.plot.clear()
        measured, predicted, _lower, _upper = _columns(frame)
        suffix = f" [{unit}]" if unit else ""
        self.plot.setLabel("bottom", f"predicted {target}{suffix}")
        self.plot.setLabel("left", f"measured − predicted{suffix}")
        if not len(measured):
            return
        colors = plot_colors()
        self.plot.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen(colors["foreground"])))
        self.plot.plot(predicted, measured - predicted, pen=None, symbol="o", symbolSize=5,
                       symbolBrush=colors["accent"], symbolPen=None)
        self.plot.autoRange()
