"""One line of feedback (result or error) with a "Details…" button for unexpected errors."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from desktop.workers import TaskOutcome

__all__ = ["MessageLine"]

ERROR_COLOUR = "#d64545"


class MessageLine(QWidget):
    """Shows a message; errors in red; technical details only behind a button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QPushButton("Details…", self)
        self.details_button.setVisible(False)
        self.details_button.clicked.connect(self._show_details)
        self._details = ""
        self._text = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.details_button)

    def text(self) -> str:
        """The message shown, as plain text."""
        return self._text

    def show_message(self, text: str, error: bool = False, details: str | None = None) -> None:
        """Show a message (red when ``error``); ``details`` go behind the Details button."""
        self._text = text
        escaped = html.escape(text)
        self.label.setText(f"<span style='color:{ERROR_COLOUR}'>{escaped}</span>" if error
                           else escaped)
        self._details = details or ""
        self.details_button.setVisible(bool(details))

    def show_outcome(self, outcome: TaskOutcome, success: str = "") -> None:
        """Show a task's outcome: its error (with details), cancellation, or ``success``."""
        if outcome.cancelled:
            self.show_message("Cancelled.")
        elif outcome.error:
            self.show_message(outcome.error, error=True, details=outcome.details)
        else:
            self.show_message(success)

    def clear(self) -> None:
        """Show nothing."""
        self.show_message("")

    def _show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Details", self.text(),
                          QMessageBox.StandardButton.Close, self)
        box.setDetailedText(self._details)
        box.open()
