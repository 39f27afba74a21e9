"""An editable table of records (a list of dicts), one row per record, one column per key.

The study editor uses it for variables, mixtures, ratios, goals and limits: each TOML array
of tables (``[[variables]]`` …) is one ``RecordTable``. Keys without a column are kept as they
were, so editing never loses what the form does not show. Cells are plain text (numbers,
comma-separated names, ``name=weight`` pairs), a drop-down or a tick box. An empty cell may
show an *inherited* value (grey italics: e.g. a price from the project's catalogue) that the
record does not hold; typing a value replaces it, clearing the cell shows it again.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["Column", "RecordTable", "format_value", "parse_value"]

_RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
_INHERITED_ROLE = Qt.ItemDataRole.UserRole + 2  # text of the inherited value, if any
_SHOWS_INHERITED_ROLE = Qt.ItemDataRole.UserRole + 3  # the cell shows it (holds no value)


@dataclass(frozen=True)
class Column:
    """One column of a ``RecordTable``.

    Attributes:
        key: the record key.
        header: the column title (a line break makes a narrower two-line heading).
        kind: ``text``, ``number``, ``int``, ``value`` (number or text), ``names``
            (comma-separated list), ``weights`` (``a=1, b=0.4``; a bare name means weight 1;
            read as a dict),
            ``choice`` (drop-down of ``choices``; "" means the key is left out) or ``bool``.
        choices: the drop-down's entries (``choice`` only).
        editable: whether a drop-down also takes typed text (e.g. a property name).
        tooltip: shown on the header.
        default: the value of a new row.
    """

    key: str
    header: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    editable: bool = False
    tooltip: str = ""
    default: Any = None


def format_value(value: Any, kind: str) -> str:
    """The text a cell shows for a record value."""
    if value is None:
        return ""
    if kind == "names" and isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if kind == "weights":
        if isinstance(value, dict):
            if all(float(w) == 1.0 for w in value.values()):
                return ", ".join(str(k) for k in value)
            return ", ".join(f"{k}={_number_text(w)}" for k, w in value.items())
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int | float):
        return _number_text(value)
    return str(value)


def _number_text(value: Any) -> str:
    number = float(value)
    if math.isfinite(number) and number == int(number) and abs(number) < 1e15:
        return f"{int(number)}"
    return f"{number:.6g}"


def parse_value(text: str, kind: str) -> Any:
    """A cell's text as a record value; None when empty.

    Raises:
        ValueError: the text is not a number (or ``name=number`` pairs) where one is needed.
    """
    text = text.strip()
    if not text:
        return None
    if kind == "number":
        return _float(text)
    if kind == "int":
        number = _float(text)
        if number != int(number):
            raise ValueError(f"{text!r} is not a whole number")
        return int(number)
    if kind == "value":
        try:
            return _float(text)
        except ValueError:
            return text
    if kind == "names":
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "weights":
        parts = [part.strip() for part in text.split(",") if part.strip()]
        weights: dict[str, float] = {}
        for part in parts:
            name, _eq, weight = part.partition("=")
            weights[name.strip()] = _float(weight) if weight.strip() else 1.0
        return weights
    return text


def _float(text: str) -> float:
    try:
        return float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text \
            else float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


class RecordTable(QWidget):
    """Rows of records with Add/Remove buttons.

    Signals:
        edited(): a cell, a drop-down or the rows changed.
    """

    edited = Signal()

    def __init__(self, columns: Sequence[Column], title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.title = title
        self.table = QTableWidget(0, len(self.columns), self)
        self.table.setHorizontalHeaderLabels([c.header for c in self.columns])
        for i, column in enumerate(self.columns):
            header_item = self.table.horizontalHeaderItem(i)
            if header_item is not None and column.tooltip:
                header_item.setToolTip(column.tooltip)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._on_item_changed)
        self.add_button = QPushButton("Add", self)
        self.add_button.clicked.connect(lambda: self.add_record({}))
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    # -- records -------------------------------------------------------------------------------
    def set_records(self, records: Sequence[dict[str, Any]]) -> None:
        """Show these records (replaces every row)."""
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for record in records:
            self._append(dict(record))
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        metrics = self.table.fontMetrics()
        for i, column in enumerate(self.columns[:-1]):
            width = self.table.columnWidth(i)
            if column.kind == "choice":  # cell widgets are not measured by Qt
                texts = [*column.choices, *(str(r.get(column.key) or "") for r in records)]
                width = max(width, max((metrics.horizontalAdvance(s) for s in texts),
                                       default=0) + 36)
            self.table.setColumnWidth(i, min(max(width, 56), 240))

    def add_record(self, record: dict[str, Any]) -> None:
        """Append a row (new rows get the columns' defaults)."""
        filled = {c.key: c.default for c in self.columns if c.default is not None}
        filled.update(record)
        self.table.blockSignals(True)
        self._append(filled)
        self.table.blockSignals(False)
        self.table.scrollToBottom()
        self.edited.emit()

    def remove_selected(self) -> None:
        """Remove the selected rows."""
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self.edited.emit()

    def records(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The rows as records, and the problems found ("row 2, Lower: 'x' is not a number").

        Keys the table has no column for are kept from the record the row was made from;
        empty cells leave their key out.
        """
        records: list[dict[str, Any]] = []
        problems: list[str] = []
        for row in range(self.table.rowCount()):
            first = self.table.item(row, 0)
            original = first.data(_RECORD_ROLE) if first is not None else None
            record = {k: v for k, v in dict(original or {}).items()
                      if k not in {c.key for c in self.columns}}
            for col, column in enumerate(self.columns):
                try:
                    value = self.cell_value(row, col)
                except ValueError as error:
                    where = f"{self.title}, " if self.title else ""
                    header = column.header.replace("\n", " ")
                    problems.append(f"{where}row {row + 1}, {header}: {error}")
                    continue
                if value is not None:
                    record[column.key] = value
            records.append(record)
        return records, problems

    def cell_value(self, row: int, col: int) -> Any:
        """The parsed value of one cell (None when empty)."""
        column = self.columns[col]
        if column.kind == "choice":
            combo = self.table.cellWidget(row, col)
            text = combo.currentText() if isinstance(combo, QComboBox) else ""
            return text.strip() or None
        item = self.table.item(row, col)
        if column.kind == "bool":
            return None if item is None else (item.checkState() == Qt.CheckState.Checked) or None
        if item is not None and item.data(_SHOWS_INHERITED_ROLE):
            return None
        value = parse_value(item.text() if item is not None else "", column.kind)
        first = self.table.item(row, 0)
        loaded = dict(first.data(_RECORD_ROLE) or {}).get(column.key) if first else None
        if loaded is None or value != parse_value(format_value(loaded, column.kind),
                                                  column.kind):
            return value
        # Unedited: the value as loaded, not rounded to the digits shown (in the cell's order:
        # Qt hands tables of weights back sorted by name).
        if isinstance(value, dict) and isinstance(loaded, dict):
            return {name: loaded[name] for name in value}
        return copy.deepcopy(loaded)

    def item(self, row: int, key: str) -> QTableWidgetItem | None:
        """The item of one cell, by record key."""
        return self.table.item(row, [c.key for c in self.columns].index(key))

    def set_inherited(self, row: int, key: str, value: Any, tooltip: str = "") -> None:
        """Show ``value`` in the cell while the record holds none there (None: show nothing).

        The inherited value is shown in grey italics with ``tooltip``; it is not part of the
        record (``records()`` leaves the key out). Typing a different value makes it the
        record's own; clearing the cell shows the inherited value again.
        """
        item = self.item(row, key)
        if item is None:
            return
        text = "" if value is None else format_value(value, self.columns[
            [c.key for c in self.columns].index(key)].kind)
        blocked = self.table.blockSignals(True)
        try:
            item.setData(_INHERITED_ROLE, text or None)
            if item.data(_SHOWS_INHERITED_ROLE) or not item.text().strip():
                self._show_inherited(item, text, tooltip)
        finally:
            self.table.blockSignals(blocked)

    def is_inherited(self, row: int, key: str) -> bool:
        """Whether the cell shows an inherited value (and the record holds none)."""
        item = self.item(row, key)
        return bool(item is not None and item.data(_SHOWS_INHERITED_ROLE))

    def _show_inherited(self, item: QTableWidgetItem, text: str, tooltip: str) -> None:
        font = item.font()
        font.setItalic(bool(text))
        item.setFont(font)
        if text:
            item.setForeground(self.palette().brush(QPalette.ColorRole.PlaceholderText))
        else:
            item.setData(Qt.ItemDataRole.ForegroundRole, None)
        item.setText(text)
        item.setData(_SHOWS_INHERITED_ROLE, bool(text))
        item.setToolTip(tooltip if text else "")

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        inherited = item.data(_INHERITED_ROLE)
        if inherited is not None:
            blocked = self.table.blockSignals(True)
            try:
                if not item.text().strip():  # cleared: the inherited value again
                    self._show_inherited(item, str(inherited), item.toolTip())
                elif item.data(_SHOWS_INHERITED_ROLE) and item.text() != inherited:
                    font = item.font()  # typed over: the record's own value from now on
                    font.setItalic(False)
                    item.setFont(font)
                    item.setData(Qt.ItemDataRole.ForegroundRole, None)
                    item.setData(_SHOWS_INHERITED_ROLE, False)
            finally:
                self.table.blockSignals(blocked)
        self.edited.emit()

    def set_cell(self, row: int, key: str, value: Any) -> None:
        """Set one cell by record key (as if typed)."""
        col = [c.key for c in self.columns].index(key)
        column = self.columns[col]
        if column.kind == "choice":
            combo = self.table.cellWidget(row, col)
            if isinstance(combo, QComboBox):
                combo.setCurrentText("" if value is None else str(value))
            return
        item = self.table.item(row, col)
        if item is None:
            return
        if column.kind == "bool":
            item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
        else:
            item.setText(format_value(value, column.kind))

    def row_count(self) -> int:
        """Number of rows."""
        return self.table.rowCount()

    def _append(self, record: dict[str, Any]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, column in enumerate(self.columns):
            value = record.get(column.key)
            if column.kind == "choice":
                combo = QComboBox(self.table)
                combo.setEditable(column.editable)
                combo.addItems(list(column.choices))
                text = "" if value is None else str(value)
                if text and combo.findText(text) < 0:
                    combo.addItem(text)
                combo.setCurrentText(text)
                combo.currentTextChanged.connect(lambda _t: self.edited.emit())
                self.table.setCellWidget(row, col, combo)
                item = QTableWidgetItem()
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            elif column.kind == "bool":
                item = QTableWidgetItem()
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                              | Qt.ItemFlag.ItemIsSelectable)
                item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
            else:
                item = QTableWidgetItem(format_value(value, column.kind))
                if column.kind in ("number", "int"):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                         | Qt.AlignmentFlag.AlignVCenter)
            if col == 0:
                item.setData(_RECORD_ROLE, record)
            self.table.setItem(row, col, item)
