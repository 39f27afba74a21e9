"""Interval coverage against the nominal coverage: one bar per domain label, and overall."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.theme import configure_plots, domain_colors, plot_colors

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CoverageChart", "coverage_by_domain"]

_GROUPS = ("all rows", "inside", "edge", "outside")


def coverage_by_domain(frame: pd.DataFrame) -> list[tuple[str, float, int]]:
    """(group, share of measurements inside their interval, rows) for all rows and per domain."""
    measured = frame["measured"].to_numpy(dtype=float)
    covered = (measured >= frame["lower"].to_numpy(dtype=float)) & (
        measured <= frame["upper"].to_numpy(dtype=float))
    keep = np.isfinite(measured)
    domain = (frame["domain"].astype(str).to_numpy() if "domain" in frame
              else np.full(len(frame), "", dtype=object))
    rows = []
    for group in _GROUPS:
        mask = keep if group == "all rows" else keep & (domain == group)
        if mask.any():
            rows.append((group, float(covered[mask].mean()), int(mask.sum())))
    return rows


class CoverageChart(QWidget):
    """Bars of actual coverage (all rows, then inside / edge / outside the data) and a dashed
    line at the coverage the intervals were calibrated for."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure_plots()
        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.plot.setLabel("left", "measurements inside their interval", units="%")
        self.legend = self.plot.addLegend(offset=(10, 4))
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)
        self.groups: list[tuple[str, float, int]] = []

    def set_data(self, frame: pd.DataFrame, nominal: float | None) -> None:
        """Draw the coverage of ``frame`` (measured, lower, upper, domain)."""
        self.plot.clear()
        self.legend.clear()
        self.groups = coverage_by_domain(frame)
        colors = plot_colors()
        by_domain = domain_colors()
        x = np.arange(len(self.groups), dtype=float)
        heights = np.array([share * 100 for _g, share, _n in self.groups])
        brushes = [colors["accent_fill"] if g == "all rows" else by_domain[g]
                   for g, _s, _n in self.groups]
        self.plot.addItem(pg.BarGraphItem(x=x, height=heights, width=0.6, brushes=brushes,
                                          pen=pg.mkPen(colors["foreground"], width=0.5)))
        for xi, (_group, share, n) in zip(x, self.groups, strict=True):
            text = pg.TextItem(f"{share:.0%}\n(n={n})", color=colors["foreground"],
                               anchor=(0.5, 1.0))
            text.setPos(xi, share * 100)
            self.plot.addItem(text)
        self.plot.getAxis("bottom").setTicks(
            [[(xi, g) for xi, (g, _s, _n) in zip(x, self.groups, strict=True)]])
        if nominal is not None:
            pen = pg.mkPen(colors["highlight"], width=2, style=Qt.PenStyle.DashLine)
            self.plot.addItem(pg.InfiniteLine(float(nominal) * 100, angle=0, pen=pen))
            self.legend.addItem(pg.PlotDataItem([], [], pen=pen),
                                f"calibrated for {float(nominal):.0%}")
        self.plot.setYRange(0, 126, padding=0)
        self.plot.setXRange(-0.6, max(len(self.groups) - 0.4, 0.6), padding=0)
        overall = self.groups[0][1] if self.groups else float("nan")
        if nominal is None or not self.groups:
            self.caption.setText("")
        else:
            gap = overall - float(nominal)
            verdict = ("as calibrated" if abs(gap) <= 0.03 else
                       "intervals are too narrow: real results fall outside more often than "
                       "stated" if gap < 0 else "intervals are on the safe (wide) side")
            self.caption.setText(
                f"Held-out recipes: {overall:.0%} of measurements fell inside their "
                f"{float(nominal):.0%} interval — {verdict}. Bars per domain show where the "
                "model is less reliable (edge/outside the plant's data).")
