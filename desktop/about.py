"""Help ▸ About: versions of Formix and its main libraries, and attributions of bundled data."""

from __future__ import annotations

import importlib.metadata
import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

__all__ = ["AboutDialog", "versions"]

# Distribution names; versions come from package metadata, so nothing heavy is imported.
_LIBRARIES = (
    ("LightGBM", "lightgbm"),
    ("pymoo", "pymoo"),
    ("pandas", "pandas"),
    ("NumPy", "numpy"),
    ("pyqtgraph", "pyqtgraph"),
)


def versions() -> list[tuple[str, str]]:
    """(name, version) of Formix, Python, Qt and the main libraries; "not installed" if absent."""
    return [
        ("Formix", _version("formix")),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", pyside_version),
        *[(label, _version(distribution)) for label, distribution in _LIBRARIES],
    ]


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


_FONT_NOTE = (
    "The DejaVu Sans font shipped with the application is © Bitstream, Inc. (Bitstream Vera "
    "licence); DejaVu changes are in the public domain."
)


class AboutDialog(QDialog):
    """Versions, then the licences and attributions of the data that ships with Formix."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Formix")
        self.resize(640, 560)
        rows = "".join(
            f"<tr><td style='padding-right:18px'>{name}</td><td><b>{version}</b></td></tr>"
            for name, version in versions()
        )
        header = QLabel(
            "<h2>Formix</h2><p>Optimise concrete mixes and alloys from your plant data.</p>"
            f"<table>{rows}</table>",
            self,
        )
        header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.attributions = QTextBrowser(self)
        self.attributions.setOpenExternalLinks(True)
        from engine import services  # only when the dialog opens

        text = services.data_attributions()
        self.attributions.setMarkdown(f"{text}\n\n## Font\n\n{_FONT_NOTE}\n")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(QLabel("<b>Licences and attributions</b>", self))
        layout.addWidget(self.attributions, 1)
        layout.addWidget(buttons)
