"""What linking did: counts, and records it could not link or linked ambiguously."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from types import MappingProxyType
from typing import Any

MAX_EXAMPLES = 5
"""Examples kept per issue."""

# Readable labels of the counts, in the order summary() prints them.
_COUNT_LABELS: dict[str, str] = {
    "batches": "batches",
    "rows": "modelling-table rows (batch × test age)",
    "recipes": "recipe versions",
    "lab_results": "lab result rows",
    "lab_results_linked": "lab result rows linked to a batch",
    "series_rows": "process series rows",
    "series_linked_by_id": "process rows linked by batch id",
    "series_linked_by_window": "process rows linked by time window",
    "series_unlinked": "process rows in no batch window",
    "series_unknown_batch": "process rows naming an unknown batch",
    "series_invalid": "process rows without tag, time or value",
    "series_shared": "process rows counted for more than one batch",
}


@dataclass(frozen=True)
class LinkIssue:
    """Records linking could not place, or placed ambiguously.

    Attributes:
        code: stable identifier, e.g. ``"lab_missing_batch"``.
        message: what the records are, readable by an engineer.
        count: how many records.
        examples: up to five of them, naming ids and source file rows.
    """

    code: str
    message: str
    count: int
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"code": self.code, "message": self.message, "count": self.count,
                "examples": list(self.examples)}


@dataclass(frozen=True)
class LinkReport:
    """Counts and issues of one linking run. Frozen; nothing linked is dropped unreported.

    Attributes:
        counts: named counts (see ``summary``); missing names mean "not applicable".
        issues: one entry per kind of unlinked or ambiguous record, only when count > 0.
        notes: decisions linking took that a user should know (e.g. a balance element).
    """

    counts: Mapping[str, int] = field(default_factory=dict, hash=False)
    issues: tuple[LinkIssue, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts",
                           MappingProxyType({k: int(v) for k, v in self.counts.items()}))

    def issue(self, code: str) -> LinkIssue | None:
        """The issue with this code, or None when there was none."""
        return next((i for i in self.issues if i.code == code), None)

    def merged(self, other: LinkReport) -> LinkReport:
        """This report with ``other``'s counts, issues and notes added."""
        return LinkReport({**self.counts, **other.counts}, self.issues + other.issues,
                          self.notes + other.notes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"counts": dict(self.counts), "issues": [i.to_dict() for i in self.issues],
                "notes": list(self.notes)}

    def summary(self) -> str:
        """A few lines of text for a log, the CLI or a dialog."""
        lines = ["Linking summary:"]
        names = [n for n in _COUNT_LABELS if n in self.counts]
        names += sorted(n for n in self.counts if n not in _COUNT_LABELS)
        for name in names:
            lines.append(f"  {self.counts[name]:>12,}  {_COUNT_LABELS.get(name, name)}")
        if self.issues:
            lines.append("Needs attention:")
            for issue in self.issues:
                lines.append(f"  {issue.count:>12,}  {issue.message}")
                lines.extend(f"{'':16}e.g. {example}" for example in issue.examples)
        else:
            lines.append("Every record was linked unambiguously.")
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)


def make_issue(code: str, message: str, count: int,
               examples: Iterable[str] = ()) -> list[LinkIssue]:
    """A one-element list with the issue when ``count`` > 0, else an empty list."""
    if count <= 0:
        return []
    return [LinkIssue(code, message, int(count), tuple(islice(examples, MAX_EXAMPLES)))]
