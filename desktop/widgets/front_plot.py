"""The trade-off (Pareto) front: two chosen objectives against each other (pyqtgraph).

Two uses: the Optimise page draws the front of each generation as it evolves (the newest
bright, a few earlier ones faded); the Recommendations page draws the final recipes coloured
by domain label, marks the recommended ones and the current recipe, and lets a click select
a recipe (``point_clicked``).

Frames hold stored (canonical) units; the axes, the points, the current recipe's star and the
tooltips show them in the chosen display units (``set_display_units``: psi, USD/yd³,
lb CO₂e/yd³ for a US plant), converted when drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.results import shown_unit, shown_values, typical_values
from desktop.theme import configure_plots, domain_colors, plot_colors
from desktop.widgets.recommendation_card import number_text
from engine.types import DisplayUnits

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FrontPlot", "axis_title"]

_FADED_GENERATIONS = 6


def axis_title(label: str, unit: str | None, sense: str | None) -> str:
    """Axis text: "cost [EUR/m³] (lower is better)"."""
    text = f"{label} [{unit}]" if unit else label
    if sense == "maximize":
        return f"{text} (higher is better)"
    if sense == "minimize":
        return f"{text} (lower is better)"
    return text


class FrontPlot(QWidget):
    """Axis choosers and a scatter of the front.

    Signals:
        point_clicked(int): the row (position in the frame shown) of a clicked recipe.
        axes_changed(): another objective was chosen for an axis.
    """

    point_clicked = Signal(int)
    axes_changed = Signal()

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        configure_plots()
        self.placeholder = placeholder
        self._units: dict[str, str] = {}  # stored unit per column
        self.display_units = DisplayUnits()
        self._typical: dict[str, float] = {}  # per column: picks psi or ksi for MPa
        self._senses: dict[str, str] = {}
        self._frame: pd.DataFrame | None = None
        self._baseline: pd.DataFrame | None = None
        self._marks: dict[int, str] = {}
        self._fronts: list[pd.DataFrame] = []
        self._selected: int | None = None
        self.scatter: pg.ScatterPlotItem | None = None
        self._ring: pg.ScatterPlotItem | None = None
        self._live_items: tuple[pg.ScatterPlotItem, pg.ScatterPlotItem] | None = None

        self.x_combo = QComboBox(self)
        self.y_combo = QComboBox(self)
        for combo in (self.x_combo, self.y_combo):
            combo.setMinimumContentsLength(6)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.currentTextChanged.connect(self._axes_changed)
        self.caption = QLabel(self)
        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        background = QColor(plot_colors()["background"])
        background.setAlpha(210)
        self.legend = self.plot.addLegend(offset=(-10, 10), brush=background)
        self.caption.setWordWrap(True)
        axes = QHBoxLayout()
        axes.addWidget(QLabel("x", self))
        axes.addWidget(self.x_combo, 1)
        axes.addWidget(QLabel("y", self))
        axes.addWidget(self.y_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(axes)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)

    # -- axes --------------------------------------------------------------------------------
    def set_axes(self, labels: Sequence[str], units: Mapping[str, str] | None = None,
                 senses: Mapping[str, str] | None = None) -> None:
        """The objectives that can go on an axis (first two chosen unless kept); ``units``:
        the stored unit of each."""
        labels = [str(label) for label in labels]
        units = dict(units or {})
        if units != self._units:
            self._typical = {}
        self._units = units
        self._senses = dict(senses or {})
        current = (self.x_combo.currentText(), self.y_combo.currentText())
        if [self.x_combo.itemText(i) for i in range(self.x_combo.count())] == labels:
            return
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(labels)
        x = current[0] if current[0] in labels else (labels[0] if labels else "")
        y = current[1] if current[1] in labels and current[1] != x else next(
            (label for label in labels if label != x), x)
        self.x_combo.setCurrentText(x)
        self.y_combo.setCurrentText(y)
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(False)

    def set_display_units(self, units: DisplayUnits) -> None:
        """Show the axes, points and tooltips in ``units`` (the frames stay as stored)."""
        if units != self.display_units:
            self.display_units = units
            self._redraw()

    def shown_unit(self, label: str) -> str:
        """The unit the objective ``label`` is shown in ("" when it has none)."""
        return shown_unit(self._units.get(label), self.display_units, self._typical.get(label))

    def _axes_changed(self, _text: str) -> None:
        self._redraw()
        self.axes_changed.emit()

    # -- content -----------------------------------------------------------------------------
    def clear(self, caption: str = "") -> None:
        """Show nothing."""
        self._frame, self._baseline, self._marks, self._fronts = None, None, {}, []
        self._selected = None
        self.caption.setText(caption)
        self._redraw()

    def show_fronts(self, fronts: Sequence[pd.DataFrame], caption: str = "") -> None:
        """Draw the newest front brightly and a few earlier generations faded (live run).

        Called several times a second while a run goes on: the two plot items are reused
        (``setData``) rather than rebuilt, so each update costs the UI thread little.
        """
        self._frame = None
        self._fronts = list(fronts)[-_FADED_GENERATIONS:]
        self.caption.setText(caption)
        newest = self._fronts[-1] if self._fronts else None
        if newest is not None:  # the first seen decides psi or ksi: the axis keeps its unit
            self._typical.update(typical_values(
                newest, [c for c in newest.columns if c in self._units and c not in self._typical]))
        if self._live_items is None or self._live_items[0].scene() is None:
            self._redraw()
        else:
            self._update_fronts()

    def show_frame(self, frame: pd.DataFrame, *, baseline: pd.DataFrame | None = None,
                   marks: Mapping[int, str] | None = None, caption: str = "") -> None:
        """Draw every row of ``frame`` coloured by ``domain_label``; ``marks`` label rows
        (e.g. {4: "#1"}); ``baseline`` (one row) is drawn as a star."""
        self._fronts = []
        self._frame = frame.reset_index(drop=True)
        self._baseline = baseline
        self._marks = dict(marks or {})
        self._typical.update(typical_values(self._frame))
        self.caption.setText(caption)
        self._redraw()

    def select(self, row: int | None) -> None:
        """Ring one row of the frame (None: no selection)."""
        self._selected = row
        self._draw_ring()

    @property
    def selected(self) -> int | None:
        """The row ringed, if any."""
        return self._selected

    # -- drawing -----------------------------------------------------------------------------
    def _xy(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
        """The chosen columns of ``frame`` in display units."""
        x, y = self.x_combo.currentText(), self.y_combo.currentText()
        if not x or not y or x not in frame or y not in frame:
            return None
        return self._shown(frame, x), self._shown(frame, y)

    def _shown(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        return np.asarray(shown_values(frame[column].to_numpy(dtype=float),
                                       self._units.get(column), self.display_units,
                                       self._typical.get(column),
                                       difference=column.endswith("_width")), dtype=float)

    def _redraw(self) -> None:
        self.plot.clear()
        self.legend.clear()
        self.scatter = self._ring = None
        self._live_items = None
        x_label, y_label = self.x_combo.currentText(), self.y_combo.currentText()
        self.plot.setLabel("bottom", axis_title(x_label, self.shown_unit(x_label),
                                                self._senses.get(x_label)))
        self.plot.setLabel("left", axis_title(y_label, self.shown_unit(y_label),
                                              self._senses.get(y_label)))
        colors = plot_colors()
        shown: tuple[np.ndarray, np.ndarray] | None = None
        if self._fronts:
            self._draw_fronts(colors)
        elif self._frame is not None:
            shown = self._draw_frame(colors)
        elif self.placeholder:
            text = pg.TextItem(self.placeholder, color=colors["muted"], anchor=(0.5, 0.5))
            text.setPos(0.5, 0.5)
            self.plot.addItem(text)
        self.plot.autoRange()
        self._place_legend(x_label, y_label, shown)

    def _place_legend(self, x_label: str, y_label: str,
                      shown: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Put the legend in the corner that hides fewest of the ``shown`` points (the front
        and the current recipe); on a tie, the corner that is worse on both axes, where the
        front never goes (e.g. top left for "maximise x, minimise y")."""
        left = self._senses.get(x_label) != "minimize"
        top = self._senses.get(y_label) != "maximize"
        corners = [(left, top), (not left, not top), (left, not top), (not left, top)]
        if shown is not None and len(shown[0]):
            box = self.plot.getViewBox()
            (x0, x1), (y0, y1) = box.viewRange()
            u = (shown[0] - x0) / ((x1 - x0) or 1.0)
            v = (shown[1] - y0) / ((y1 - y0) or 1.0)
            size = self.legend.boundingRect()
            width = min(1.0, (size.width() + 20) / max(box.width(), 1.0))
            height = min(1.0, (size.height() + 20) / max(box.height(), 1.0))

            def hidden(corner: tuple[bool, bool]) -> int:
                on_left, on_top = corner
                across = u < width if on_left else u > 1 - width
                up = v > 1 - height if on_top else v < height
                return int(np.sum(across & up))

            corners.sort(key=hidden)  # stable: ties keep the preferred order
        on_left, on_top = corners[0]
        corner = (0.0 if on_left else 1.0, 0.0 if on_top else 1.0)
        self.legend.anchor(itemPos=corner, parentPos=corner,
                           offset=(10 if on_left else -10, 10 if on_top else -10))

    def _draw_fronts(self, colors: dict[str, QColor]) -> None:
        earlier_colour = QColor(colors["muted"])
        earlier_colour.setAlpha(110)
        earlier = pg.ScatterPlotItem(size=6, brush=earlier_colour, pen=None)
        newest = pg.ScatterPlotItem(size=9, brush=colors["accent"], pen=None)
        self.plot.addItem(earlier)
        self.plot.addItem(newest)
        self.legend.addItem(newest, "this generation")
        self.legend.addItem(earlier, "earlier generations")
        self._live_items = (earlier, newest)
        self._update_fronts()

    def _update_fronts(self) -> None:
        assert self._live_items is not None
        earlier, newest = self._live_items
        points = [self._xy(front) for front in self._fronts]
        points = [p if p is not None else (np.empty(0), np.empty(0)) for p in points]
        if not points:
            earlier.setData(x=[], y=[])
            newest.setData(x=[], y=[])
            return
        newest.setData(x=points[-1][0], y=points[-1][1])
        earlier.setData(x=np.concatenate([p[0] for p in points[:-1]] or [np.empty(0)]),
                        y=np.concatenate([p[1] for p in points[:-1]] or [np.empty(0)]))
        self.plot.autoRange()

    def _draw_frame(self, colors: dict[str, QColor]) -> tuple[np.ndarray, np.ndarray] | None:
        """Draw the result's recipes and the current one; return every point drawn."""
        assert self._frame is not None
        frame = self._frame
        xy = self._xy(frame)
        if xy is None:
            return None
        x, y = xy
        by_domain = domain_colors()
        domain = (frame["domain_label"].astype(str).to_numpy() if "domain_label" in frame
                  else np.full(len(frame), "", dtype=object))
        brushes = [by_domain.get(str(d), by_domain[""]) for d in domain]
        sizes = [15 if row in self._marks else 9 for row in range(len(frame))]
        pens = [pg.mkPen(colors["foreground"], width=1.5) if row in self._marks else None
                for row in range(len(frame))]
        self.scatter = pg.ScatterPlotItem(x=x, y=y, size=sizes, brush=brushes, pen=pens,
                                          data=np.arange(len(frame)), hoverable=True,
                                          hoverSize=13, tip=self._tip)
        self.scatter.sigClicked.connect(self._on_clicked)
        self.plot.addItem(self.scatter)
        for row, text in self._marks.items():
            if 0 <= row < len(frame):
                label = pg.TextItem(text, color=colors["foreground"], anchor=(-0.25, 1.1))
                label.setPos(x[row], y[row])
                self.plot.addItem(label)
        for name in ("inside", "edge", "outside"):
            if (domain == name).any():
                self.legend.addItem(pg.ScatterPlotItem(size=8, brush=by_domain[name], pen=None),
                                    f"{name} the data" if name != "edge" else "edge of the data")
        if self._baseline is not None and len(self._baseline):
            base = self._xy(self._baseline)
            if base is not None and np.isfinite(base[0][0]) and np.isfinite(base[1][0]):
                star = pg.ScatterPlotItem(x=base[0][:1], y=base[1][:1], symbol="star", size=18,
                                          brush=colors["highlight"], pen=pg.mkPen("k"))
                self.plot.addItem(star)
                self.legend.addItem(star, "current recipe")
                x, y = np.append(x, base[0][:1]), np.append(y, base[1][:1])
        self._draw_ring()
        return x, y

    def _tip(self, x: float, y: float, data: Any) -> str:
        mark = self._marks.get(int(data), "")
        lines = [f"{mark} recipe {int(data) + 1}".strip()]
        for label, value in ((self.x_combo.currentText(), x), (self.y_combo.currentText(), y)):
            unit = self.shown_unit(label)
            lines.append(f"{label}: {number_text(value, unit=unit)} {unit}".rstrip())
        return "\n".join(lines)

    def _draw_ring(self) -> None:
        if self._ring is not None:
            self.plot.removeItem(self._ring)
            self._ring = None
        if self._frame is None or self._selected is None:
            return
        xy = self._xy(self._frame)
        if xy is None or not 0 <= self._selected < len(xy[0]):
            return
        colors = plot_colors()
        self._ring = pg.ScatterPlotItem(
            x=xy[0][self._selected:self._selected + 1], y=xy[1][self._selected:self._selected + 1],
            size=26, brush=None, pen=pg.mkPen(colors["highlight"], width=3))
        self.plot.addItem(self._ring)

    def _on_clicked(self, _item: Any, points: Any, _event: Any = None) -> None:
        if points is None or not len(points):
            return
        row = int(points[0].data())
        self.select(row)
        self.point_clicked.emit(row)
