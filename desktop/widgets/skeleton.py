"""Empty, disabled parts of a page whose engine service is not there yet.

They show the page's layout (so screenshots and reviews can judge it) without pretending to
work: every part is disabled and the page shows a "not available yet" notice above them.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

__all__ = ["empty_table_box"]


def empty_table_box(title: str, headers: list[str], parent: QWidget) -> QGroupBox:
    """A titled, disabled table with these column headers and no rows."""
    box = QGroupBox(title, parent)
    table = QTableWidget(0, len(headers), box)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    QVBoxLayout(box).addWidget(table)
    box.setEnabled(False)
    return box
