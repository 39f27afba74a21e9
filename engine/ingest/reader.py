"""The reader contract: what a plugin's reader must provide and what it returns.

A reader turns one file into one or more ``SourceTable`` s holding the cells as read (text for
delimited files, typed values for workbooks); conversion, units and validation happen later in
``engine.ingest.normalise`` so every problem can name its row and column. Readers leave storage
alone and report problems in their file by raising ``engine.errors.ReaderError``. Rows or
cells a reader leaves out on purpose (a historian's "I/O Timeout", a cancelled LIMS result) are
reported in ``SourceTable.notes`` (see :func:`left_out`), so the import lists them as warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from engine.errors import Finding, Severity
from engine.ingest._findings import FindingCollector
from engine.progress import ProgressCallback
from engine.schema import DatasetKind

__all__ = ["ReadResult", "Reader", "SourceTable", "left_out"]


@dataclass(frozen=True)
class SourceTable:
    """One table of a source file, cells as read.

    Attributes:
        name: sheet name, or the file stem for single-table files.
        frame: the cells; columns are the header strings stripped of surrounding whitespace.
        row_numbers: for each frame row, the 1-based row a user sees in a spreadsheet or
            text editor (the header is row 1 when the file has one header row at the top).
        declared_units: units the reader knows per column, e.g. from "Water (kg/m3)".
        produces: what the table holds when the reader knows it, else None.
        header_row: the 1-based row of the header.
        decimal: the decimal separator detected for text cells ("," or "."); None when the
            cells are typed values (workbooks).
        notes: warnings about rows or cells of the file the reader left out, each naming the
            file, row, column and reason (see :func:`left_out`).
    """

    name: str
    frame: pd.DataFrame
    row_numbers: np.ndarray
    declared_units: dict[str, str] = field(default_factory=dict)
    produces: DatasetKind | None = None
    header_row: int = 1
    decimal: str | None = None
    notes: tuple[Finding, ...] = ()

    def __post_init__(self) -> None:
        if len(self.row_numbers) != len(self.frame):
            raise ValueError(
                f"row_numbers has {len(self.row_numbers)} entries for {len(self.frame)} rows"
            )


def left_out(file: str, row_numbers: np.ndarray, rows: np.ndarray, column: str | None,
             reason: str | Callable[[int], str]) -> tuple[Finding, ...]:
    """Warnings for rows (or cells of ``column``) a reader leaves out.

    Args:
        file: the file name.
        row_numbers: the user row number of every frame row as read.
        rows: frame positions (0-based) or a boolean mask of the rows left out.
        column: the column whose cells caused it, or None.
        reason: the reason, or a function of the frame position giving it.

    Returns:
        One warning per row for the first rows, then one summarising the rest.
    """
    collector = FindingCollector(file, np.asarray(row_numbers))
    collector.add_rows(np.asarray(rows), column, reason, Severity.WARNING)
    return collector.result()


@dataclass(frozen=True)
class ReadResult:
    """What a reader returns: the tables of one file (at least one)."""

    tables: tuple[SourceTable, ...]
    source: Path


@runtime_checkable
class Reader(Protocol):
    """A file reader: a cheap sniff and a read.

    Readers are created by the registry with keyword options they declare in ``__init__``
    (``delimiter``, ``decimal``, ``encoding``, ``sheet`` …; unknown options are not passed).
    ``read`` may be called from a worker thread; it must not touch shared state.
    """

    def can_read(self, path: Path) -> bool:
        """Whether the file looks like this reader's format (reads at most a few KB)."""
        ...

    def read(self, path: Path, progress: ProgressCallback) -> ReadResult:
        """Read the file.

        Raises:
            engine.errors.ReaderError: the file is empty, truncated, corrupt or malformed.
        """
        ...
