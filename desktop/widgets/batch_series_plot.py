"""The process time series of one tag around one batch, with the batch window shaded.

Calls ``services.process_series_for_batch(location, batch_id, tags=None,
margin_minutes=…)`` on a worker. The result is read duck-typed: ``frame`` (columns tag, time,
value, unit), ``start_time``/``end_time`` (the batch) and optionally ``window_start``/
``window_end`` (what linking counts as the batch's process window).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.theme import configure_plots, plot_colors
from desktop.workers import TaskOutcome, TaskRunner
from engine.types import DisplayUnits

__all__ = ["BatchSeriesPlot"]


def _seconds(value: Any) -> float:
    """Epoch seconds of a timestamp (pandas, numpy or datetime)."""
    import pandas as pd

    return float(pd.Timestamp(value).timestamp())


class BatchSeriesPlot(QWidget):
    """Batch and tag choosers, a margin, and the series plotted on a time axis.

    Signals:
        shown(str): a batch's series was drawn; the batch id.
    """

    shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        configure_plots()
        self.location: str | None = None
        self.units = DisplayUnits()  # °F in a US project; a mixing time in s
        self.runner = TaskRunner(self, max_threads=1)
        self._result: Any = None
        self.batch_combo = QComboBox(self)
        self.batch_combo.setEditable(True)
        self.batch_combo.setMinimumContentsLength(14)
        self.batch_combo.activated.connect(lambda _index: self.load())
        self.tag_combo = QComboBox(self)
        self.tag_combo.setMinimumContentsLength(18)
        self.tag_combo.currentTextChanged.connect(lambda _t: self._draw())
        self.margin = QSpinBox(self)
        self.margin.setRange(0, 24 * 60)
        self.margin.setValue(30)
        self.margin.setSuffix(" min")
        self.margin.setToolTip("How much time before and after the batch to show")
        self.show_button = QPushButton("Show", self)
        self.show_button.clicked.connect(self.load)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.plot = pg.PlotWidget(self, axisItems={"bottom": pg.DateAxisItem()})
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.empty = QLabel("Choose a batch to see its process data.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setFrameShape(QFrame.Shape.StyledPanel)
        top = QHBoxLayout()
        for widget in (QLabel("Batch", self), self.batch_combo, QLabel("Tag", self),
                       self.tag_combo, QLabel("± margin", self), self.margin,
                       self.show_button):
            top.addWidget(widget)
        top.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.empty, 1)
        self._show_empty("Choose a batch to see its process data.")

    def set_batches(self, location: str | None, batch_ids: list[str]) -> None:
        """Offer these batches of a project."""
        self.location = location
        self.batch_combo.clear()
        self.batch_combo.addItems(batch_ids)
        self._result = None
        self._show_empty("Choose a batch to see its process data.")
        if batch_ids:
            self.load(batch_ids[0])

    def load(self, batch_id: str | None = None) -> None:
        """Fetch the series of a batch (the chosen one by default) on a worker."""
        batch = batch_id or self.batch_combo.currentText().strip()
        if not batch or not self.location:
            return
        location, margin = self.location, float(self.margin.value())
        self.status.setText(f"loading batch {batch}…")
        self.runner.cancel_all()

        def job(progress: Any, cancel: Any) -> Any:
            from engine import services

            return services.process_series_for_batch(location, batch, margin_minutes=margin)

        def done(outcome: TaskOutcome) -> None:
            if outcome.cancelled:
                return
            if not outcome.ok:
                self.status.setText("")
                self._show_empty(outcome.error or "could not load the series")
                return
            self._result = outcome.value
            frame = self._result.frame
            tags = sorted(str(t) for t in frame["tag"].unique()) if len(frame) else []
            current = self.tag_combo.currentText()
            self.tag_combo.blockSignals(True)
            self.tag_combo.clear()
            self.tag_combo.addItems(tags)
            if current in tags:
                self.tag_combo.setCurrentText(current)
            self.tag_combo.blockSignals(False)
            self.status.setText(f"{len(frame):,} samples" if len(frame) else "")
            if not len(frame):
                self._show_empty(f"No process data was logged around batch {batch} "
                                 f"(± {margin:g} min).")
            self._draw()
            self.shown.emit(batch)

        self.runner.start(f"process series of {batch}", job, done)

    def _show_empty(self, text: str) -> None:
        self.plot.clear()
        self.plot.setVisible(False)
        self.empty.setText(text)
        self.empty.setVisible(True)

    def set_display_units(self, units: DisplayUnits) -> None:
        """Show values in ``units`` from now on (the samples are stored in canonical units)."""
        if units != self.units:
            self.units = units
            self._draw()

    def _draw(self) -> None:
        self.plot.clear()
        result = self._result
        if result is None or not len(result.frame):
            return
        self.empty.setVisible(False)
        self.plot.setVisible(True)
        import pandas as pd

        frame = result.frame
        tag = self.tag_combo.currentText()
        rows = frame[frame["tag"].astype(str) == tag]
        if not len(rows):
            return
        colors = plot_colors()
        window = (getattr(result, "window_start", None), getattr(result, "window_end", None))
        if window[0] is not None and window[1] is not None:
            region = pg.LinearRegionItem(
                values=(_seconds(window[0]), _seconds(window[1])), movable=False,
                brush=colors["band"], pen=pg.mkPen(None),
            )
            self.plot.addItem(region)
        for when in (getattr(result, "start_time", None), getattr(result, "end_time", None)):
            if when is not None and not pd.isna(when):
                line = pg.InfiniteLine(_seconds(when), angle=90,
                                       pen=pg.mkPen(colors["highlight"], width=1.5))
                self.plot.addItem(line)
        times = pd.to_datetime(rows["time"], utc=True)
        epoch = pd.Timestamp(0, tz="UTC")
        x = (times - epoch).dt.total_seconds().to_numpy(dtype=float)
        y = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float)
        unit = str(rows["unit"].iloc[0]) if "unit" in rows and len(rows) else ""
        if unit and unit != "None" and np.isfinite(y).any():
            typical = float(np.nanmedian(y))
            y = np.asarray(self.units.value(y, unit, typical), dtype=float)
            unit = self.units.unit(unit, typical)
        order = np.argsort(x)
        self.plot.plot(x[order], y[order], pen=pg.mkPen(colors["accent"], width=1.5))
        self.plot.setLabel("left", f"{tag} [{unit}]" if unit and unit != "None" else tag)
        self.plot.setLabel("bottom", "time (UTC)")
        self.plot.setTitle("lines: batch start and end · shaded: the window linking uses",
                           size="9pt")
