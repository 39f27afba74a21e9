"""The delimited-text reader: sniffing, encodings, row numbers, cut files, the fast path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.errors import ReaderError
from engine.ingest.reader import SourceTable
from plugins.tabular import csv_reader
from plugins.tabular.csv_reader import DelimitedTextReader


def _read(path: Path, **options: str) -> SourceTable:
    return DelimitedTextReader(**options).read(path).tables[0]


def _write(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["Recipe", "Cement (kg/m3)", "Water"]) + "\n"
    text += delimiter.join(["R1", "350", "175"]) + "\n" + delimiter.join(["R2", "300", "180"])
    table = _read(_write(tmp_path, "r.csv", text))
    assert list(table.frame.columns) == ["Recipe", "Cement (kg/m3)", "Water"]
    assert table.frame["Cement (kg/m3)"].tolist() == ["350", "300"]
    assert table.row_numbers.tolist() == [2, 3]
    assert table.declared_units == {"Cement (kg/m3)": "kg/m³"}


def test_decimal_comma_with_semicolons(tmp_path: Path) -> None:
    text = "Mix;Cement;Strength (MPa)\nA;350,5;41,2\nB;1.300,0;39,9\n"
    table = _read(_write(tmp_path, "eu.csv", text))
    assert table.decimal == ","
    assert table.frame["Cement"].tolist() == ["350,5", "1.300,0"]  # cells as read


def test_whitespace_aligned_data_file(tmp_path: Path) -> None:
    text = "no  cement   water\n1   350.0    175\n2   300.5    180\n"
    table = _read(_write(tmp_path, "mix.data", text))
    assert list(table.frame.columns) == ["no", "cement", "water"]
    assert table.frame["cement"].tolist() == ["350.0", "300.5"]


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8-sig", True), ("utf-16", True),
                                               ("utf-16-le", False), ("cp1252", False)])
def test_encodings_are_detected(tmp_path: Path, encoding: str, bom: bool) -> None:
    text = "Recipe,Name,Cement (kg/m³)\nR1,Béton armé,350\nR2,Straße,300\n"
    table = _read(_write(tmp_path, f"{encoding}.csv", text, encoding))
    assert list(table.frame.columns) == ["Recipe", "Name", "Cement (kg/m³)"]
    assert table.frame["Name"].tolist() == ["Béton armé", "Straße"]


def test_declared_encoding_that_does_not_fit_names_row_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.csv", "A,Name\n1,ok\n2,caf\xe9\n", "cp1252")
    with pytest.raises(ReaderError) as error:
        _read(path, encoding="utf-8")
    finding = error.value.finding
    assert (finding.row, finding.column) == (3, "Name")
    assert "0xE9" in finding.reason and "utf-8" in finding.reason


def test_crlf_blank_lines_and_quoted_line_breaks_keep_row_numbers(tmp_path: Path) -> None:
    text = 'Recipe,Note,Cement\r\nR1,"two\r\nlines",350\r\n\r\nR2,plain,300\r\n\r\n\r\n'
    table = _read(_write(tmp_path, "q.csv", text))
    assert table.frame["Recipe"].tolist() == ["R1", "R2"]
    assert table.row_numbers.tolist() == [2, 5]  # R1 spans lines 2-3, line 4 is blank


def test_headers_are_stripped_and_blank_headers_named(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, "h.csv", " Recipe ,,Water  (kg/m3)\nR1,x,175\n"))
    assert list(table.frame.columns) == ["Recipe", "column B", "Water (kg/m3)"]


def test_a_last_row_without_line_break_is_fine_when_complete(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, "n.csv", "A,B\n1,2\n3,4"))
    assert table.frame["B"].tolist() == ["2", "4"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.csv", b"", "file is empty"),
        ("bom_only.csv", b"\xef\xbb\xbf\r\n", "file is empty"),
        ("garbage.csv", bytes(range(256)) * 3, "not a text file"),
        ("header.csv", b"A,B\n\n", "no data rows"),
    ],
)
def test_files_without_data_are_refused(tmp_path: Path, name: str, data: bytes,
                                        reason: str) -> None:
    with pytest.raises(ReaderError, match=reason):
        _read(_write(tmp_path, name, data))


def test_can_read_refuses_workbooks(tmp_path: Path) -> None:
    reader = DelimitedTextReader()
    assert reader.can_read(_write(tmp_path, "a.csv", "a,b\n1,2\n"))
    assert not reader.can_read(_write(tmp_path, "b.csv", b"PK\x03\x04rest"))


def test_the_fast_path_gives_the_same_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    rows = [f"T{i % 7},2024-05-01 08:{i % 60:02d}:00,{i * 0.5}" for i in range(50_000)]
    text = "tag,time,value\n" + "\n".join(rows) + "\n\n"
    path = _write(tmp_path, "big.csv", text)
    assert path.stat().st_size > csv_reader._FAST_MIN_BYTES
    fast = _read(path)
    monkeypatch.setattr(csv_reader, "_FAST_MIN_BYTES", 1 << 40)
    slow = _read(path)
    assert fast.frame.equals(slow.frame)
    assert np.array_equal(fast.row_numbers, slow.row_numbers)
    assert fast.row_numbers[-1] == 50_001


def test_the_fast_path_falls_back_for_errors(tmp_path: Path) -> None:
    rows = [f"T1,2024-05-01 08:00:00,{i}" for i in range(40_000)]
    rows[30_000] += ",extra"
    path = _write(tmp_path, "bad.csv", "tag,time,value\n" + "\n".join(rows) + "\n")
    with pytest.raises(ReaderError) as error:
        _read(path)
    assert error.value.finding.row == 30_002
