"""A table of a DataFrame with a text filter and a row count, smooth at 100,000 rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.pandas_table_model import PandasTableModel, SearchIndex
from desktop.workers import TaskOutcome, TaskRunner

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from engine.progress import CancelToken, ProgressCallback

__all__ = ["DataTableView"]

_FILTER_DELAY_MS = 250


class DataTableView(QWidget):
    """Filter box, row count and a lazily formatted table.

    The search index and each filter run on a worker, so typing never blocks the window.

    Signals:
        filtered(int): number of rows shown after a filter was applied.
    """

    filtered = Signal(int)

    def __init__(self, parent: QWidget | None = None, placeholder: str = "Filter rows…") -> None:
        super().__init__(parent)
        self.model = PandasTableModel(parent=self)
        self._runner = TaskRunner(self, max_threads=1)
        self._index: SearchIndex | None = None
        self._generation = 0

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText(placeholder)
        self.filter_edit.setClearButtonEnabled(True)
        self.count_label = QLabel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setAlternatingRowColors(True)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(110)
        self.table.verticalHeader().setDefaultSectionSize(22)
        # Fixed row heights: the view never measures 100,000 rows.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_FILTER_DELAY_MS)
        self._timer.timeout.connect(self._start_filter)
        self.filter_edit.textChanged.connect(lambda _text: self._timer.start())

        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._update_count()

    def set_frame(
        self,
        frame: pd.DataFrame,
        units: dict[str, str] | None = None,
        row_labels: np.ndarray | None = None,
    ) -> None:
        """Show a frame; a filter already typed is applied again."""
        self._generation += 1
        self._index = None
        self.model.set_frame(frame, units, row_labels)
        self._fit_columns()
        self._update_count()
        if self.filter_edit.text().strip():
            self._start_filter()

    def clear(self) -> None:
        """Show nothing."""
        self._generation += 1
        self._index = None
        self._runner.cancel_all()
        self.model.clear()
        self._update_count()

    def select_cell(self, position: int, column: str | None) -> bool:
        """Scroll to and select a frame row (and column); clears a filter that hides it."""
        row = self.model.row_of_position(position)
        if row < 0 and self.filter_edit.text():
            self.filter_edit.clear()
            self._timer.stop()
            self.model.set_visible_rows(self._all_rows())
            self._update_count()
            row = self.model.row_of_position(position)
        if row < 0:
            return False
        col = self.model.column_index(column) if column else 0
        index = self.model.index(row, max(col, 0))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        self.table.setFocus()
        return True

    def shutdown(self) -> None:
        """Stop a running filter (the owning page calls this when it closes)."""
        self._runner.shutdown()

    # -- internals ---------------------------------------------------------------------------
    def _all_rows(self) -> np.ndarray:
        import numpy as np

        return np.arange(len(self.model.frame) if self.model.frame is not None else 0)

    def _fit_columns(self, sample_rows: int = 40) -> None:
        """Width from the header and the first rows' text (not all rows: that is slow)."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        n_rows = min(self.model.rowCount(), sample_rows)
        for column in range(self.model.columnCount()):
            texts = [str(self.model.headerData(column, Qt.Orientation.Horizontal))]
            texts += [self.model.data(self.model.index(row, column)) or "" for row in range(n_rows)]
            widest = max(metrics.horizontalAdvance(text) for text in texts)
            header.resizeSection(column, min(max(widest + 24, 60), 280))

    def _start_filter(self) -> None:
        frame = self.model.frame
        if frame is None:
            return
        text = self.filter_edit.text()
        generation = self._generation
        index = self._index
        self._runner.cancel_all()
        self.count_label.setText("filtering…")

        def job(progress: ProgressCallback, cancel: CancelToken) -> tuple[SearchIndex, object]:
            built = index or SearchIndex(frame)
            cancel.raise_if_cancelled()
            return built, built.rows_matching(text)

        def done(outcome: TaskOutcome) -> None:
            if generation != self._generation or outcome.cancelled:
                return
            if not outcome.ok:
                self.count_label.setText(outcome.error or "filter failed")
                return
            self._index, rows = outcome.value
            if text == self.filter_edit.text():
                self.model.set_visible_rows(rows)
                self._update_count()
                self.filtered.emit(len(rows))

        self._runner.start("filter table", job, done)

    def _update_count(self) -> None:
        frame = self.model.frame
        total = 0 if frame is None else len(frame)
        shown = self.model.rowCount()
        text = f"{total:,} rows" if shown == total else f"{shown:,} of {total:,} rows"
        self.count_label.setText(text)
