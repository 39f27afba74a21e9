"""LIMS lab-result exports: report lines, then a table of samples, tests and results.

A LabWare/STARLIMS-style export starts with report metadata ("LIMS Export,LabWare 7",
"Exported,2024-06-03") above the header; the reader finds the header (the first line naming a
sample id and a result column), skips what is above it and keeps the rows' line numbers.

Columns: sample id, batch, test/analysis/component, age, replicate, result, units, status.
Columns Formix's suggestion does not understand are renamed to the field they hold
("SAMPLE_NUMBER" → "sample_id", "Analysis" → "property", "Formatted Entry" → "value").

Results with a qualifier ("<0.1", ">100", "ND") are censored values, not numbers: the reader
refuses the file with a ``ReaderError`` naming the first such row and the column and counting
the others, so they are fixed in the LIMS export (reported as numbers or left out) rather than
imported wrongly. Rows whose status says the result was rejected or cancelled are left out,
and so are rows still pending without a result; each is listed as a warning of the import.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import Finding, ReaderError
from engine.ingest.reader import ReadResult, SourceTable, left_out
from engine.progress import ProgressCallback, no_progress
from engine.schema import DatasetKind
from plugins.historian._sniff import head_lines, simplify
from plugins.tabular._sniff import WHITESPACE, sniff_decimal, sniff_delimiter, split_fields
from plugins.tabular._table import declared_units, header_names
from plugins.tabular._text import decode

_HEADER_SEARCH_LINES = 40
ROLE_NAMES: dict[str, frozenset[str]] = {
    "sample_id": frozenset({"sample id", "sampleid", "sample", "sample number", "sample no",
                            "sample nr", "sample code", "text id", "sample name", "lims id"}),
    "batch_id": frozenset({"batch", "batch id", "batch no", "batch number", "lot", "ticket"}),
    "property": frozenset({"test", "test name", "test code", "analysis", "analysis name",
                           "component", "component name", "parameter", "analyte",
                           "property", "characteristic"}),
    "value": frozenset({"result", "result value", "formatted entry", "entry", "value",
                        "numeric result", "reported result", "final result"}),
    "unit": frozenset({"unit", "units", "uom", "result unit", "result units"}),
    "test_age": frozenset({"age", "test age", "age days", "age d", "curing age",
                           "age at test"}),
    "replicate": frozenset({"replicate", "rep", "replicate no", "replicate number",
                            "specimen no", "cube no"}),
    "status": frozenset({"status", "result status", "sample status"}),
}
# Header names Formix's column suggestion already maps to the field.
_UNDERSTOOD: dict[str, frozenset[str]] = {
    "sample_id": frozenset({"sample", "sample id", "sample no", "sample nr", "sample code"}),
    "batch_id": frozenset({"batch", "batch id", "batch no", "batch number", "lot", "ticket"}),
    "property": frozenset({"property", "test", "test name", "parameter", "characteristic",
                           "analyte"}),
    "value": frozenset({"value", "result", "result value", "reading", "measurement"}),
    "unit": frozenset({"unit", "units", "uom"}),
    "test_age": frozenset({"age", "test age", "age days", "age d", "curing age",
                           "age at test"}),
    "replicate": frozenset({"replicate", "rep", "replicate no"}),
}
_QUALIFIED = re.compile(r"^\s*(<=|>=|<|>|≤|≥|~)\s*[-+]?(\d|[.,]\d)")
_CENSORED_WORDS = frozenset({"nd", "n.d.", "n/d", "bdl", "bql", "<lod", "<loq", "trace", "tr",
                             "not detected", "below detection limit"})
_DROPPED_STATUS = frozenset({"rejected", "cancelled", "canceled", "invalid", "r", "x"})
_PENDING_STATUS = frozenset({"pending", "in progress", "incomplete", "not started",
                             "unreceived", "received", "logged", "u", "i", "p"})


def _header_name(cell: str) -> str:
    """The header without a unit in brackets ("Age (d)" → "age")."""
    return simplify(re.sub(r"\s*[(\[][^()\[\]]*[)\]]\s*$", "", cell))


def role_of(cell: str) -> str | None:
    """The LIMS field a header names, or None."""
    simple = simplify(cell)
    bare = _header_name(cell)
    return next((role for role, names in ROLE_NAMES.items()
                 if simple in names or bare in names), None)


def find_header(lines: list[str]) -> tuple[int, str] | None:
    """(index in ``lines``, delimiter) of the first line naming a sample id and a result."""
    for index, line in enumerate(lines[:_HEADER_SEARCH_LINES]):
        body = lines[index:index + 20]
        delimiter = sniff_delimiter(body)
        if delimiter == WHITESPACE:
            continue
        roles = {role_of(cell.strip()) for cell in split_fields(line, delimiter)}
        if {"sample_id", "value"} <= roles and roles & {"property", "batch_id"}:
            return index, delimiter
    return None


class LimsResultsReader:
    """Reads a LIMS results export into one lab-results table.

    Args:
        delimiter: the field separator; None sniffs it from the header on.
        decimal: the decimal separator; None sniffs it.
        encoding: the text encoding; None detects it.
    """

    def __init__(self, delimiter: str | None = None, decimal: str | None = None,
                 encoding: str | None = None) -> None:
        self.delimiter = delimiter
        self.decimal = decimal
        self.encoding = encoding

    def can_read(self, path: Path) -> bool:
        """True when one of the first 40 lines is a header with sample id, test and result."""
        return find_header(head_lines(path)) is not None

    def read(self, path: Path, progress: ProgressCallback = no_progress) -> ReadResult:
        """Read the export.

        Raises:
            ReaderError: no header, ragged rows, duplicate headers, censored results ("<0.1"),
                or no results left.
        """
        path = Path(path)
        file = path.name
        progress(0.0, f"reading {file}")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ReaderError(file, None, None, f"cannot read the file: {error}") from error
        text, _encoding = decode(data, file, self.encoding)
        lines = text.splitlines()
        blank = [not line.strip() for line in lines]
        content = [line for line, empty in zip(lines, blank, strict=True) if not empty]
        found = find_header(content)
        if found is None:
            raise ReaderError(file, None, None, "no LIMS results header (a line naming a "
                              "sample id, a test and a result column) in the first "
                              f"{_HEADER_SEARCH_LINES} lines")
        index, delimiter = found
        delimiter = self.delimiter or delimiter
        header_line = [i for i, empty in enumerate(blank) if not empty][index]
        header_row = header_line + 1
        progress(0.3, f"parsing {file}")
        columns, records, rows = _parse(lines, header_line, delimiter, file)
        frame = pd.DataFrame(records, columns=columns, dtype=object)
        row_numbers = np.asarray(rows, dtype=np.int64)
        frame, row_numbers, notes = _keep_reportable(frame, row_numbers, file)
        if frame.empty:
            raise ReaderError(file, header_row, None,
                              f"the export has a header (row {header_row}) but no results")
        roles = _roles(columns)
        _refuse_censored(frame, row_numbers, roles, file)
        decimal = self.decimal or sniff_decimal(
            [delimiter.join(columns)] + [delimiter.join(r) for r in records[:200]], delimiter)
        frame = frame.drop(columns=[c for c, r in roles.items() if r == "status"])
        renames = _renames(roles, list(frame.columns))
        frame = frame.rename(columns=renames)
        progress(1.0, f"read {len(frame)} results from {file}")
        return ReadResult(tables=(SourceTable(
            name=path.stem, frame=frame.reset_index(drop=True), row_numbers=row_numbers,
            declared_units=declared_units(list(frame.columns)),
            produces=DatasetKind.LAB_RESULTS, header_row=header_row, decimal=decimal,
            notes=notes,
        ),), source=path)


def _parse(lines: list[str], header_line: int, delimiter: str,
           file: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header names, records (text cells) and their 1-based line numbers."""
    header_row = header_line + 1
    columns = header_names(file, [c.strip() for c in split_fields(lines[header_line],
                                                                  delimiter)], header_row)
    reader = csv.reader(io.StringIO("\n".join(lines[header_line + 1:])), delimiter=delimiter)
    records, rows = [], []
    first_line = header_row + 1
    try:
        for record in reader:
            row = first_line + reader.line_num - 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(columns):
                raise ReaderError(
                    file, row, columns[min(len(record), len(columns)) - 1]
                    if len(record) < len(columns) else None,
                    f"row has {len(record)} fields but the header (row {header_row}) has "
                    f"{len(columns)}; a stray delimiter or a cut line?")
            records.append([cell.strip() for cell in record])
            rows.append(row)
    except csv.Error as error:
        raise ReaderError(file, first_line + reader.line_num - 1, None,
                          f"cannot parse the line: {error}") from error
    return columns, records, rows


def _roles(columns: list[str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for column in columns:
        role = role_of(column)
        if role is not None and role not in roles.values():
            roles[column] = role
    return roles


def _keep_reportable(frame: pd.DataFrame, rows: np.ndarray,
                     file: str) -> tuple[pd.DataFrame, np.ndarray, tuple[Finding, ...]]:
    """The rows with a reportable result, and a warning for each row left out."""
    roles = _roles(list(frame.columns))
    by_role = {role: column for column, role in roles.items()}
    if "status" not in by_role:
        return frame, rows, ()
    cells = frame[by_role["status"]].astype(str).str.strip()
    status = cells.str.lower()
    dropped = status.isin(_DROPPED_STATUS).to_numpy(dtype=bool)
    pending = np.zeros(len(frame), dtype=bool)
    if "value" in by_role:
        empty = frame[by_role["value"]].astype(str).str.strip().eq("")
        pending = (empty & status.isin(_PENDING_STATUS)).to_numpy(dtype=bool) & ~dropped
    notes = (
        left_out(file, rows, dropped, by_role["status"],
                 lambda i: f"status {cells.iloc[i]!r}: result left out")
        + left_out(file, rows, pending, by_role["status"],
                   lambda i: f"status {cells.iloc[i]!r} and no result yet: row left out")
    )
    keep = ~(dropped | pending)
    return frame.loc[keep], rows[keep], notes


def _refuse_censored(frame: pd.DataFrame, rows: np.ndarray, roles: dict[str, str],
                     file: str) -> None:
    column = next((c for c, r in roles.items() if r == "value"), None)
    if column is None:
        return
    cells = frame[column].astype(str).str.strip()
    censored = (cells.str.match(_QUALIFIED) | cells.str.lower().isin(_CENSORED_WORDS))
    positions = np.flatnonzero(censored.to_numpy(dtype=bool))
    if not len(positions):
        return
    first = int(positions[0])
    others = ", ".join(f"'{cells.iloc[p]}' (row {rows[p]})" for p in positions[1:4])
    more = f"; also {others}" if others else ""
    more += f" and {len(positions) - 4} more" if len(positions) > 4 else ""
    raise ReaderError(
        file, int(rows[first]), column,
        f"{len(positions)} censored result(s) with a qualifier, first '{cells.iloc[first]}'"
        f"{more}: a value below or above a detection limit is not a measured number; export "
        "them as numbers or leave those results out of the export",
    )


def _renames(roles: dict[str, str], columns: list[str]) -> dict[str, str]:
    taken = set(columns)
    renames = {}
    for column, role in roles.items():
        if role == "status" or column not in columns:
            continue
        if _header_name(column) in _UNDERSTOOD.get(role, frozenset()) \
                or simplify(column) in _UNDERSTOOD.get(role, frozenset()):
            continue
        if role not in taken:
            renames[column] = role
            taken.add(role)
    return renames
