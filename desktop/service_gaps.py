"""Which engine services exist yet: pages for unfinished services say "not available yet".

The Optimise, Recommendations and Trials pages check here for their services and for the
optional ones (requests in ``desktop/NEEDS_FROM_ENGINE.md``); they say "not available yet" or
use a simpler path until a service exists. ``engine.services`` is imported inside the
function: it pulls in pandas and the readers, which must not slow the window's start.
"""

from __future__ import annotations

__all__ = ["has_service"]


def has_service(name: str) -> bool:
    """Whether ``engine.services`` offers a function of this name."""
    try:
        from engine import services
    except ImportError:
        return False
    return callable(getattr(services, name, None))
