"""What every workflow page shares: the open project, a task runner, status messages."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

from desktop.workers import TaskRunner

__all__ = ["Page"]


class Page(QWidget):
    """A workflow step. Holds no domain logic: collects inputs, runs one service, renders.

    Subclasses set ``title`` and override ``project_changed``.

    Signals:
        status_message(str): a short message for the main window's status bar.
        project_modified(): the page changed the project (e.g. imported files).
    """

    title = "Page"
    status_message = Signal(str)
    project_modified = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = TaskRunner(self)
        self.location: str | None = None

    def set_project(self, location: str | None) -> None:
        """Show another project (None: no project open); cancels this page's work."""
        self.runner.cancel_all()
        self.location = location
        self.project_changed()

    def project_changed(self) -> None:
        """Hook: the project changed (``self.location``); reload what the page shows."""

    def shutdown(self) -> None:
        """Cancel this page's work and wait for it (the page is closing)."""
        for runner in self.findChildren(TaskRunner):  # this page's and its widgets' runners
            runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
