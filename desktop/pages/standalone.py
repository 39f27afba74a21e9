"""Open one page on its own, on the demo project: ``python -m desktop.pages.<page>``."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from desktop.app import configure_application
from desktop.pages.base import Page
from desktop.workers import TaskOutcome, TaskRunner
from engine.progress import CancelToken, ProgressCallback

__all__ = ["run_page"]


def run_page(page_class: type[Page]) -> int:
    """Show a page in its own window; the demo project is created (if needed) and opened."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    configure_application(app)
    page = page_class()
    page.setWindowTitle(f"{page.title} — Formix (page preview on the demo project)")
    page.resize(1280, 800)
    page.status_message.connect(lambda message: print(f"status: {message}", flush=True))
    page.show()
    runner = TaskRunner(page)

    def done(outcome: TaskOutcome) -> None:
        if outcome.ok:
            _path, summary, _created = outcome.value
            page.set_project(summary.location)
        else:
            print(f"demo project: {outcome.error}", file=sys.stderr, flush=True)

    def job(progress: ProgressCallback, cancel: CancelToken) -> object:
        from engine import services

        return services.create_demo(progress=progress, cancel=cancel)

    runner.start("create demo project", job, done)
    code = int(app.exec())
    runner.shutdown()
    return code
