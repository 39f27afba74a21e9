"""Reader for delimited text: CSV with , ; tab or |, decimal commas, .data/.txt with blanks."""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import ReaderError
from engine.ingest.reader import ReadResult, SourceTable
from engine.progress import ProgressCallback, no_progress
from plugins.tabular._sniff import WHITESPACE, sniff_decimal, sniff_delimiter, split_fields
from plugins.tabular._table import header_names, make_table
from plugins.tabular._text import decode

# Below this size the C parser is fast enough and its messages are the ones we decode.
_FAST_MIN_BYTES = 1 << 20
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|",
                     "space": WHITESPACE, "whitespace": WHITESPACE, " ": WHITESPACE}


class DelimitedTextReader:
    """Reads one delimited text table; cells are returned as text, exactly as written.

    Args:
        delimiter: the field separator; None sniffs it among ``, ; tab |`` and blanks.
        decimal: the decimal separator of numbers; None sniffs it.
        encoding: the text encoding; None detects BOMs, UTF-16, UTF-8, then guesses.
    """

    def __init__(
        self, delimiter: str | None = None, decimal: str | None = None,
        encoding: str | None = None,
    ) -> None:
        self.delimiter = _DELIMITER_NAMES.get(delimiter.lower(), delimiter) if delimiter else None
        self.decimal = decimal
        self.encoding = encoding

    def can_read(self, path: Path) -> bool:
        """True unless the file is a zip (xlsx) or OLE2 (xls) container."""
        with Path(path).open("rb") as handle:
            head = handle.read(8)
        return not (head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"))

    def read(self, path: Path, progress: ProgressCallback = no_progress) -> ReadResult:
        """Read the file into one SourceTable named after the file stem.

        Raises:
            ReaderError: empty, binary, wrong encoding, unclosed quote, ragged or cut-off rows,
                duplicate headers, no data rows.
        """
        path = Path(path)
        file = path.name
        progress(0.0, f"reading {file}")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ReaderError(file, None, None, f"cannot read the file: {error}") from error
        raw = None
        if self.encoding in (None, "utf-8", "utf8", "utf-8-sig"):
            raw, delimiter, decimal = self._fast(data)
        if raw is not None:
            has_quotes = b'"' in data
            tail = data[-65536:].decode("utf-8", errors="replace")
        else:
            text, _ = decode(data, file, self.encoding)
            del data
            progress(0.2, f"parsing {file}")
            head_lines = text[:65536].splitlines()[:200]
            delimiter = self.delimiter or sniff_delimiter(head_lines)
            decimal = self.decimal or sniff_decimal(head_lines, delimiter)
            raw = _parse(text, delimiter, file)
            has_quotes, tail = '"' in text, text[-65536:]
            del text
        progress(0.8, f"checking {file}")
        table = _to_table(raw, has_quotes, tail, delimiter, decimal, file, path.stem)
        progress(1.0, f"read {len(table.frame)} rows from {file}")
        return ReadResult(tables=(table,), source=path)

    def _fast(self, data: bytes) -> tuple[pd.DataFrame | None, str, str]:
        """Arrow's multi-threaded parser for clean UTF-8 files; (None, …) if it does not apply.

        Any problem (bad UTF-8, ragged rows, quotes around line breaks) sends the file down the
        slower path, whose error messages name the row; so does a missing pyarrow (it is
        optional: the offline bundle leaves it out), and the result is the same.
        """
        head = data[:65536]
        if (len(data) < _FAST_MIN_BYTES or b"\x00" in head
                or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
            return None, "", ""
        text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
        lines = text.splitlines()[:200]
        delimiter = self.delimiter or sniff_delimiter(lines)
        decimal = self.decimal or sniff_decimal(lines, delimiter)
        if delimiter == WHITESPACE or not lines or "\ufffd" in text[:-4]:
            return None, delimiter, decimal
        try:
            import pyarrow as pa
            import pyarrow.csv as pacsv
        except ImportError:  # optional (left out of the offline bundle): pandas' C parser
            return None, delimiter, decimal

        width = len(split_fields(lines[0], delimiter))
        string = pd.StringDtype("pyarrow", na_value=np.nan)
        try:
            table = pacsv.read_csv(
                io.BytesIO(data[3:] if data.startswith(codecs.BOM_UTF8) else data),
                read_options=pacsv.ReadOptions(autogenerate_column_names=True,
                                               block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"',
                                                 ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    column_types={f"f{i}": pa.large_string() for i in range(width)},
                    strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowKeyError):
            return None, delimiter, decimal
        if table.num_columns != width:
            return None, delimiter, decimal
        frame = table.to_pandas(types_mapper={pa.large_string(): string,
                                              pa.string(): string}.get)
        frame.columns = range(width)
        return frame, delimiter, decimal


def _parse(text: str, delimiter: str, file: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
            na_filter=False, skip_blank_lines=False, engine="c", quotechar='"',
        )
    except pd.errors.ParserError as error:
        message = str(error)
        counts = _FIELD_COUNT.search(message)
        if counts:
            expected, line, saw = (int(g) for g in counts.groups())
            raise ReaderError(
                file, line, None,
                f"row has {saw} fields but the header has {expected}"
                f" (delimiter '{_shown(delimiter)}'); a stray delimiter or an unquoted text?",
            ) from error
        quote = _OPEN_QUOTE.search(message)
        if quote:
            row = int(quote.group(1)) + 1
            raise ReaderError(file, row, _quoted_column(text, row, delimiter),
                              "quoted field never closed: a \" opens here and the file ends "
                              "inside it") from error
        raise ReaderError(file, None, None, f"cannot parse the text: {message}") from error
    except pd.errors.EmptyDataError as error:
        raise ReaderError(file, None, None, "file is empty") from error


def _shown(delimiter: str) -> str:
    return {"\t": "tab", WHITESPACE: "blanks"}.get(delimiter, delimiter)


def _quoted_column(text: str, row: int, delimiter: str) -> str | None:
    lines = text.splitlines()
    if row > len(lines) or not lines:
        return None
    names = split_fields(lines[0], delimiter)
    line = lines[row - 1]
    before = line[: line.find('"')] if '"' in line else line
    index = before.count(delimiter) if delimiter != WHITESPACE else len(before.split())
    return names[index].strip() if index < len(names) else None


def _to_table(
    raw: pd.DataFrame, has_quotes: bool, tail: str, delimiter: str, decimal: str, file: str,
    name: str,
) -> SourceTable:
    first_column = raw.iloc[:, 0]
    blank = np.array(first_column.str.strip().eq("").to_numpy(), dtype=bool)
    for column in raw.columns[1:]:
        candidates = np.flatnonzero(blank)
        if not len(candidates):
            break
        cells = raw[column].iloc[candidates].str.strip().eq("").to_numpy()
        blank[candidates[~cells]] = False
    nonblank = np.flatnonzero(~blank)
    if not len(nonblank):
        raise ReaderError(file, None, None, "file is empty")
    header_index = int(nonblank[0])
    # Line numbers: one per parsed row, plus any line breaks inside quoted cells.
    line_numbers = np.arange(1, len(raw) + 1, dtype=np.int64)
    if has_quotes:
        breaks = np.zeros(len(raw), dtype=np.int64)
        for column in raw.columns:
            breaks += raw[column].str.count("\n").to_numpy(dtype=np.int64)
        line_numbers += np.concatenate([[0], np.cumsum(breaks)[:-1]])
    header_row = int(line_numbers[header_index])
    columns = header_names(file, raw.iloc[header_index].tolist(), header_row)
    keep = nonblank[1:]
    _check_cut_off(keep, tail, delimiter, columns, line_numbers, file)
    if len(keep) == len(raw) - header_index - 1:  # no blank rows: a cheap slice, no copy
        frame = raw.iloc[header_index + 1:]
    else:
        frame = raw.iloc[keep]
    frame.columns = columns
    return make_table(file, name, frame, line_numbers[keep], header_row, decimal)


def _check_cut_off(
    keep: np.ndarray, tail: str, delimiter: str, columns: list[str],
    line_numbers: np.ndarray, file: str,
) -> None:
    """A last line without line break and with fewer fields than the header: a cut file."""
    if not len(keep) or tail.endswith(("\n", "\r")):
        return
    last_line = tail.rsplit("\n", 1)[-1]
    n_fields = len(split_fields(last_line, delimiter))
    if n_fields < len(columns) and len(columns) > 1:
        row = int(line_numbers[keep[-1]])
        raise ReaderError(
            file, row, columns[n_fields],
            f"the last row ends after {n_fields} of {len(columns)} fields without a line "
            "break: the file looks cut off (truncated)",
        )
