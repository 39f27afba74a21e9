"""Recently opened projects, persisted with QSettings (most recent first)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

__all__ = ["RecentProjects"]

_KEY = "recent_projects"


class RecentProjects:
    """The list behind File ▸ Open recent.

    Args:
        settings: where the list is kept.
        limit: how many projects are remembered.
    """

    def __init__(self, settings: QSettings, limit: int = 8) -> None:
        self._settings = settings
        self._limit = limit

    def items(self) -> list[str]:
        """Project locations, most recent first."""
        value = self._settings.value(_KEY, [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            return [value] if value else []
        if not isinstance(value, list | tuple):
            return []
        return [str(v) for v in value if v]

    def add(self, location: str) -> None:
        """Put a project at the top of the list."""
        items = [location, *[i for i in self.items() if i != location]][: self._limit]
        self._settings.setValue(_KEY, items)

    def remove(self, location: str) -> None:
        """Forget a project (e.g. its file is gone)."""
        self._settings.setValue(_KEY, [i for i in self.items() if i != location])

    def clear(self) -> None:
        """Forget every project."""
        self._settings.setValue(_KEY, [])
