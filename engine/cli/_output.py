"""Shared output helpers for CLI handlers: JSON or human text, and a terminal progress bar."""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (NaN becomes null)."""
    print(json.dumps(_clean(data), indent=2, default=str))


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class TerminalProgress:
    """A progress callback drawing a bar on stderr when it is a terminal, else silent lines.

    Writes at most ten times a second so it costs nothing in hot loops.
    """

    def __init__(self, enabled: bool = True) -> None:
        self._enabled = enabled
        self._is_tty = sys.stderr.isatty()
        self._last = 0.0
        self._last_message = ""

    def __call__(self, fraction: float, message: str) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if self._is_tty:
            if now - self._last < 0.1 and fraction < 1.0:
                return
            width = 30
            filled = int(width * min(max(fraction, 0.0), 1.0))
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r[{bar}] {fraction:5.1%} {message[:60]:<60}")
            if fraction >= 1.0:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif message != self._last_message and now - self._last > 1.0:
            sys.stderr.write(f"{fraction:5.1%} {message}\n")
            self._last_message = message
        self._last = now
