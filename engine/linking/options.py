"""How batches are linked to process data: window around each batch and features to compute."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from engine.errors import FormixError

PROCESS_FEATURES: tuple[str, ...] = (
    "mean", "min", "max", "last", "duration", "time_above", "count",
)
"""Every statistic ``aggregate_process_windows`` can compute per tag and batch."""

_FORMAT_VERSION = 1


@dataclass(frozen=True)
class LinkOptions:
    """Rules for linking batches to their process data.

    A batch's window is ``[start_time - lead, end_time + lag]``, both ends included (a batch
    without an end time uses its start time). Negative lead or lag shrink the window.

    Attributes:
        lead: time before a batch's start that still belongs to it.
        lag: time after a batch's end that still belongs to it.
        features: statistics per tag, a subset of ``PROCESS_FEATURES``.
        thresholds: per tag, the value above which ``time_above`` counts (minutes).
        prefer_weighed_amounts: use a batch's weighed amounts over its recipe's amounts, and
            the settings a batches file gives a batch over its recipe's settings.
        balance_element: alloys only: the element that makes up 100 wt %; None chooses it
            from the data (see ``engine.linking.derived``).
    """

    lead: timedelta = timedelta(0)
    lag: timedelta = timedelta(0)
    features: tuple[str, ...] = ("mean", "min", "max", "last")
    thresholds: Mapping[str, float] = field(default_factory=dict, hash=False)
    prefer_weighed_amounts: bool = True
    balance_element: str | None = None

    def __post_init__(self) -> None:
        for name in ("lead", "lag"):
            if not isinstance(getattr(self, name), timedelta):
                raise FormixError(f"link options: {name} must be a time span, "
                                  f"got {getattr(self, name)!r}")
        features = tuple(dict.fromkeys(self.features))  # keeps order, drops repeats
        unknown = [f for f in features if f not in PROCESS_FEATURES]
        if unknown:
            raise FormixError(f"link options: unknown process feature(s) {unknown}; "
                              f"choose from {list(PROCESS_FEATURES)}")
        thresholds: dict[str, float] = {}
        for tag, value in dict(self.thresholds).items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):
                raise FormixError(f"link options: threshold of tag {tag!r} must be a number, "
                                  f"got {value!r}")
            thresholds[str(tag)] = number
        object.__setattr__(self, "features", features)
        object.__setattr__(self, "thresholds", MappingProxyType(thresholds))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; ``LinkOptions.from_dict`` reads it back."""
        return {
            "format_version": _FORMAT_VERSION,
            "lead_seconds": self.lead.total_seconds(),
            "lag_seconds": self.lag.total_seconds(),
            "features": list(self.features),
            "thresholds": dict(self.thresholds),
            "prefer_weighed_amounts": self.prefer_weighed_amounts,
            "balance_element": self.balance_element,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinkOptions:
        """Read options written by ``to_dict``; missing keys take their defaults.

        Raises:
            FormixError: unknown keys, a newer format or invalid values.
        """
        known = {"format_version", "lead_seconds", "lag_seconds", "features", "thresholds",
                 "prefer_weighed_amounts", "balance_element"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FormixError(f"link options: unknown key(s) {unknown}")
        version = data.get("format_version", _FORMAT_VERSION)
        if not isinstance(version, int) or version > _FORMAT_VERSION:
            raise FormixError(f"link options: format version {version!r} is newer than this "
                              f"Formix understands ({_FORMAT_VERSION}); update Formix")
        defaults = cls()
        try:
            lead = timedelta(seconds=float(data.get("lead_seconds", 0.0)))
            lag = timedelta(seconds=float(data.get("lag_seconds", 0.0)))
        except (TypeError, ValueError) as error:
            raise FormixError(f"link options: lead/lag must be seconds ({error})") from None
        features = data.get("features", defaults.features)
        if isinstance(features, str) or not isinstance(features, list | tuple):
            raise FormixError(f"link options: features must be a list, got {features!r}")
        thresholds = data.get("thresholds") or {}
        if not isinstance(thresholds, Mapping):
            raise FormixError(f"link options: thresholds must map tag to number, "
                              f"got {thresholds!r}")
        balance = data.get("balance_element")
        return cls(
            lead=lead,
            lag=lag,
            features=tuple(str(f) for f in features),
            thresholds=dict(thresholds),
            prefer_weighed_amounts=bool(data.get("prefer_weighed_amounts", True)),
            balance_element=None if balance is None else str(balance),
        )
