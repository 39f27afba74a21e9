"""Recommendations: a few recipes chosen from the front, each with its reasons.

Not wired yet: the recommendation service is being written. Run alone:
``python -m desktop.pages.recommendations_page``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from desktop.pages.base import Page
from desktop.widgets.notice import Notice
from desktop.widgets.skeleton import empty_table_box

__all__ = ["RecommendationsPage"]

SERVICE = "recommend"


class RecommendationsPage(Page):
    """Recommended recipes with predicted properties and intervals; why each one."""

    title = "Recommendations"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = Notice(
            "Not available yet",
            f"Recommendations need the engine service {SERVICE}, which is being written. "
            "Here you will see a few recipes chosen from the optimisation's front, their "
            "predicted properties with intervals, cost and CO₂, whether they lie inside the "
            "plant's data, and what changed compared with a current recipe and why.",
            self,
        )
        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(empty_table_box(
            "Recommended recipes",
            ["#", "Recipe", "Strength (90 % interval)", "Cost", "CO₂", "In data?"], self))
        body.addWidget(empty_table_box(
            "Why this recipe", ["Change", "Effect on strength", "Effect on cost"], self))
        body.setSizes([680, 480])
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Recommendations</h2>", self))
        layout.addWidget(self.notice)
        layout.addWidget(body, 1)


if __name__ == "__main__":
    from desktop.pages.standalone import run_page

    raise SystemExit(run_page(RecommendationsPage))
