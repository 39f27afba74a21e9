"""Trials: plan recommended recipes as plant trials and record their results.

Not wired yet: the trial services are being written. Run alone:
``python -m desktop.pages.trials_page``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from desktop.pages.base import Page
from desktop.widgets.notice import Notice
from desktop.widgets.skeleton import empty_table_box

__all__ = ["TrialsPage"]

SERVICE = "record_trial"


class TrialsPage(Page):
    """Planned trials and their measured results, compared with the predictions."""

    title = "Trials"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = Notice(
            "Not available yet",
            f"Recording trials needs the engine service {SERVICE}, which is being written. "
            "Here you will plan a recommended recipe as a trial batch, record the measured "
            "results, and see them against the prediction interval; results feed the next "
            "model version.",
            self,
        )
        body = QSplitter(Qt.Orientation.Vertical, self)
        body.addWidget(empty_table_box(
            "Planned trials", ["Trial", "Recipe", "Planned for", "Status"], self))
        body.addWidget(empty_table_box(
            "Results", ["Trial", "Property", "Age (days)", "Measured", "Predicted (90 %)"],
            self))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Trials</h2>", self))
        layout.addWidget(self.notice)
        layout.addWidget(body, 1)


if __name__ == "__main__":
    from desktop.pages.standalone import run_page

    raise SystemExit(run_page(TrialsPage))
