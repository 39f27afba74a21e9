"""Argument types shared by the sub-commands."""

from __future__ import annotations

from pathlib import Path

from engine.types import is_server_location


def location(text: str) -> Path | str:
    """A project or file argument: a database URL (``postgresql+psycopg://…``) stays text, since
    ``Path`` would fold its ``//``; anything else is a path."""
    return text if is_server_location(text) else Path(text)
