"""Collecting findings with a cap, so a file with a million bad rows gives a readable report."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.errors import Finding, Severity

PER_CHECK_LIMIT = 20   # rows reported one by one for each check and column
TOTAL_LIMIT = 100      # findings kept in all (a summary follows when more were found)


class FindingCollector:
    """Gathers findings for one file; rows are frame positions mapped to user row numbers."""

    def __init__(self, file: str, row_numbers: np.ndarray) -> None:
        self.file = file
        self.row_numbers = row_numbers
        self._findings: list[Finding] = []
        self._dropped = 0
        self._dropped_errors = False

    def add(self, row: int | None, column: str | None, reason: str,
            severity: Severity = Severity.ERROR) -> None:
        """Add one finding; ``row`` is a user row number (not a frame position)."""
        if len(self._findings) >= TOTAL_LIMIT:
            self._dropped += 1
            self._dropped_errors |= severity is Severity.ERROR
            return
        self._findings.append(Finding(self.file, row, column, reason, severity))

    def add_rows(
        self,
        positions: np.ndarray,
        column: str | None,
        reason: str | Callable[[int], str],
        severity: Severity = Severity.ERROR,
    ) -> None:
        """Add a finding for each frame position (the first ``PER_CHECK_LIMIT``), then a summary.

        Args:
            positions: frame positions (0-based) of the offending rows, or a boolean mask.
            column: the source column.
            reason: the reason, or a function of the frame position giving it.
            severity: error or warning.
        """
        positions = np.asarray(positions)
        if positions.dtype == bool:
            positions = np.flatnonzero(positions)
        if not len(positions):
            return
        for position in positions[:PER_CHECK_LIMIT]:
            text = reason(int(position)) if callable(reason) else reason
            self.add(int(self.row_numbers[position]), column, text, severity)
        if len(positions) > PER_CHECK_LIMIT:
            more = len(positions) - PER_CHECK_LIMIT
            first = reason(int(positions[0])) if callable(reason) else reason
            self.add(int(self.row_numbers[positions[PER_CHECK_LIMIT]]), column,
                     f"… and {more} more rows in this column like this: {first}", severity)

    @property
    def has_errors(self) -> bool:
        """Whether any error (not warning) was found."""
        return any(f.severity is Severity.ERROR for f in self._findings)

    def result(self) -> tuple[Finding, ...]:
        """All findings, with a last one saying how many were left out."""
        findings = list(self._findings)
        if self._dropped:
            severity = Severity.ERROR if self._dropped_errors else Severity.WARNING
            findings.append(Finding(self.file, None, None,
                                    f"{self._dropped} more findings not listed", severity))
        return tuple(findings)
