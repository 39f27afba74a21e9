"""Test helpers for reader plugin authors (needs pytest).

* ``ReaderContract`` / ``BadSample`` (``engine.testing.contract``): the reader contract as a
  test class to subclass.
* ``engine.testing.pytest_plugin`` (loaded by pytest through the ``pytest11`` entry point):
  the ``reader_registry`` and ``formix_plugin_dirs`` fixtures.

Names are imported on first use so that loading the pytest plugin stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.testing.contract import BadSample, ReaderContract

__all__ = ["BadSample", "ReaderContract"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from engine.testing import contract

        return getattr(contract, name)
    raise AttributeError(f"module 'engine.testing' has no attribute {name!r}")
