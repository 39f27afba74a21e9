"""Application look: a font that always exists, the system light/dark palette, plot colours."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

__all__ = [
    "DOMAIN_TEXT",
    "apply_theme",
    "configure_plots",
    "domain_colors",
    "ensure_font",
    "is_dark",
    "plot_colors",
]

FONTS_DIR = Path(__file__).resolve().parent / "resources" / "fonts"
# Where Debian/Ubuntu's fonts-dejavu-core puts the fonts, used when Qt finds no font at all.
_SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)


def ensure_font(app: QApplication) -> str | None:
    """Make sure text renders as glyphs, not boxes; returns the family loaded, if any.

    Qt finds no fonts on a machine without a font package (offscreen servers, minimal
    containers, some frozen bundles). Then the bundled DejaVu Sans is loaded.
    """
    if QFontDatabase.families():
        return None
    loaded: str | None = None
    for folder in (FONTS_DIR, *_SYSTEM_FONT_DIRS):
        for path in sorted(folder.glob("DejaVuSans*.ttf")) if folder.is_dir() else ():
            font_id = QFontDatabase.addApplicationFont(str(path))
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            loaded = loaded or (families[0] if families else None)
        if loaded:
            break
    if loaded:
        app.setFont(QFont(loaded, 10))
    return loaded


def apply_theme(app: QApplication) -> None:
    """Follow the system's light or dark scheme.

    Fusion is used off Windows and macOS: it honours the palette Qt derives from the
    system colour scheme and looks the same on every Linux desktop. When the system says
    "dark" but its platform theme gives Qt no dark palette (some Linux desktops), a dark
    Fusion palette is set. ``FORMIX_COLOR_SCHEME=dark|light`` forces a scheme.
    """
    if sys.platform not in ("win32", "darwin"):
        app.setStyle("Fusion")
    _follow_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: _follow_scheme(app))


def _follow_scheme(app: QApplication) -> None:
    forced = os.environ.get("FORMIX_COLOR_SCHEME", "").lower()
    wants_dark = forced == "dark" or (
        forced != "light" and app.styleHints().colorScheme() == Qt.ColorScheme.Dark)
    if wants_dark and not is_dark(app):
        app.setPalette(_dark_palette())
    elif forced == "light" and is_dark(app):
        app.setPalette(app.style().standardPalette())
    if "pyqtgraph" in sys.modules:  # plots built from now on use the new colours
        configure_plots()


def _dark_palette() -> QPalette:
    """A dark Fusion palette (used only when the platform provides none)."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#2b2d30"), (roles.WindowText, "#e6e6e6"), (roles.Base, "#1e1f22"),
        (roles.AlternateBase, "#26282b"), (roles.Text, "#e6e6e6"), (roles.Button, "#34363a"),
        (roles.ButtonText, "#e6e6e6"), (roles.ToolTipBase, "#34363a"),
        (roles.ToolTipText, "#e6e6e6"), (roles.Highlight, "#2f6fb0"),
        (roles.HighlightedText, "#ffffff"), (roles.Link, "#6cb4ff"),
        (roles.PlaceholderText, "#8c8f94"), (roles.BrightText, "#ff6b6b"),
    ):
        palette.setColor(role, QColor(colour))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7d82"))
    return palette


def is_dark(app: QApplication | None = None) -> bool:
    """Whether the current palette is dark (window colour darker than its text)."""
    instance = app or QApplication.instance()
    palette = instance.palette() if isinstance(instance, QApplication) else QPalette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def plot_colors() -> dict[str, QColor]:
    """Colours for plots that read well on the current palette."""
    app = QApplication.instance()
    palette = app.palette() if isinstance(app, QApplication) else QPalette()
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return {
        "background": palette.color(QPalette.ColorRole.Base),
        "foreground": palette.color(QPalette.ColorRole.Text),
        "accent": QColor("#5aa9e6") if dark else QColor("#1f6fb2"),
        "accent_fill": QColor(90, 169, 230, 140) if dark else QColor(31, 111, 178, 110),
        "highlight": QColor("#ff9f43") if dark else QColor("#d9480f"),
        "muted": QColor("#9aa5b1") if dark else QColor("#6b7785"),
        "band": QColor(255, 159, 67, 45) if dark else QColor(217, 72, 15, 30),
    }


DOMAIN_TEXT = {
    "inside": "inside the plant's data",
    "edge": "at the edge of the data",
    "outside": "outside the data (extrapolation)",
}
"""What each applicability-domain label means, in words for the plant."""


def domain_colors() -> dict[str, QColor]:
    """One colour per applicability-domain label (inside, edge, outside), light or dark."""
    dark = is_dark()
    return {
        "inside": QColor("#51cf66") if dark else QColor("#2b8a3e"),
        "edge": QColor("#fcc419") if dark else QColor("#e67700"),
        "outside": QColor("#ff6b6b") if dark else QColor("#c92a2a"),
        "": QColor("#9aa5b1") if dark else QColor("#6b7785"),
    }


def configure_plots() -> None:
    """Set pyqtgraph's colours from the palette; plot widgets call it before they are built.

    pyqtgraph is imported here, not at start-up: it costs a few hundred milliseconds.
    """
    import pyqtgraph as pg

    colors = plot_colors()
    pg.setConfigOptions(
        background=colors["background"], foreground=colors["foreground"], antialias=True
    )
