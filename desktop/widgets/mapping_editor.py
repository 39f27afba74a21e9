"""The editable column → field + unit mapping of one source file."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.widgets.pandas_table_model import format_cell

__all__ = ["NOT_MAPPED", "MappingEditor"]

NOT_MAPPED = ""
_HEADERS = ("Source column", "Field", "Unit", "Age (days)", "Example")
_SOURCE, _FIELD, _UNIT, _AGE, _EXAMPLE = range(5)


class MappingEditor(QTableWidget):
    """One row per source column: the field it maps to (editable combo), unit and test age.

    The editor only edits values; ``columns()`` returns plain dicts and the engine validates
    them when the profile is built (``ImportProfile.model_validate``).

    Signals:
        edited(): the user changed a field, unit or test age.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(_HEADERS), parent)
        self.setHorizontalHeaderLabels(list(_HEADERS))
        self.verticalHeader().setVisible(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        header = self.horizontalHeader()
        for column, width in enumerate((150, 200, 60, 74)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(_EXAMPLE, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setDefaultSectionSize(26)
        self._fields: list[str] = []
        self._loading = False
        self.itemChanged.connect(self._on_item_changed)

    def set_mapping(
        self,
        sources: list[str],
        mappings: list[dict[str, Any]],
        fields: list[str],
        examples: dict[str, Any] | None = None,
        declared_units: dict[str, str] | None = None,
    ) -> None:
        """Show one row per source column.

        Args:
            sources: the file's column headers, in file order.
            mappings: the profile's column mappings as dicts (source, field, unit,
                test_age_days); sources without one are shown as not mapped.
            fields: choices for the field combo boxes (any other text can be typed).
            examples: a first value per source column, to help choose.
            declared_units: units the reader found in the headers (shown as placeholders).
        """
        self._loading = True
        self._fields = list(fields)
        by_source = {m["source"]: m for m in mappings}
        examples = examples or {}
        declared_units = declared_units or {}
        self.setRowCount(0)
        self.setRowCount(len(sources))
        for row, source in enumerate(sources):
            mapping = by_source.get(source, {})
            source_item = QTableWidgetItem(source)
            source_item.setFlags(source_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.setItem(row, _SOURCE, source_item)
            combo = self._field_combo(str(mapping.get("field") or NOT_MAPPED))
            self.setCellWidget(row, _FIELD, combo)
            unit = mapping.get("unit") or ""
            unit_item = QTableWidgetItem(unit)
            if not unit and source in declared_units:
                unit_item.setToolTip(f"from the header: {declared_units[source]}")
            self.setItem(row, _UNIT, unit_item)
            age = mapping.get("test_age_days")
            self.setItem(row, _AGE, QTableWidgetItem("" if age is None else format_cell(age)))
            example = QTableWidgetItem(format_cell(examples.get(source)))
            example.setFlags(example.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.setItem(row, _EXAMPLE, example)
        self._loading = False

    def _text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text().strip() if item is not None else ""

    def columns(self) -> list[dict[str, Any]]:
        """The mapped columns as dicts for ``ColumnMapping`` (unmapped columns left out).

        Raises:
            ValueError: a test age that is not a number (names the column).
        """
        result: list[dict[str, Any]] = []
        for row in range(self.rowCount()):
            source = self._text(row, _SOURCE)
            combo = self.cellWidget(row, _FIELD)
            field = combo.currentText().strip() if isinstance(combo, QComboBox) else ""
            if not field:
                continue
            entry: dict[str, Any] = {"source": source, "field": field}
            unit = self._text(row, _UNIT)
            if unit:
                entry["unit"] = unit
            age_text = self._text(row, _AGE)
            if age_text:
                try:
                    entry["test_age_days"] = float(age_text.replace(",", "."))
                except ValueError:
                    raise ValueError(
                        f"column '{source}': test age '{age_text}' is not a number of days"
                    ) from None
            result.append(entry)
        return result

    def field_of(self, source: str) -> str:
        """The field currently chosen for a source column ("" when not mapped)."""
        for row in range(self.rowCount()):
            if self._text(row, _SOURCE) == source.strip():
                combo = self.cellWidget(row, _FIELD)
                return combo.currentText() if isinstance(combo, QComboBox) else ""
        raise KeyError(source)

    def set_field(self, source: str, field: str) -> None:
        """Choose a field for a source column (as the user would)."""
        for row in range(self.rowCount()):
            if self._text(row, _SOURCE) == source.strip():
                combo = self.cellWidget(row, _FIELD)
                if isinstance(combo, QComboBox):
                    combo.setCurrentText(field)
                return
        raise KeyError(source)

    def _field_combo(self, current: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setEditable(True)
        combo.addItem(NOT_MAPPED)
        combo.addItems(self._fields)
        if current and current not in self._fields:
            combo.addItem(current)
        combo.setCurrentText(current)
        combo.setToolTip("What this column holds; type e.g. component:cement or property:slump")
        line_edit = combo.lineEdit()
        if line_edit is not None:
            line_edit.setPlaceholderText("not mapped")
        combo.currentTextChanged.connect(lambda _text: self._emit_edited())
        return combo

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() in (_UNIT, _AGE):
            self._emit_edited()

    def _emit_edited(self) -> None:
        if not self._loading:
            self.edited.emit()
