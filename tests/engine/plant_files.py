"""Small plant files written by import tests, and a project file's hash (to show that a
rejected import or a dry run wrote nothing)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` and return the path."""
    path.write_text(text, encoding="utf-8")
    return path


def sha256_of(path: Path) -> str:
    """The file's SHA-256, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

