"""A progress bar with a message and a Cancel button, bound to one running task."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop.workers import Task, TaskOutcome

__all__ = ["TaskProgress"]


class TaskProgress(QWidget):
    """Shows a task's progress; Cancel sets its cancel token. Hidden when idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._task: Task | None = None
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(260)
        self.message = QLabel(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.cancel_button)
        self.setVisible(False)

    def track(self, task: Task, message: str = "working…") -> None:
        """Follow a task until it finishes."""
        self._task = task
        self.bar.setValue(0)
        self.message.setText(message)
        self.cancel_button.setEnabled(True)
        task.progress.connect(self._on_progress)
        task.finished.connect(self._on_finished)
        self.setVisible(True)

    def cancel(self) -> None:
        """Cancel the tracked task."""
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.message.setText("cancelling…")

    def _on_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        if message:
            self.message.setText(message)

    def _on_finished(self, _outcome: TaskOutcome) -> None:
        self._task = None
        self.setVisible(False)
