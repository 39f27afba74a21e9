"""Keep the window responsive during long engine work: load the heavy libraries once, on a
worker, and take everything long-lived out of Python's cyclic garbage collector.

Why: a full (generation 2) collection holds the GIL while it walks every tracked object —
about 200,000 right after pandas, LightGBM, pymoo and the engine are imported — and the
collector runs in whichever thread happens to allocate, usually the engine's worker. The UI
thread then waits 100–200 ms for the GIL (``python -m desktop.bench_responsiveness`` showed
the longest stalls during training were exactly these collections). ``gc.freeze()`` moves the
objects alive now (modules, classes, functions, the pages) to a permanent generation the
collector no longer walks; reference counting still frees them as usual.
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

__all__ = ["HEAVY_MODULES", "freeze_long_lived", "load_heavy_modules"]

HEAVY_MODULES = (
    "engine.services",
    "numpy",
    "pandas",
    "sqlalchemy",
    "pydantic",
    "sklearn.model_selection",
    "lightgbm",
    "pymoo.algorithms.moo.nsga2",
)
"""What the services load on first use (third-party libraries: the desktop may not import the
engine's inner modules; they are small next to these)."""


def load_heavy_modules(progress: Any = None, cancel: Any = None) -> list[str]:
    """Import the heavy libraries (a worker job); returns what loaded.

    No ``gc.collect()`` here: it would hold the GIL for as long as the stalls this avoids.
    """
    loaded = []
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional library: the service that needs it will say so
            continue
        loaded.append(name)
    return loaded


def freeze_long_lived() -> None:
    """Exclude every object alive now from future cyclic collections (cheap: O(1))."""
    gc.freeze()
