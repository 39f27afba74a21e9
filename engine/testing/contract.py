"""``ReaderContract``: the reader contract as a reusable pytest test class.

Subclass it in a test module (the subclass name must start with ``Test``), say how to make the
reader and which sample files it reads, and pytest runs every check::

    from engine.testing import BadSample, ReaderContract

    class TestAcmeReader(ReaderContract):
        reader_factory = AcmeReader
        sample_files = [Path(__file__).parent / "data" / "batch.acme"]
        bad_samples = [BadSample("bad.acme", b"ACME v1\\nB;x;;\\n", row=2, column="amount")]

Checks: the reader follows the ``Reader`` protocol; ``can_read`` accepts each sample and
refuses junk (empty, binary, unrelated text) without reading whole files; ``read`` returns a
``ReadResult`` of ``SourceTable`` s with one row number per row and declared units Formix
understands; problems are ``ReaderError`` s naming the file (and the row and column given in
``bad_samples``); reading leaves the file unchanged; reading twice gives the same tables.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from engine.errors import ReaderError
from engine.ingest.reader import Reader, ReadResult, SourceTable
from engine.progress import no_progress
from engine.schema import DatasetKind

__all__ = ["BadSample", "ReaderContract"]

_JUNK_BYTES = 8 << 20  # a large junk file: a sniff must not read it all
_SNIFF_BUDGET_BYTES = 1 << 20
_SNIFF_BUDGET_SECONDS = 0.5


@dataclass(frozen=True)
class BadSample:
    """A malformed file and the error the reader must raise for it.

    Attributes:
        name: the file name to write it under (its suffix chooses the format).
        content: the file's bytes (text is written as UTF-8).
        row: the row the ``ReaderError`` must name (None: not checked).
        column: the column the ``ReaderError`` must name (None: not checked).
        reason: a piece of text the reason must contain, case-insensitive (None: not checked).
    """

    name: str
    content: bytes | str
    row: int | None = None
    column: str | None = None
    reason: str | None = None


def _bytes_read() -> int | None:
    """Bytes this process has read so far (Linux ``/proc/self/io``), or None."""
    try:
        with open("/proc/self/io", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("rchar:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


class ReaderContract:
    """Base class of reader contract tests; subclasses set the attributes below.

    Attributes:
        reader_factory: makes a reader with default options (usually the reader class).
        sample_files: files the reader reads; copied to a temporary folder for each test.
            Override ``samples(folder)`` instead when the samples must be generated.
        bad_samples: malformed files and the errors they must raise.
        refuses_junk: False for generic readers that accept any text (the CSV reader); then
            ``can_read`` on junk must still be cheap and must not raise.
        expected_produces: the kind the tables must declare (None: not checked).
    """

    reader_factory: ClassVar[Callable[[], Any]]
    sample_files: ClassVar[Sequence[Path | str]] = ()
    bad_samples: ClassVar[Sequence[BadSample]] = ()
    refuses_junk: ClassVar[bool] = True
    expected_produces: ClassVar[DatasetKind | None] = None

    # -- hooks -----------------------------------------------------------------------------
    def make_reader(self) -> Any:
        """A fresh reader."""
        return type(self).reader_factory()

    def samples(self, folder: Path) -> list[Path]:
        """The sample files to test with, inside ``folder`` (copies of ``sample_files``)."""
        copies = []
        for sample in self.sample_files:
            target = folder / Path(sample).name
            shutil.copy2(sample, target)
            copies.append(target)
        return copies

    def _samples(self, tmp_path: Path) -> list[Path]:
        folder = tmp_path / "samples"
        folder.mkdir(exist_ok=True)
        found = self.samples(folder)
        if not found:
            pytest.fail(f"{type(self).__name__}: no sample files (set sample_files)")
        return found

    # -- checks ----------------------------------------------------------------------------
    def test_follows_the_reader_protocol(self) -> None:
        reader = self.make_reader()
        assert isinstance(reader, Reader), (
            f"{type(reader).__name__} needs can_read(path) and read(path, progress)")

    def test_can_read_its_samples(self, tmp_path: Path) -> None:
        reader = self.make_reader()
        for sample in self._samples(tmp_path):
            answer = reader.can_read(sample)
            assert isinstance(answer, bool | np.bool_), (
                f"can_read({sample.name}) returned {type(answer).__name__}, not a bool")
            assert answer, f"can_read refuses its own sample {sample.name}"

    def test_refuses_junk_cheaply(self, tmp_path: Path) -> None:
        reader = self.make_reader()
        suffixes = {"".join(Path(s).suffixes[-2:]) or ".dat" for s in self._samples(tmp_path)}
        junk_folder = tmp_path / "junk"
        junk_folder.mkdir()
        rng = np.random.default_rng(0)
        blob = rng.integers(0, 256, _JUNK_BYTES, dtype=np.uint8).tobytes()
        prose = (b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"
                 * (_JUNK_BYTES // 57))
        for suffix in sorted(suffixes):
            for label, content in (("empty", b""), ("binary", blob), ("text", prose)):
                junk = junk_folder / f"{label}{suffix}"
                junk.write_bytes(content)
                before, started = _bytes_read(), time.perf_counter()
                answer = reader.can_read(junk)
                elapsed, after = time.perf_counter() - started, _bytes_read()
                assert isinstance(answer, bool | np.bool_), (
                    f"can_read({junk.name}) returned {type(answer).__name__}")
                if self.refuses_junk:
                    assert not answer, f"can_read accepts junk: {label} file {junk.name}"
                assert elapsed < _SNIFF_BUDGET_SECONDS, (
                    f"can_read({junk.name}) took {elapsed:.2f} s; it must only sniff")
                if before is not None and after is not None:
                    assert after - before < _SNIFF_BUDGET_BYTES, (
                        f"can_read({junk.name}) read {after - before} bytes; read at most a "
                        "few KB")

    def test_read_returns_source_tables(self, tmp_path: Path) -> None:
        reader = self.make_reader()
        for sample in self._samples(tmp_path):
            fractions: list[float] = []

            def record(fraction: float, _message: str, seen: list[float] = fractions) -> None:
                seen.append(fraction)

            result = reader.read(sample, record)
            _check_result(result, sample, self.expected_produces)
            assert all(0.0 <= f <= 1.0 for f in fractions), (
                f"progress fractions outside [0, 1]: {fractions}")

    def test_errors_are_reader_errors(self, tmp_path: Path) -> None:
        reader = self.make_reader()
        folder = tmp_path / "bad"
        folder.mkdir()
        for bad in self.bad_samples:
            path = folder / bad.name
            path.write_bytes(bad.content.encode() if isinstance(bad.content, str)
                             else bad.content)
            with pytest.raises(ReaderError) as caught:
                reader.read(path, no_progress)
            finding = caught.value.finding
            assert finding.file == bad.name, f"the error names {finding.file!r}, not the file"
            if bad.row is not None:
                assert finding.row == bad.row, f"{bad.name}: row {finding.row}, not {bad.row}"
            if bad.column is not None:
                assert finding.column == bad.column, (
                    f"{bad.name}: column {finding.column!r}, not {bad.column!r}")
            if bad.reason is not None:
                assert bad.reason.lower() in finding.reason.lower(), finding.reason
        for sample in self._samples(tmp_path):
            for label, content in (("empty", b""), ("cut", sample.read_bytes()[:40]),
                                   ("binary", bytes(range(256)) * 8)):
                path = folder / f"{label}-{sample.name}"
                path.write_bytes(content)
                if not reader.can_read(path):
                    continue
                try:
                    result = reader.read(path, no_progress)
                except ReaderError as error:
                    assert error.finding.file == path.name, (
                        f"the error names {error.finding.file!r}, not {path.name!r}")
                    continue
                _check_result(result, path, self.expected_produces)

    def test_read_leaves_the_file_unchanged(self, tmp_path: Path) -> None:
        reader = self.make_reader()
        for sample in self._samples(tmp_path):
            before = _digest(sample)
            os.utime(sample, ns=(before[1], before[1]))
            reader.read(sample, no_progress)
            assert _digest(sample) == before, f"read() changed {sample.name}"

    def test_read_is_deterministic(self, tmp_path: Path) -> None:
        for sample in self._samples(tmp_path):
            first = self.make_reader().read(sample, no_progress)
            second = self.make_reader().read(sample, no_progress)
            assert len(first.tables) == len(second.tables)
            for one, two in zip(first.tables, second.tables, strict=True):
                assert one.name == two.name
                pd.testing.assert_frame_equal(one.frame, two.frame)
                np.testing.assert_array_equal(one.row_numbers, two.row_numbers)
                assert one.declared_units == two.declared_units
                assert (one.produces, one.header_row, one.decimal) == (
                    two.produces, two.header_row, two.decimal)


def _check_result(result: object, sample: Path, produces: DatasetKind | None) -> None:
    from engine.ingest.isolation import result_problem
    from engine.units import UnitError, parse_unit

    problem = result_problem(result)
    assert problem is None, f"{sample.name}: {problem}"
    assert isinstance(result, ReadResult)
    assert Path(result.source).resolve() == sample.resolve(), (
        f"ReadResult.source is {result.source}, not the file read")
    for table in result.tables:
        assert isinstance(table, SourceTable)
        rows = np.asarray(table.row_numbers)
        assert np.issubdtype(rows.dtype, np.integer), f"row_numbers are {rows.dtype}, not int"
        assert (rows >= 1).all(), "row numbers are 1-based"
        assert len(np.unique(rows)) == len(rows), "row numbers repeat"
        assert (rows > table.header_row).all(), "data rows come after the header row"
        if produces is not None:
            assert table.produces == produces, f"produces {table.produces}, not {produces}"
        for column, unit in table.declared_units.items():
            assert column in table.frame.columns, f"declared unit for unknown column {column}"
            try:
                parse_unit(unit)
            except UnitError as error:
                raise AssertionError(
                    f"declared unit {unit!r} of {column!r} is not understood: {error}") from error
