"""A framed message for something that is not possible yet, or needs the user first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

__all__ = ["Notice"]


class Notice(QFrame):
    """A boxed title and explanation, e.g. "Not available yet" or "Open a project first"."""

    def __init__(self, title: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("Notice")
        self.title_label = QLabel(self)
        self.text_label = QLabel(self)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.title_label)
        layout.addWidget(self.text_label)
        self.set_text(title, text)

    def set_text(self, title: str, text: str = "") -> None:
        """Change what the notice says."""
        self.title_label.setText(f"<b>{title}</b>")
        self.text_label.setText(text)
        self.text_label.setVisible(bool(text))
