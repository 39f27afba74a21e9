"""Optimise: goals and constraints, NSGA-II run with progress, the Pareto front.

Not wired yet: the optimisation service is being written. Run alone:
``python -m desktop.pages.optimise_page``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop import service_gaps
from desktop.pages.base import Page
from desktop.widgets.notice import Notice
from desktop.widgets.skeleton import empty_table_box

__all__ = ["OptimisePage"]

SERVICE = "optimise"


class OptimisePage(Page):
    """Goals (maximise strength, minimise cost/CO₂), constraints, run, Pareto front."""

    title = "Optimise"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel("<h2>Optimise</h2>", self)
        self.run_button = QPushButton("Run optimisation", self)
        self.run_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.run_button)
        self.notice = Notice(
            "Not available yet",
            f"Optimising recipes needs the engine service {SERVICE}, which is being written. "
            "Here you will set goals (e.g. 28-day strength at least 40 MPa, lowest cost and "
            "CO₂), limits per material and ratio (w/c ≤ 0.45), run NSGA-II with progress "
            "and Cancel, and see the trade-off front.",
            self,
        )
        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(empty_table_box("Goals", ["Property", "Goal", "Value", "Unit"], self))
        left.addWidget(empty_table_box(
            "Constraints", ["What", "Lower", "Upper", "Unit"], self))
        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(left)
        body.addWidget(empty_table_box(
            "Trade-off front (Pareto)", ["Recipe", "Strength", "Cost", "CO₂", "In data?"], self))
        body.setSizes([480, 680])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(body, 1)

    def project_changed(self) -> None:
        """Enable the run button only when the service exists and a project is open."""
        self.run_button.setEnabled(bool(self.location) and service_gaps.has_service(SERVICE))


if __name__ == "__main__":
    from desktop.pages.standalone import run_page

    raise SystemExit(run_page(OptimisePage))
