"""Reader for Excel workbooks: .xlsx/.xlsm with openpyxl, legacy .xls with xlrd."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import ReaderError
from engine.ingest.reader import ReadResult, SourceTable
from engine.progress import ProgressCallback, no_progress
from plugins.tabular._table import column_label, header_names, make_table

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class _Sheet:
    name: str
    rows: Sequence[Sequence[object]]        # cell values, row 1 first
    merged: list[tuple[int, int, int, int]]  # (first row, last row, first col, last col), 0-based


class ExcelReader:
    """Reads one sheet of a workbook (the first unless ``sheet`` names another).

    Cells are returned as typed by Excel (numbers, text, datetimes); formulas give their
    cached values. Merged cells in the header and multi-row headers are rejected.

    Args:
        sheet: sheet name, or 0-based sheet index; None for the first sheet.
    """

    def __init__(self, sheet: str | int | None = None) -> None:
        self.sheet = sheet

    def can_read(self, path: Path) -> bool:
        """True for zip (xlsx) and OLE2 (xls) containers."""
        with Path(path).open("rb") as handle:
            head = handle.read(8)
        return head.startswith(_ZIP) or head.startswith(_OLE)

    def read(self, path: Path, progress: ProgressCallback = no_progress) -> ReadResult:
        """Read the chosen sheet into one SourceTable named after the sheet.

        Raises:
            ReaderError: damaged or truncated workbook, unknown sheet, empty sheet, merged
                header cells, duplicate headers, a second header row, no data rows.
        """
        path = Path(path)
        file = path.name
        progress(0.0, f"opening {file}")
        with path.open("rb") as handle:
            head = handle.read(8)
        if not head:
            raise ReaderError(file, None, None, "file is empty")
        if head.startswith(_ZIP):
            sheet = _read_xlsx(path, self.sheet)
        elif head.startswith(_OLE):
            sheet = _read_xls(path, self.sheet)
        else:
            raise ReaderError(file, None, None,
                              "not an Excel workbook (no zip or OLE2 signature); if it is a "
                              "CSV export, give it the .csv extension")
        progress(0.7, f"checking {file}")
        table = _to_table(sheet, file)
        progress(1.0, f"read {len(table.frame)} rows from {file}, sheet '{sheet.name}'")
        return ReadResult(tables=(table,), source=path)


def _pick(names: list[str], wanted: str | int | None, file: str) -> int:
    if wanted is None:
        return 0
    if isinstance(wanted, int) or (isinstance(wanted, str) and wanted.isdigit()
                                   and wanted not in names):
        index = int(wanted)
        if 0 <= index < len(names):
            return index
    elif wanted in names:
        return names.index(wanted)
    raise ReaderError(file, None, None,
                      f"no sheet '{wanted}' in the workbook (sheets: {', '.join(names)})")


def _read_xlsx(path: Path, wanted: str | int | None) -> _Sheet:
    import openpyxl

    file = path.name
    try:
        # Not read-only: merged-cell ranges are only available on full worksheets.
        book = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except (zipfile.BadZipFile, EOFError) as error:
        raise ReaderError(file, None, None,
                          f"the workbook is damaged or truncated ({error})") from error
    except Exception as error:  # openpyxl raises many types for broken parts
        raise ReaderError(file, None, None,
                          f"the workbook cannot be opened: {type(error).__name__}: {error}"
                          ) from error
    try:
        names = book.sheetnames
        worksheet = book[names[_pick(names, wanted, file)]]
        rows = [tuple(row) for row in worksheet.iter_rows(values_only=True)]
        merged = [(r.min_row - 1, r.max_row - 1, r.min_col - 1, r.max_col - 1)
                  for r in worksheet.merged_cells.ranges]
        return _Sheet(worksheet.title, rows, merged)
    finally:
        book.close()


def _read_xls(path: Path, wanted: str | int | None) -> _Sheet:
    import xlrd

    file = path.name
    try:
        book = xlrd.open_workbook(path, formatting_info=True, on_demand=True)
    except Exception as error:  # xlrd.XLRDError, CompDocError, struct errors on cut files
        raise ReaderError(file, None, None,
                          f"the workbook is damaged or truncated ({type(error).__name__}: "
                          f"{error})") from error
    try:
        names = book.sheet_names()
        try:
            worksheet = book.sheet_by_index(_pick(names, wanted, file))
        except ReaderError:
            raise
        except Exception as error:
            raise ReaderError(file, None, None,
                              f"the workbook is damaged or truncated ({error})") from error
        rows = [
            [_xls_value(worksheet.cell(r, c), book.datemode) for c in range(worksheet.ncols)]
            for r in range(worksheet.nrows)
        ]
        merged = [(rlo, rhi - 1, clo, chi - 1) for rlo, rhi, clo, chi in worksheet.merged_cells]
        return _Sheet(worksheet.name, rows, merged)
    finally:
        book.release_resources()


def _xls_value(cell: object, datemode: int) -> object:
    import xlrd

    kind, value = cell.ctype, cell.value  # type: ignore[attr-defined]
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(value, datemode)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR")
    return value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _to_table(sheet: _Sheet, file: str) -> SourceTable:
    rows = sheet.rows
    filled = [i for i, row in enumerate(rows) if not all(_blank(v) for v in row)]
    if not filled:
        raise ReaderError(file, None, None, f"sheet '{sheet.name}' is empty")
    header_index = filled[0]
    width = max(
        max((c for c, v in enumerate(rows[i]) if not _blank(v)), default=-1) for i in filled
    ) + 1
    for first_row, last_row, first_col, last_col in sheet.merged:
        if first_row <= header_index + 1 and last_row >= header_index:
            cell = f"{column_label(first_col)}{first_row + 1}"
            span = f"{cell}:{column_label(last_col)}{last_row + 1}"
            top_left = rows[first_row][first_col] if first_col < len(rows[first_row]) else None
            column = None if _blank(top_left) else " ".join(str(top_left).split())
            raise ReaderError(file, first_row + 1, column,
                              f"merged header cells {span}; unmerge them or export as CSV")
    header = list(rows[header_index][:width]) + [None] * (width - len(rows[header_index]))
    columns = header_names(file, header, header_index + 1)
    data_index = [i for i in filled if i > header_index]
    body = [list(rows[i][:width]) + [None] * (width - len(rows[i])) for i in data_index]
    frame = pd.DataFrame(body, columns=columns, dtype=object)
    row_numbers = np.asarray(data_index, dtype=np.int64) + 1
    return make_table(file, sheet.name, frame, row_numbers, header_index + 1, None)
