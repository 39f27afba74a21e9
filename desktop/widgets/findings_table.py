"""Validation findings (severity, file, row, column, reason) with a jump to the cell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from engine.errors import Finding, Severity

__all__ = ["FindingsModel", "FindingsTable"]

_HEADERS = ("Severity", "File", "Row", "Column", "Reason")
_Index = QModelIndex | QPersistentModelIndex


class FindingsModel(QAbstractTableModel):
    """Read-only model over a sequence of findings, errors first."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []

    def set_findings(self, findings: Sequence[Finding]) -> None:
        """Show these findings: errors first, then by file and row."""
        self.beginResetModel()
        self._findings = sorted(
            findings,
            key=lambda f: (f.severity is not Severity.ERROR, f.file, f.row or 0),
        )
        self.endResetModel()

    def finding(self, row: int) -> Finding:
        """The finding shown in a row."""
        return self._findings[row]

    @property
    def findings(self) -> list[Finding]:
        """The findings in display order."""
        return list(self._findings)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._findings)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        finding = self._findings[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (finding.severity.value, finding.file,
                      "" if finding.row is None else str(finding.row),
                      finding.column or "", finding.reason)
            return values[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            error = finding.severity is Severity.ERROR
            return QColor("#d64545") if error else QColor("#c77c02")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _HEADERS[section]
        return None


class FindingsTable(QTableView):
    """Lists findings; double-click (or Enter) on one asks to show its cell.

    Signals:
        jump_requested(Finding): the user wants to see where the finding is.
    """

    jump_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.findings_model = FindingsModel(self)
        self.setModel(self.findings_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        for column, width in enumerate((70, 200, 60, 160)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Double-click a finding to show its cell in the preview")
        self.activated.connect(self._on_activated)

    def set_findings(self, findings: Sequence[Finding]) -> None:
        """Show these findings."""
        self.findings_model.set_findings(findings)

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.jump_requested.emit(self.findings_model.finding(index.row()))
