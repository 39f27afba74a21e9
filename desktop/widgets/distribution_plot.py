"""Histogram of one numeric column of the modelling table (pyqtgraph)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.theme import configure_plots, plot_colors

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DistributionPlot"]


def _bins(values: np.ndarray) -> int:
    """Freedman–Diaconis number of bins, kept between 10 and 60."""
    q75, q25 = np.percentile(values, [75, 25])
    width = 2 * (q75 - q25) / max(len(values), 1) ** (1 / 3)
    if width <= 0:
        return 10
    return int(np.clip(np.ceil((values.max() - values.min()) / width), 10, 60))


class DistributionPlot(QWidget):
    """A column chooser, a histogram and a one-line summary (n, missing, mean, quartiles)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure_plots()
        self._frame: pd.DataFrame | None = None
        self._units: dict[str, str] = {}
        self.column_combo = QComboBox(self)
        self.column_combo.setMinimumContentsLength(24)
        self.column_combo.currentTextChanged.connect(self.show_column)
        self.summary = QLabel(self)
        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.setLabel("left", "rows")
        self.plot.setMouseEnabled(x=True, y=False)
        top = QHBoxLayout()
        top.addWidget(QLabel("Distribution of", self))
        top.addWidget(self.column_combo)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)

    def set_frame(
        self,
        frame: pd.DataFrame,
        columns: list[str],
        units: dict[str, str] | None = None,
        preferred: str | None = None,
    ) -> None:
        """Offer these numeric columns of ``frame``; shows ``preferred`` (or the first)."""
        self._frame = frame
        self._units = dict(units or {})
        self.column_combo.blockSignals(True)
        self.column_combo.clear()
        self.column_combo.addItems(columns)
        self.column_combo.blockSignals(False)
        if preferred in columns:
            self.column_combo.setCurrentText(preferred)
        self.show_column(self.column_combo.currentText())

    def show_column(self, column: str) -> None:
        """Draw the histogram of one column."""
        self.plot.clear()
        if self._frame is None or column not in self._frame.columns:
            self.summary.setText("")
            return
        import pandas as pd

        raw = pd.to_numeric(self._frame[column], errors="coerce").to_numpy(dtype=float)
        values = raw[np.isfinite(raw)]
        unit = self._units.get(column)
        self.plot.setLabel("bottom", f"{column} [{unit}]" if unit else column)
        if not len(values):
            self.summary.setText("no numeric values")
            return
        counts, edges = np.histogram(values, bins=_bins(values))
        colors = plot_colors()
        bars = pg.BarGraphItem(
            x0=edges[:-1], x1=edges[1:], height=counts,
            brush=colors["accent_fill"], pen=pg.mkPen(colors["accent"], width=1),
        )
        self.plot.addItem(bars)
        self.plot.setYRange(0, float(counts.max()) * 1.08, padding=0)
        span = float(edges[-1] - edges[0]) or 1.0
        self.plot.setXRange(float(edges[0]) - 0.03 * span, float(edges[-1]) + 0.03 * span,
                            padding=0)
        q25, median, q75 = np.percentile(values, [25, 50, 75])
        missing = len(raw) - len(values)
        self.summary.setText(
            f"n = {len(values):,}" + (f" ({missing:,} missing)" if missing else "")
            + f" · mean {values.mean():.4g} · median {median:.4g}"
            + f" · middle half {q25:.4g} to {q75:.4g}"
        )
