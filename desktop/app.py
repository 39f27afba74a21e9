"""Start the desktop application: ``formix`` (no arguments) or ``python -m desktop``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

# Before lightgbm can be imported by any page's worker: OpenMP threads must not spin.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from desktop.theme import apply_theme, ensure_font

__all__ = ["configure_application", "main"]

ORGANISATION = "Formix"
APPLICATION = "Formix"


def configure_application(app: QApplication) -> None:
    """Names for QSettings, the style that follows the system palette, a font that exists."""
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    from engine import __version__

    QCoreApplication.setApplicationVersion(__version__)
    app.setApplicationDisplayName("Formix")
    ensure_font(app)
    apply_theme(app)


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="formix", description="Formix desktop application")
    parser.add_argument("project", nargs="?",
                        help="a .formix project, or the database URL of a server project")
    parser.add_argument("--demo", action="store_true",
                        help="open the demo project (created on first use)")
    parser.add_argument("--no-demo-offer", action="store_true",
                        help="do not offer the demo project on the first start")
    parser.add_argument("--quit-when-shown", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(list(argv))


def main(argv: Sequence[str]) -> int:
    """Run the application until its window closes; returns the exit code."""
    args = _parse(argv)
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    assert isinstance(app, QApplication)
    configure_application(app)

    from desktop.main_window import MainWindow

    window = MainWindow()
    window.show()
    if args.quit_when_shown:  # cold-start measurement: the window has been painted once
        QTimer.singleShot(0, lambda: (print("formix: window shown", flush=True), window.close()))
    elif args.project:
        window.open_project(args.project)
    elif args.demo:
        QTimer.singleShot(0, window.open_demo)
    elif not args.no_demo_offer:
        QTimer.singleShot(0, window.offer_demo_if_first_start)
    return int(app.exec())
