"""Findings and errors that name the file, row, column and reason."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: errors block an import, warnings are recorded with it."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One validation result, located as precisely as the source allows.

    ``row`` is the 1-based row number as a user sees it in a spreadsheet or text editor
    (the header is row 1 when the file has one); ``column`` is the source column's header.
    """

    file: str
    row: int | None
    column: str | None
    reason: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{self.severity.value}: {where}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


class FormixError(Exception):
    """Base class of errors a user can act on; the message is meant to be shown as is."""


class ImportRejected(FormixError):
    """An import found errors; nothing was written. ``findings`` lists all of them."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        head = "\n".join(str(f) for f in errors[:20])
        more = f"\n… and {len(errors) - 20} more errors" if len(errors) > 20 else ""
        count = f"{len(errors)} error{'' if len(errors) == 1 else 's'}"
        super().__init__(f"import rejected, nothing was written ({count}):\n{head}{more}")

    def __reduce__(self) -> tuple[type, tuple[tuple[Finding, ...]]]:
        return (type(self), (self.findings,))  # picklable across worker processes


class ReaderError(FormixError):
    """Raised by a reader for a problem in its file: names file, row, column and reason."""

    def __init__(self, file: str, row: int | None, column: str | None, reason: str) -> None:
        self.finding = Finding(file, row, column, reason)
        super().__init__(str(self.finding))

    def __reduce__(self) -> tuple[type, tuple[str, int | None, str | None, str]]:
        finding = self.finding
        return (type(self), (finding.file, finding.row, finding.column, finding.reason))


def errors_in(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that block an import."""
    return [f for f in findings if f.severity is Severity.ERROR]
