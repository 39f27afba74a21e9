"""The workbook reader: typed cells, sheet choice, row numbers, merged and multi-row headers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from engine.errors import ReaderError
from plugins.tabular.excel_reader import ExcelReader
from tests.conftest import shared_dataset


def _book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_first_sheet_typed_cells_and_row_numbers(tmp_path: Path) -> None:
    path = _book(tmp_path / "mixes.xlsx", {
        "Mixes": [[], ["Recipe", "Cement (kg/m3)", "Cast"],
                  ["R1", 350, dt.datetime(2024, 5, 1, 8)], [], ["R2", 300.5, None]],
        "Other": [["x"], [1]],
    })
    table = ExcelReader().read(path).tables[0]
    assert table.name == "Mixes" and table.header_row == 2
    assert table.frame["Cement (kg/m3)"].tolist() == [350, 300.5]
    assert table.frame["Cast"].iloc[0] == dt.datetime(2024, 5, 1, 8)
    assert table.row_numbers.tolist() == [3, 5]
    assert table.declared_units == {"Cement (kg/m3)": "kg/m³"}
    assert table.decimal is None


@pytest.mark.parametrize("sheet", ["Other", 1, "1"])
def test_a_sheet_can_be_chosen(tmp_path: Path, sheet: str | int) -> None:
    path = _book(tmp_path / "two.xlsx", {"Mixes": [["a"], [1]], "Other": [["b"], [2], [3]]})
    table = ExcelReader(sheet=sheet).read(path).tables[0]
    assert table.name == "Other" and table.frame["b"].tolist() == [2, 3]


def test_an_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = _book(tmp_path / "two.xlsx", {"Mixes": [["a"], [1]]})
    with pytest.raises(ReaderError, match=r"no sheet 'Lab' in the workbook \(sheets: Mixes\)"):
        ExcelReader(sheet="Lab").read(path)


def test_merged_cells_under_the_header_are_named(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [["Recipe", "Cement", "Water"], ["Group A", None, None], ["R1", 350, 175]]:
        sheet.append(row)
    sheet.merge_cells("A2:C2")
    book.save(path)
    with pytest.raises(ReaderError, match="merged header cells A2:C2") as error:
        ExcelReader().read(path)
    assert (error.value.finding.row, error.value.finding.column) == (2, "Group A")


def test_the_legacy_xls_reader_reads_uci_concrete() -> None:
    path = shared_dataset("uci_concrete_compressive_strength", "Concrete_Data.xls")
    reader = ExcelReader()
    assert reader.can_read(path)
    table = reader.read(path).tables[0]
    assert table.frame.shape == (1030, 9)
    assert table.row_numbers[0] == 2 and table.row_numbers[-1] == 1031
