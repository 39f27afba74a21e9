"""The contract suite itself catches readers that break the contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.errors import ReaderError
from engine.ingest.reader import ReadResult, SourceTable
from engine.testing import BadSample, ReaderContract
from tests.plugins.conftest import DATA


class _Base:
    def can_read(self, path: Path) -> bool:
        with Path(path).open("rb") as handle:
            return handle.read(3) == b"Tag"

    def read(self, path: Path, progress: object) -> ReadResult:
        table = SourceTable("t", pd.DataFrame({"a": ["1", "2"]}), np.array([2, 3]),
                            declared_units={"a": "kg/m3"})
        return ReadResult((table,), Path(path))


class _Greedy(_Base):
    def can_read(self, path: Path) -> bool:
        Path(path).read_bytes()
        return False


class _Writes(_Base):
    def read(self, path: Path, progress: object) -> ReadResult:
        with Path(path).open("a") as handle:
            handle.write("\n")
        return super().read(path, progress)


class _Random(_Base):
    def read(self, path: Path, progress: object) -> ReadResult:
        frame = pd.DataFrame({"a": [str(np.random.default_rng().random())]})
        return ReadResult((SourceTable("t", frame, np.array([2])),), Path(path))


class _BadUnit(_Base):
    def read(self, path: Path, progress: object) -> ReadResult:
        frame = pd.DataFrame({"a": ["1"]})
        table = SourceTable("t", frame, np.array([2]), declared_units={"a": "furlongs/fx"})
        return ReadResult((table,), Path(path))


class _Crashes(_Base):
    def read(self, path: Path, progress: object) -> ReadResult:
        if Path(path).name == "bad.csv":
            raise ValueError("plain exception instead of ReaderError")
        return super().read(path, progress)


def _suite(reader: type, **attributes: object) -> ReaderContract:
    suite = type("Suite", (ReaderContract,), {"reader_factory": reader,
                                              "sample_files": (DATA / "pi_long.csv",),
                                              **attributes})
    return suite()


def test_a_correct_reader_passes(tmp_path: Path) -> None:
    suite = _suite(_Base)
    for name in dir(suite):
        if name.startswith("test_"):
            folder = tmp_path / name
            folder.mkdir()
            method = getattr(suite, name)
            method(folder) if "tmp_path" in method.__code__.co_varnames else method()


@pytest.mark.parametrize(
    ("reader", "check", "message", "extra"),
    [
        (_Greedy, "test_refuses_junk_cheaply", "read at most a few KB", {}),
        (_Writes, "test_read_leaves_the_file_unchanged", "changed pi_long.csv", {}),
        (_Random, "test_read_is_deterministic", "are different", {}),
        (_BadUnit, "test_read_returns_source_tables", "is not understood", {}),
        (_Base, "test_can_read_its_samples", "refuses its own sample",
         {"sample_files": (DATA / "wonderware_long.csv",)}),
        (_Crashes, "test_errors_are_reader_errors", "plain exception",
         {"bad_samples": (BadSample("bad.csv", "x"),)}),
    ],
)
def test_a_broken_reader_fails_the_suite(tmp_path: Path, reader: type, check: str,
                                         message: str, extra: dict[str, object]) -> None:
    if reader is _Greedy and not Path("/proc/self/io").exists():
        pytest.skip("byte counting needs /proc/self/io (Linux)")
    with pytest.raises((AssertionError, ValueError, ReaderError), match=message):
        getattr(_suite(reader, **extra), check)(tmp_path)
