"""What every workflow page shares: the open project, a task runner, status messages, and
results handed from one page to the next (a trained model, an optimisation run …)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QSplitter, QVBoxLayout, QWidget

from desktop.widgets.task_progress import TaskProgress
from desktop.workers import TaskRunner
from engine.types import DisplayUnits

__all__ = ["MODEL_TRAINED", "OPTIMISATION_RUN", "RECOMMENDATIONS", "TRIAL_RECORDED", "Page"]

# Keys of the results pages hand on (``Page.publish`` → the main window → ``Page.on_shared``).
MODEL_TRAINED = "model_trained"  # the TrainingReport of the newest training
OPTIMISATION_RUN = "optimisation_run"  # the newest finished OptimisationRun
RECOMMENDATIONS = "recommendations"  # list of recommendation dicts of that run
TRIAL_RECORDED = "trial_recorded"  # what record_trial returned


class Page(QWidget):
    """A workflow step. Holds no domain logic: collects inputs, runs one service, renders.

    Subclasses set ``title`` and override ``project_changed`` (and ``on_shared`` when they
    use another page's result).

    Signals:
        status_message(str): a short message for the main window's status bar.
        project_modified(): the page changed the project's data (e.g. imported files).
        shared(str, object): a result for other pages (key, value); see the keys above.
        navigate_requested(str): the page suggests showing another page (by title).
    """

    title = "Page"
    status_message = Signal(str)
    project_modified = Signal()
    shared = Signal(str, object)
    navigate_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = TaskRunner(self)
        self.location: str | None = None
        self.units = DisplayUnits()  # the units figures are shown in (the project's choice)

    def header(self, text: QLabel, *controls: QWidget) -> QHBoxLayout:
        """The top row: the page's title, ``text`` (wrapped, taking the free width), then
        ``controls``."""
        row = QHBoxLayout()
        row.addWidget(QLabel(f"<h2>{self.title}</h2>", self))
        text.setWordWrap(True)
        row.addWidget(text, 1)
        for control in controls:
            row.addWidget(control)
        return row

    def assemble(
        self,
        header: QLayout,
        above: tuple[QWidget, ...],
        left: QWidget,
        right: QWidget,
        sizes: tuple[int, int],
        stretch: tuple[int, int] = (0, 0),
    ) -> QSplitter:
        """Lay the page out: header row, lines above the body, left | right, progress bar.

        Sets ``self.progress``; returns the splitter.
        """
        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(left)
        body.addWidget(right)
        body.setStretchFactor(0, stretch[0])
        body.setStretchFactor(1, stretch[1])
        body.setSizes(list(sizes))
        self.progress = TaskProgress(self)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        for widget in above:
            layout.addWidget(widget)
        layout.addWidget(body, 1)
        layout.addWidget(self.progress)
        return body

    def set_project(self, location: str | None) -> None:
        """Show another project (None: no project open); cancels this page's work."""
        self.runner.cancel_all()
        self.location = location
        self.project_changed()

    def set_display_units(self, units: DisplayUnits) -> None:
        """Show figures in ``units`` from now on."""
        if units != self.units:
            self.units = units
            self.units_changed()

    def units_changed(self) -> None:
        """Hook: ``self.units`` changed; re-show the figures the page holds."""

    def project_changed(self) -> None:
        """Hook: the project changed (``self.location``); reload what the page shows."""

    def publish(self, key: str, value: Any) -> None:
        """Hand a result to the other pages (through the main window)."""
        self.shared.emit(key, value)

    def on_shared(self, key: str, value: Any) -> None:
        """Hook: another page published a result (also replayed when this page is built)."""

    def shutdown(self) -> None:
        """Cancel this page's work and wait for it (the page is closing)."""
        for runner in self.findChildren(TaskRunner):  # this page's and its widgets' runners
            runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
