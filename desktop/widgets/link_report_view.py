"""The link report: what linking counted, what it could not link (with examples), notes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["LinkReportView"]


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class LinkReportView(QWidget):
    """Shows a LinkReport: counts, issues (expand for examples) and notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = QLabel("Open a project to see how its records were linked.", self)
        self.headline.setWordWrap(True)
        self.counts = QTableWidget(0, 2, self)
        self.counts.setHorizontalHeaderLabels(["Count", "What"])
        self.counts.verticalHeader().setVisible(False)
        self.counts.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.counts.horizontalHeader().resizeSection(0, 110)
        self.counts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.counts.verticalHeader().setDefaultSectionSize(22)
        self.issues = QTreeWidget(self)
        self.issues.setHeaderLabels(["Needs attention", "Records"])
        self.issues.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.issues.header().setStretchLastSection(False)
        self.issues.header().resizeSection(1, 90)
        self.issues.setWordWrap(True)
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.counts)
        splitter.addWidget(self.issues)
        splitter.setSizes([420, 620])
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.notes)

    def set_report(self, report: Any) -> None:
        """Show a LinkReport (``counts``, ``issues`` with ``examples``, ``notes``)."""
        counts = dict(report.counts)
        self.counts.setRowCount(len(counts))
        for row, (name, value) in enumerate(counts.items()):
            number = QTableWidgetItem(f"{int(value):,}")
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.counts.setItem(row, 0, number)
            self.counts.setItem(row, 1, QTableWidgetItem(_label(name)))
        self.issues.clear()
        for issue in report.issues:
            item = QTreeWidgetItem([issue.message, f"{issue.count:,}"])
            item.setToolTip(0, issue.message)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for example in issue.examples:
                child = QTreeWidgetItem([f"e.g. {example}", ""])
                child.setToolTip(0, example)
                item.addChild(child)
            self.issues.addTopLevelItem(item)
        self.issues.expandAll()
        if report.issues:
            total = sum(i.count for i in report.issues)
            self.headline.setText(
                f"<b>{len(report.issues)} kind(s) of records need attention</b> "
                f"({total:,} records); nothing was dropped without being listed here.")
        else:
            self.headline.setText("<b>Every record was linked unambiguously.</b>")
        self.notes.setText("\n".join(f"Note: {note}" for note in report.notes))
        self.notes.setVisible(bool(report.notes))

    def clear(self) -> None:
        """Show nothing (no project)."""
        self.counts.setRowCount(0)
        self.issues.clear()
        self.notes.setText("")
        self.headline.setText("Open a project to see how its records were linked.")
