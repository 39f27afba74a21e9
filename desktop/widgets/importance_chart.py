"""Global feature importance as horizontal bars, largest at the top."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.theme import configure_plots, plot_colors

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ImportanceChart"]


class ImportanceChart(QWidget):
    """Bars of importance per input, labelled on the left axis (top ``max_bars`` shown)."""

    def __init__(self, parent: QWidget | None = None, max_bars: int = 15) -> None:
        super().__init__(parent)
        configure_plots()
        self.max_bars = max_bars
        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_importance(self, importance: pd.Series, label: str = "mean |contribution|") -> None:
        """Draw a Series: index = input names, values = importance."""
        self.plot.clear()
        top = importance.dropna().sort_values(ascending=False).head(self.max_bars)
        names = [str(n) for n in top.index][::-1]
        values = top.to_numpy(dtype=float)[::-1]
        colors = plot_colors()
        y = np.arange(len(values), dtype=float)
        self.plot.addItem(pg.BarGraphItem(
            x0=np.zeros_like(values), y=y, width=values, height=0.7,
            brush=colors["accent_fill"], pen=pg.mkPen(colors["accent"]),
        ))
        self.plot.getAxis("left").setTicks([list(zip(y, names, strict=True))])
        self.plot.setLabel("bottom", label)
        self.plot.setYRange(-0.6, max(len(values) - 0.4, 0.5), padding=0)
        self.plot.setXRange(0, float(values.max()) * 1.05 if len(values) else 1, padding=0)
