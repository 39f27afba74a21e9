"""Long-format historian exports: one row per sample with tag, timestamp, value and quality.

Typical headers: PI (``Tag,Timestamp,Value,Status``), Wonderware/AVEVA
(``DateTime,TagName,Value,QualityDetail``), Ignition (``tagpath,value,quality,t_stamp``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import ReaderError
from engine.ingest.reader import ReadResult, SourceTable, left_out
from engine.progress import ProgressCallback, no_progress
from engine.schema import DatasetKind
from plugins.historian._sniff import UNDERSTOOD, head_lines, header_fields, role_of, simplify
from plugins.historian.quality import SYSTEM_STATES, quality_labels
from plugins.tabular.csv_reader import DelimitedTextReader

_REQUIRED = {"tag", "time", "value"}


def column_roles(columns: list[str]) -> dict[str, str]:
    """Header → role for the first column of each role."""
    roles: dict[str, str] = {}
    for column in columns:
        role = role_of(column)
        if role is not None and role not in roles.values():
            roles[column] = role
    return roles


class HistorianLongReader:
    """Reads a long historian export; the table's columns are named so Formix maps them.

    Columns recognised as tag, time, value, quality and unit keep their header when Formix's
    column suggestion understands it and are renamed to that role otherwise ("TagName" stays,
    "tagpath" becomes "tag", "QualityDetail" becomes "quality"). Quality codes become "Good",
    "Uncertain" or "Bad" followed by the code (OPC codes: 192 and up is good), so bad and
    uncertain samples are left out, with a warning, when the file is imported. Rows whose
    value is a historian system state instead of a number ("I/O Timeout", "Bad Input",
    "Shutdown" …) carry no measurement and are left out by the reader, with a warning naming
    each row.

    Args:
        delimiter: the field separator; None sniffs it.
        decimal: the decimal separator; None sniffs it.
        encoding: the text encoding; None detects it.
    """

    def __init__(self, delimiter: str | None = None, decimal: str | None = None,
                 encoding: str | None = None) -> None:
        self._text = DelimitedTextReader(delimiter=delimiter, decimal=decimal, encoding=encoding)

    def can_read(self, path: Path) -> bool:
        """True when the header has a tag, a time and a value column (reads ≤ 64 KB)."""
        found = header_fields(head_lines(path))
        if found is None:
            return False
        return set(column_roles(found[0]).values()) >= _REQUIRED

    def read(self, path: Path, progress: ProgressCallback = no_progress) -> ReadResult:
        """Read the export into one process-series table.

        Raises:
            ReaderError: the text cannot be parsed (as the CSV reader reports it), a required
                column is missing, or no sample is left.
        """
        path = Path(path)
        table = self._text.read(path, progress).tables[0]
        frame = table.frame
        roles = column_roles(list(frame.columns))
        missing = _REQUIRED - set(roles.values())
        if missing:
            raise ReaderError(path.name, table.header_row, None,
                              f"not a long historian export: no {', '.join(sorted(missing))} "
                              "column")
        by_role = {role: column for column, role in roles.items()}
        values = frame[by_role["value"]]
        keep = ~_system_state(values)
        notes = left_out(path.name, table.row_numbers, ~keep, by_role["value"],
                         lambda i: f"historian state {str(values.iloc[i]).strip()!r} instead of "
                                   "a value: sample left out")
        frame = frame.loc[keep].copy()
        rows = table.row_numbers[keep]
        if frame.empty:
            raise ReaderError(path.name, table.header_row, by_role["value"],
                              "no numeric samples: every value is a historian system state")
        if "quality" in by_role:
            frame[by_role["quality"]] = quality_labels(frame[by_role["quality"]],
                                                       by_role["quality"])
        frame = frame.rename(columns=_renames(roles, list(frame.columns)))
        units = {_renames(roles, [c]).get(c, c): u for c, u in table.declared_units.items()}
        return ReadResult(tables=(SourceTable(
            name=table.name, frame=frame.reset_index(drop=True), row_numbers=np.asarray(rows),
            declared_units=units, produces=DatasetKind.PROCESS_SERIES,
            header_row=table.header_row, decimal=table.decimal, notes=notes,
        ),), source=path)


def _system_state(values: pd.Series) -> np.ndarray:
    text = values.astype("string").str.strip().str.lower()
    return np.asarray(text.isin(SYSTEM_STATES).to_numpy(dtype=bool, na_value=False))


def _renames(roles: dict[str, str], columns: list[str]) -> dict[str, str]:
    taken = set(columns)
    renames = {}
    for column, role in roles.items():
        if column in columns and simplify(column) not in UNDERSTOOD[role] and role not in taken:
            renames[column] = role
            taken.add(role)
    return renames
