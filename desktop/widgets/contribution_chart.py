"""Why a recipe's prediction differs from the current recipe's: a horizontal waterfall of the
largest per-input contribution changes (SHAP deltas), from the current prediction to the new."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.results import compact_number
from desktop.theme import configure_plots, plot_colors

__all__ = ["ContributionChart", "waterfall_rows"]


def waterfall_rows(deltas: Mapping[str, float], top: int = 8,
                   other: float | None = None) -> list[tuple[str, float]]:
    """The ``top`` largest changes by size; the rest (plus ``other``, what the engine already
    summed) as one "other inputs" bar."""
    ranked = sorted(((str(k), float(v)) for k, v in deltas.items() if v == v),
                    key=lambda kv: abs(kv[1]), reverse=True)
    rows = ranked[:top]
    rest = sum(v for _k, v in ranked[top:]) + (other or 0.0)
    if abs(rest) > 1e-12:
        rows.append(("other inputs", rest))
    return rows


def _short(name: str, limit: int = 26) -> str:
    """A bar's label, cut with "…" after ``limit`` characters: catalogue names such as
    "Superplasticizer (PCE-type high-range water reducer)" would squeeze the bars."""
    return name if len(name) <= limit else name[:limit - 1].rstrip() + "…"


class ContributionChart(QWidget):
    """Bars from the current recipe's prediction, each input's change added in turn."""

    def __init__(self, parent: QWidget | None = None, top: int = 8) -> None:
        super().__init__(parent)
        configure_plots()
        self.top = top
        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        self.plot.setMinimumHeight(220)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.rows: list[tuple[str, float]] = []

    def set_contributions(self, deltas: Mapping[str, float], target: str, unit: str = "",
                          start: float | None = None, end: float | None = None,
                          other: float | None = None) -> None:
        """Draw the waterfall of ``deltas`` (input → change of the predicted ``target``)."""
        self.plot.clear()
        self.rows = waterfall_rows(deltas, self.top, other)
        colors = plot_colors()
        origin = float(start) if start is not None else 0.0
        names = [name for name, _v in self.rows]
        values = np.array([v for _n, v in self.rows], dtype=float)
        lefts = origin + np.concatenate([[0.0], np.cumsum(values)[:-1]]) if len(values) else \
            np.array([])
        y = np.arange(len(values), dtype=float)[::-1]  # largest at the top
        up = values >= 0
        for mask, colour in ((up, colors["accent"]), (~up, colors["highlight"])):
            if mask.any():
                self.plot.addItem(pg.BarGraphItem(
                    x0=np.where(values[mask] >= 0, lefts[mask], lefts[mask] + values[mask]),
                    y=y[mask], width=np.abs(values[mask]), height=0.65, brush=colour,
                    pen=pg.mkPen(colour)))
        for yi, left, value in zip(y, lefts, values, strict=True):
            text = pg.TextItem(compact_number(value, 2, sign=True), color=colors["foreground"],
                               anchor=(0, 0.5) if value >= 0 else (1, 0.5))
            text.setPos(left + value, yi)
            self.plot.addItem(text)
        dashed = pg.mkPen(colors["muted"], width=1, style=Qt.PenStyle.DashLine)
        if start is not None:
            self.plot.addItem(pg.InfiniteLine(origin, angle=90, pen=dashed))
        if end is not None:
            self.plot.addItem(pg.InfiniteLine(float(end), angle=90,
                                              pen=pg.mkPen(colors["foreground"], width=1.5)))
        self.plot.getAxis("left").setTicks([[(yi, _short(name)) for yi, name
                                             in zip(y, names, strict=True)]])
        suffix = f" [{unit}]" if unit else ""
        span_text = (f": current {compact_number(start)} (dashed) → this recipe "
                     f"{compact_number(end)} (solid)"
                     if start is not None and end is not None else "")
        self.plot.setLabel("bottom", f"predicted {target}{suffix}{span_text}")
        if len(values):
            ends = np.concatenate([lefts, lefts + values, [origin]])
            if end is not None:
                ends = np.append(ends, float(end))
            span = float(ends.max() - ends.min()) or 1.0
            self.plot.setXRange(float(ends.min()) - 0.22 * span, float(ends.max()) + 0.22 * span,
                                padding=0)
            self.plot.setYRange(-0.7, len(values) - 0.3, padding=0)
