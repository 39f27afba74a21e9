"""Reader for BATCHCTL v2 batching-controller logs (a made-up format, for the example).

The format: a ``#BATCHCTL v2`` first line, optional ``#KEY=value;KEY=value`` lines, then per
batch a ``BATCH`` record, its ``DOSE`` records (weighed amounts) and ``END``::

    #BATCHCTL v2
    #SITE=North;LINE=M1
    BATCH;B-1001;C30-STD;2024-05-01 08:00:00;2024-05-01 08:04:30;2.00
    DOSE;cement;701.0;kg
    DOSE;water;349.6;kg
    END

BATCH fields: batch id, recipe id, start, end, volume in m³. DOSE fields: material, amount,
unit (kg or t). The reader returns one table, one row per batch, with the amounts per m³ of
concrete in columns such as "Cement (kg/m3)", so Formix maps them without a profile.

What a reader must do (the Formix reader contract):

* ``can_read`` looks at the first bytes only and never raises for a bad file;
* ``read`` returns a ``ReadResult`` with ``SourceTable`` s whose ``row_numbers`` give, for
  each row, the line a user sees in a text editor;
* every problem in the file is a ``ReaderError(file, row, column, reason)``;
* the reader never writes the file or any storage.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import ReaderError
from engine.ingest.reader import ReadResult, SourceTable
from engine.progress import ProgressCallback, no_progress
from engine.schema import DatasetKind

MAGIC = b"#BATCHCTL v2"
_TO_KG = {"kg": 1.0, "t": 1000.0}
_BATCH_FIELDS = ("record", "batch", "recipe", "start", "end", "volume")
_DOSE_FIELDS = ("record", "material", "amount", "unit")


class BatchControllerReader:
    """Reads a BATCHCTL v2 log into a batches table (amounts in kg per m³).

    Args:
        encoding: the text encoding (controllers write ASCII/UTF-8).
    """

    def __init__(self, encoding: str | None = None) -> None:
        self.encoding = encoding or "utf-8"

    def can_read(self, path: Path) -> bool:
        """True when the file starts with ``#BATCHCTL v2`` (reads 16 bytes)."""
        with Path(path).open("rb") as handle:
            return handle.read(len(MAGIC) + 4).lstrip(b"\xef\xbb\xbf").startswith(MAGIC)

    def read(self, path: Path, progress: ProgressCallback = no_progress) -> ReadResult:
        """Read every batch.

        Raises:
            ReaderError: wrong first line, unknown record, a field that is not a number,
                an unknown unit, a DOSE outside a batch, or a batch without END.
        """
        path = Path(path)
        file = path.name
        progress(0.0, f"reading {file}")
        try:
            lines = path.read_text(encoding=self.encoding).lstrip("\ufeff").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ReaderError(file, None, None, f"cannot read the file: {error}") from error
        if not lines or lines[0].strip() != MAGIC.decode():
            raise ReaderError(file, 1, None, "the first line must be '#BATCHCTL v2'")
        meta: dict[str, str] = {}
        batches: list[dict[str, object]] = []
        rows: list[int] = []
        current: dict[str, object] | None = None
        for number, line in enumerate(lines[1:], start=2):
            text = line.strip()
            if not text:
                continue
            if text.startswith("#"):
                meta.update(_meta(text[1:]))
                continue
            fields = [f.strip() for f in text.split(";")]
            record = fields[0].upper()
            if record == "BATCH":
                if current is not None:
                    raise ReaderError(file, number, "record",
                                      f"batch {current['Batch']} has no END before this BATCH")
                current = _batch(fields, file, number, meta)
                rows.append(number)
            elif record == "DOSE":
                if current is None:
                    raise ReaderError(file, number, "record", "DOSE outside a batch")
                _dose(current, fields, file, number)
            elif record == "END":
                if current is None:
                    raise ReaderError(file, number, "record", "END without a BATCH")
                batches.append(current)
                current = None
            else:
                raise ReaderError(file, number, "record", f"unknown record '{fields[0]}' "
                                  "(expected BATCH, DOSE or END)")
        if current is not None:
            raise ReaderError(file, rows[-1], None, f"batch {current['Batch']} has no END "
                              "record: the file looks cut off")
        if not batches:
            raise ReaderError(file, None, None, "no batches in the file")
        frame = pd.DataFrame(batches)
        volume = frame.pop("_volume").to_numpy(dtype=float)
        amounts = [c for c in frame.columns if c.endswith("(kg/m3)")]
        frame[amounts] = frame[amounts].to_numpy(dtype=float) / volume[:, None]
        progress(1.0, f"read {len(frame)} batches from {file}")
        table = SourceTable(
            name=path.stem, frame=frame, row_numbers=np.asarray(rows, dtype=np.int64),
            declared_units={column: "kg/m3" for column in amounts},
            produces=DatasetKind.BATCHES, header_row=1, decimal=".",
        )
        return ReadResult(tables=(table,), source=path)


def _meta(text: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in text.split(";") if "=" in item)
    return {key.strip().upper(): value.strip() for key, value in pairs}


def _number(fields: list[str], index: int, names: tuple[str, ...], file: str,
            row: int) -> float:
    if index >= len(fields) or not fields[index]:
        raise ReaderError(file, row, names[index], f"missing {names[index]}")
    try:
        value = float(fields[index])
    except ValueError:
        raise ReaderError(file, row, names[index],
                          f"{names[index]} '{fields[index]}' is not a number") from None
    if not np.isfinite(value) or value < 0:
        raise ReaderError(file, row, names[index], f"{names[index]} must be 0 or more")
    return value


def _batch(fields: list[str], file: str, row: int, meta: dict[str, str]) -> dict[str, object]:
    if len(fields) != len(_BATCH_FIELDS):
        raise ReaderError(file, row, None, f"BATCH needs {len(_BATCH_FIELDS) - 1} fields "
                          "(batch;recipe;start;end;volume)")
    volume = _number(fields, 5, _BATCH_FIELDS, file, row)
    if volume == 0:
        raise ReaderError(file, row, "volume", "volume must be more than 0 m³")
    return {"Batch": fields[1], "Recipe": fields[2], "Plant": meta.get("SITE"),
            "Line": meta.get("LINE"), "Start": fields[3], "End": fields[4], "_volume": volume}


def _dose(batch: dict[str, object], fields: list[str], file: str, row: int) -> None:
    if len(fields) != len(_DOSE_FIELDS):
        raise ReaderError(file, row, None, "DOSE needs 3 fields (material;amount;unit)")
    unit = fields[3].lower()
    if unit not in _TO_KG:
        raise ReaderError(file, row, "unit", f"unknown unit '{fields[3]}' (kg or t)")
    amount = _number(fields, 2, _DOSE_FIELDS, file, row) * _TO_KG[unit]
    column = f"{fields[1].strip().capitalize()} (kg/m3)"
    if column in batch:
        raise ReaderError(file, row, "material",
                          f"{fields[1]} dosed twice in batch {batch['Batch']}")
    batch[column] = amount
