"""The reader contract suite (``engine.testing.ReaderContract``) over every built-in reader and
the example plugin's reader."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from engine.schema import DatasetKind
from engine.testing import BadSample, ReaderContract
from plugins.historian.long_reader import HistorianLongReader
from plugins.historian.wide_reader import HistorianWideReader
from plugins.lims.lims_reader import LimsResultsReader
from plugins.sql.sql_reader import SqlReader
from plugins.tabular.csv_reader import DelimitedTextReader
from plugins.tabular.excel_reader import ExcelReader
from tests.plugins.conftest import DATA, EXAMPLE
from tests.plugins.test_sql_reader import connection_file, sqlite_db

RAGGED_LONG = "tag,time,value\nT1,2024-05-01 08:00,1.5\nT1,2024-05-01 08:01,1.6,extra\n"


class TestDelimitedTextContract(ReaderContract):
    reader_factory = DelimitedTextReader
    sample_files = (DATA / "pi_long.csv", EXAMPLE / "samples" / "recipes.csv")
    refuses_junk = False  # the generic reader takes any text
    bad_samples = (
        BadSample("ragged.csv", "a,b\n1,2\n3,4,5\n", row=3, reason="3 fields"),
        BadSample("empty.csv", "", reason="empty"),
    )


class TestExcelContract(ReaderContract):
    reader_factory = ExcelReader
    bad_samples = (BadSample("cut.xlsx", b"PK\x03\x04" + b"\x00" * 60),)

    def samples(self, folder: Path) -> list[Path]:
        path = folder / "recipes.xlsx"
        pd.DataFrame({"Recipe": ["R1", "R2"], "Cement (kg/m3)": [350, 300]}).to_excel(
            path, index=False)
        return [path]


class TestHistorianLongContract(ReaderContract):
    reader_factory = HistorianLongReader
    sample_files = (DATA / "pi_long.csv", DATA / "wonderware_long.csv")
    expected_produces = DatasetKind.PROCESS_SERIES
    bad_samples = (
        BadSample("ragged.csv", RAGGED_LONG, row=3, reason="fields"),
        BadSample("states.csv", "Tag,Timestamp,Value\nT1,2024-05-01 08:00,I/O Timeout\n",
                  column="Value", reason="system state"),
    )


class TestHistorianWideContract(ReaderContract):
    reader_factory = HistorianWideReader
    sample_files = (DATA / "ignition_wide.csv", DATA / "plant_log.hist.csv")
    expected_produces = DatasetKind.PROCESS_SERIES
    bad_samples = (
        BadSample("dup.hist.csv", "time,TI-101,TI-101\n2024-05-01 08:00,1,2\n", row=1,
                  column="TI-101", reason="duplicate"),
    )


class TestLimsContract(ReaderContract):
    reader_factory = LimsResultsReader
    sample_files = (DATA / "lims_labware.csv",)
    expected_produces = DatasetKind.LAB_RESULTS
    bad_samples = (
        BadSample("censored.csv", (DATA / "lims_censored.csv").read_text(), row=3,
                  column="Formatted Entry", reason="censored"),
        BadSample("ragged.csv", "Report,x\nSample ID,Test,Result\nS1,Slump,120\nS2,Slump\n",
                  row=4, reason="2 fields"),
        BadSample("noresults.csv", "Sample ID,Test,Result,Status\nS1,Slump,120,Cancelled\n",
                  row=1, reason="no results"),
    )


class TestSqlContract(ReaderContract):
    reader_factory = SqlReader
    expected_produces = DatasetKind.RECIPES
    bad_samples = (
        BadSample("unknown.formix-sql.toml", 'url = "sqlite:///x.db"\ntable = "t"\nport = 5\n',
                  row=3, column="port", reason="unknown key"),
        BadSample("both.formix-sql.toml", 'url = "sqlite://"\ntable = "t"\nquery = "SELECT 1"\n',
                  column="table", reason="not both"),
        BadSample("nodb.formix-sql.toml", 'url = "sqlite:///absent.db"\ntable = "t"\n',
                  column="url", reason="does not exist"),
        BadSample("notoml.formix-sql.toml", 'url = "sqlite://\n', row=1, reason="TOML"),
    )

    def samples(self, folder: Path) -> list[Path]:
        sqlite_db(folder)
        return [connection_file(folder, 'url = "sqlite:///recipes.db"\ntable = "recipes"\n'
                                        'produces = "recipes"\n')]


class TestExampleReaderContract(ReaderContract):
    """The example plugin's reader, imported from its folder (it is not installed here)."""

    sample_files = (EXAMPLE / "samples" / "batches.bctl",)
    expected_produces = DatasetKind.BATCHES

    def make_reader(self) -> object:
        if str(EXAMPLE) not in sys.path:
            sys.path.append(str(EXAMPLE))
        from formix_example_reader.reader import BatchControllerReader

        return BatchControllerReader()
