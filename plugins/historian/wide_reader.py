"""Wide-format historian exports: a time column, then one column per tag.

Typical headers: PI DataLink sampled data (``Timestamp,FIC-101.PV,TI-102.PV``), Wonderware
wide queries (``DateTime,Mixer1.Temp,Mixer1.Power``), Ignition tag history
(``t_stamp,[default]Mixer/Temp``). Units may follow a tag: ``TI-101 (degC)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import Finding, ReaderError
from engine.ingest.reader import ReadResult, SourceTable, left_out
from engine.progress import ProgressCallback, no_progress
from engine.schema import DatasetKind
from plugins.historian._sniff import (
    UNDERSTOOD,
    head_lines,
    header_fields,
    is_tag_name,
    looks_like_timestamp,
    role_of,
    simplify,
)
from plugins.historian.long_reader import column_roles
from plugins.historian.quality import SYSTEM_STATES
from plugins.tabular._sniff import split_fields
from plugins.tabular.csv_reader import DelimitedTextReader

_MARKED = (".hist.csv", ".hist.txt", ".hist.tsv")


class HistorianWideReader:
    """Reads a wide historian export: the first column is the time, the others are tags.

    Cells holding a historian system state ("I/O Timeout", "Shutdown" …) instead of a number
    become blank (no sample for that tag at that time), with a warning naming the cell. A
    first column whose header Formix does not understand as a time is renamed "time".

    Args:
        delimiter: the field separator; None sniffs it.
        decimal: the decimal separator; None sniffs it.
        encoding: the text encoding; None detects it.
    """

    def __init__(self, delimiter: str | None = None, decimal: str | None = None,
                 encoding: str | None = None) -> None:
        self._text = DelimitedTextReader(delimiter=delimiter, decimal=decimal, encoding=encoding)

    def can_read(self, path: Path) -> bool:
        """True for ``*.hist.csv`` with a time first column, or a header of a time column and
        tag-like names (``TI-101``, ``Mixer1.Temp``, ``[default]Mixer/Temp``); reads ≤ 64 KB."""
        lines = head_lines(path)
        found = header_fields(lines)
        if found is None or len(lines) < 2:
            return False
        fields, delimiter = found
        if role_of(fields[0]) != "time" or {"tag", "value"} <= set(
                column_roles(fields).values()):
            return False
        first_cell = split_fields(lines[1], delimiter)[0] if lines[1:] else ""
        if not looks_like_timestamp(first_cell):
            return False
        if Path(path).name.lower().endswith(_MARKED):
            return True
        tags = fields[1:]
        return sum(map(is_tag_name, tags)) >= max(1, 0.8 * len(tags))

    def read(self, path: Path, progress: ProgressCallback = no_progress) -> ReadResult:
        """Read the export into one process-series table.

        Raises:
            ReaderError: the text cannot be parsed (as the CSV reader reports it) or the
                first column is not a time column.
        """
        path = Path(path)
        table = self._text.read(path, progress).tables[0]
        frame = table.frame
        time_column = frame.columns[0]
        if role_of(time_column) != "time":
            raise ReaderError(path.name, table.header_row, time_column,
                              "the first column of a wide historian export must be the time")
        if len(frame.columns) < 2:
            raise ReaderError(path.name, table.header_row, None, "no tag columns")
        frame = frame.copy()
        notes: list[Finding] = []
        for column in frame.columns[1:]:
            cells = frame[column]
            text = cells.astype("string").str.strip().str.lower()
            states = np.asarray(text.isin(SYSTEM_STATES).to_numpy(dtype=bool, na_value=False))
            if states.any():
                notes += left_out(path.name, table.row_numbers, states, column,
                                  lambda i, cells=cells: f"historian state "
                                  f"{str(cells.iloc[i]).strip()!r} instead of a value: "
                                  "sample left out")
                frame[column] = cells.mask(pd.Series(states, index=frame.index), "")
        renames = {}
        if simplify(time_column) not in UNDERSTOOD["time"] and "time" not in frame.columns:
            renames[time_column] = "time"
        return ReadResult(tables=(SourceTable(
            name=table.name, frame=frame.rename(columns=renames), row_numbers=table.row_numbers,
            declared_units=dict(table.declared_units), produces=DatasetKind.PROCESS_SERIES,
            header_row=table.header_row, decimal=table.decimal, notes=tuple(notes),
        ),), source=path)
