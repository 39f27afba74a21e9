"""Formix without pyarrow, as in the offline bundle (installers/formix.spec excludes it).

pyarrow only speeds up reading large CSV files and converting their text columns; without it
the pandas paths must give the same imported records and the same error messages, and Parquet
export must say that it needs pyarrow.

pandas decides when it is imported whether its ``str`` dtype is Arrow- or Python-backed and
then calls pyarrow internally, so blocking pyarrow later in this process would test neither
the bundle's behaviour nor anything pandas can run. The scenarios therefore run twice: here
with pyarrow, and in a child process where pyarrow is blocked before pandas is imported (as
in the bundle); the tests compare the two.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine import services
from engine.errors import FormixError, ImportRejected
from engine.ingest import ColumnMapping, ImportProfile, normalise
from engine.ingest.reader import SourceTable
from engine.schema import DatasetKind
from engine.types import ImportSource
from plugins.tabular import csv_reader
from plugins.tabular.csv_reader import DelimitedTextReader

REPO_ROOT = Path(__file__).resolve().parents[3]
PYARROW_MODULES = ("pyarrow", "pyarrow.compute", "pyarrow.csv", "pyarrow.parquet")
PARQUET_MESSAGE = "Parquet export needs the optional pyarrow package; save as .csv"

EUROPEAN_PROFILE = ImportProfile(
    kind=DatasetKind.PROCESS_SERIES,
    columns=[ColumnMapping("Messstelle", "tag"), ColumnMapping("Zeit", "time"),
             ColumnMapping("Wert", "value"), ColumnMapping("Einheit", "unit")],
    timezone="Europe/Berlin", time_format="%d.%m.%Y %H:%M:%S",
)


def european_log(rows: int = 36_000, bad: bool = False) -> bytes:
    """A historian export from a German plant (>1 MB, so the Arrow path applies to it).

    UTF-8 with BOM, CRLF, ';' with decimal commas and '.' grouping thousands ("1.469,50"),
    local day-first times, a quoted tag holding the delimiter, a blank and an empty row.
    ``bad``: one value is a word and one date does not exist (31 February).
    """
    rng = np.random.default_rng(7)
    tags = [("TI101", "°C", 20.0, 3.0), ("Mischer; Leistung", "W", 1350.0, 400.0),
            ("FI303", "l/min", 12.0, 2.0), ("PI202", "bar", 2.5, 0.3)]
    lines = ["Messstelle;Zeit;Wert;Einheit"]
    start = np.datetime64("2024-03-01T06:00:00")
    for i in range(rows):
        tag, unit, mean, sd = tags[i % 4]
        stamp = (start + np.timedelta64(10 * (i // 4), "s")).astype(object)
        value = f"{mean + sd * rng.standard_normal():,.2f}"
        value = value.replace(",", "_").replace(".", ",").replace("_", ".")
        name = f'"{tag}"' if ";" in tag else tag
        lines.append(f"{name};{stamp:%d.%m.%Y %H:%M:%S};{value};{unit}")
    lines[5_000] += "\r\n"  # a blank line
    lines[9_000] += "\r\n;;;"  # a row of empty cells
    if bad:
        lines[20_001] = lines[20_001].rsplit(";", 2)[0] + ";zwölf;°C"
        lines[30_001] = lines[30_001].replace(lines[30_001].split(";")[1][:10], "31.02.2024")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


# Column conversions (engine.ingest._fast: to_float, to_times, factorize) on text cells as the
# CSV reader returns them: (times, time format, values, decimal separator).
CONVERSIONS = [
    (["2024-03-01 06:00:00", "2024-03-01 06:00:10", "", "2024-03-01 06:00:30"], None,
     ["20.5", "1350", "n/a", "1e3"], "."),
    (["2024-03-01T06:00:00Z", "2024-03-01T07:00:10+01:00", "2024-03-01T06:00:20Z",
      "2024-03-01T06:00:30Z"], None, ["1", "2", "3", "4"], "."),
    (["01.03.2024 06:00:00", "01.03.2024 06:00:10", "01.03.2024 06:00:20",
      "31.02.2024 06:00:30"], "%d.%m.%Y %H:%M:%S", ["1.350,5", "20,5", " 7 ", "zwölf"], ","),
    (["1.3.2024 6:00:00", "01.03.2024 06:00:10", "2.3.2024 6:00:20", "15.3.2024 6:00:30"],
     "%d.%m.%Y %H:%M:%S", ["1.350", "-2,5", "+7", "1e3"], ","),
    (["03/01/2024 06:00", "03/01/2024 06:10", "03/01/2024 06:20", "03/01/2024 06:30"], None,
     ["1", "2", "3", "4"], "."),
]


def _conversion(times: list[str], time_format: str | None, values: list[str],
                decimal: str) -> dict[str, Any]:
    cells = {"tag": ["TI101", "PI202", "TI101", "FI303"], "time": times, "value": values,
             "unit": ["degC", "bar", "degC", "l/min"]}
    frame = pd.DataFrame({k: pd.Series(v, dtype="str") for k, v in cells.items()})
    table = SourceTable("log", frame, np.arange(2, len(frame) + 2), decimal=decimal)
    profile = ImportProfile(kind=DatasetKind.PROCESS_SERIES, time_format=time_format,
                            columns=[ColumnMapping(c, c) for c in cells])
    result = normalise(table, profile, "log.csv")
    return {"findings": [str(f) for f in result.findings],
            "frames": {name: _comparable(f) for name, f in result.frames.items()}}


def _comparable(frame: pd.DataFrame) -> tuple[list[tuple[str, str]], pd.DataFrame]:
    """(column, dtype name) and the frame with text columns as objects: the Arrow- and the
    Python-backed ``str`` dtypes are both named "str" and hold the same values."""
    names = [(str(c), str(frame[c].dtype)) for c in frame.columns]
    plain = frame.copy()
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            dtype = dtype.categories.dtype
        if isinstance(dtype, pd.StringDtype):
            plain[column] = frame[column].astype(object)
    plain.columns = pd.Index([str(c) for c in frame.columns], dtype=object)
    return names, plain


def write_sources(folder: Path) -> list[ImportSource]:
    """The demo's sources (with its 1.3 MB historian log) and the German historian export."""
    from engine.demo.generator import write_demo_sources
    from engine.demo.project import demo_profiles

    folder.mkdir(parents=True, exist_ok=True)
    profiles = demo_profiles()
    sources = [ImportSource(s.path, s.kind, profiles[s.kind])
               for s in write_demo_sources(folder / "demo")]
    european = folder / "historian_de.csv"
    european.write_bytes(european_log())
    return [*sources, ImportSource(european, DatasetKind.PROCESS_SERIES, EUROPEAN_PROFILE)]


def scenarios(folder: Path) -> dict[str, Any]:
    """Everything compared, run in this process and in the child without pyarrow.

    Writes ``p.formix`` (the imported project), ``table.csv`` (its modelling table) and
    ``bench_series.csv`` into ``folder``; returns picklable facts.
    """
    from engine.cli import main
    from engine.linking._bench_data import _write_series

    facts: dict[str, Any] = {"string_storage": pd.Series(["x"]).dtype.storage}
    # the CSV reader alone, on the German export
    sources = write_sources(folder / "sources")
    table = DelimitedTextReader().read(folder / "sources" / "historian_de.csv").tables[0]
    facts["reader"] = (_comparable(table.frame), table.row_numbers.tolist(), table.decimal,
                       table.header_row)
    facts["conversions"] = [_conversion(*case) for case in CONVERSIONS]
    # import all sources into a project, then two files with errors
    project = folder / "p.formix"
    services.create_project(project)
    facts["import"] = services.import_sources(project, sources).to_dict()
    bad = folder / "bad"
    bad.mkdir()
    (bad / "historian_de.csv").write_bytes(european_log(bad=True))
    (bad / "ragged.csv").write_bytes(european_log().replace(
        b"\r\nFI303;01.03.2024 06:40:00;", b"\r\nFI303;x;01.03.2024 06:40:00;", 1))
    facts["errors"] = []
    for name in ("historian_de.csv", "ragged.csv"):
        try:
            services.import_files(project, [bad / name], profile=EUROPEAN_PROFILE)
        except ImportRejected as rejected:
            facts["errors"].append([str(f) for f in rejected.findings])
    # downstream: link and export the modelling table (CSV), and refuse or write Parquet
    services.export_table(project, folder / "table.csv")
    try:
        services.write_frame_atomic(pd.DataFrame({"a": [1.0], "b": ["x"]}),
                                    folder / "out" / "t.parquet")
        facts["parquet"] = "written"
    except FormixError as error:
        facts["parquet"] = str(error)
    facts["parquet_folder"] = sorted(p.name for p in (folder / "out").glob("*"))
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured), contextlib.redirect_stdout(io.StringIO()):
        code = main(["table", str(project), "--out", str(folder / "cli.parquet"), "--json"])
    facts["cli_parquet"] = (code, captured.getvalue().strip(), (folder / "cli.parquet").exists())
    # the link benchmark's historian file
    _write_series(pd.DataFrame({
        "tag": pd.Categorical(["mixer_temp", "mixer_power", "mixer_temp"]),
        "time": pd.to_datetime(["2024-01-01 00:00:00", "2024-01-01 00:00:10",
                                "2024-01-01 00:00:20"], utc=True),
        "value": [24.5, 55.25, 23.0], "unit": ["degC", "kW", "degC"]}),
        folder / "bench_series.csv", chunk_rows=2)
    return facts


_CHILD = """
import pickle, sys
from pathlib import Path
for name in {modules!r}:
    sys.modules[name] = None  # as in the bundle, before pandas decides its string storage
from tests.engine.ingest.test_without_pyarrow import scenarios
facts = scenarios(Path(sys.argv[1]))
Path(sys.argv[1], "facts.pickle").write_bytes(pickle.dumps(facts))
"""


@pytest.fixture(scope="module")
def with_pyarrow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    pytest.importorskip("pyarrow")  # the reference: this process reads with Arrow
    folder = tmp_path_factory.mktemp("with_pyarrow")
    return folder, scenarios(folder)


@pytest.fixture(scope="module")
def without_pyarrow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("without_pyarrow")
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE",
           "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD.format(modules=PYARROW_MODULES), str(folder)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert child.returncode == 0, child.stderr[-4000:]
    facts = pickle.loads((folder / "facts.pickle").read_bytes())
    assert facts["string_storage"] == "python"  # the child really ran without pyarrow
    return folder, facts


def test_the_reference_takes_the_arrow_paths(with_pyarrow: tuple[Path, dict]) -> None:
    folder, facts = with_pyarrow
    assert facts["string_storage"] == "pyarrow"
    for name in ("demo/synthetic_historian.csv", "historian_de.csv"):
        data = (folder / "sources" / name).read_bytes()
        assert len(data) > csv_reader._FAST_MIN_BYTES
        assert DelimitedTextReader()._fast(data)[0] is not None, name


def _assert_same_frame(ours: tuple[list, pd.DataFrame], theirs: tuple[list, pd.DataFrame],
                       what: str) -> None:
    assert theirs[0] == ours[0], what  # the same columns and dtype names
    pd.testing.assert_frame_equal(theirs[1], ours[1], obj=what)


def test_the_csv_reader_gives_the_same_table(with_pyarrow: tuple[Path, dict],
                                             without_pyarrow: tuple[Path, dict]) -> None:
    (ours, rows, decimal, header), (theirs, *rest) = (with_pyarrow[1]["reader"],
                                                      without_pyarrow[1]["reader"])
    _assert_same_frame(ours, theirs, "historian_de.csv")
    assert rest == [rows, decimal, header]
    assert ours[1].iloc[1].tolist() == ["Mischer; Leistung", "01.03.2024 06:00:00",
                                        "1.469,50", "W"]
    assert (decimal, len(rows), rows[-1]) == (",", 36_000, 36_003)  # blank rows skipped


@pytest.mark.parametrize("case", range(len(CONVERSIONS)))
def test_each_column_conversion_gives_the_same_values(
    case: int, with_pyarrow: tuple[Path, dict], without_pyarrow: tuple[Path, dict]
) -> None:
    ours, theirs = with_pyarrow[1]["conversions"][case], without_pyarrow[1]["conversions"][case]
    assert theirs["findings"] == ours["findings"]
    assert theirs["frames"].keys() == ours["frames"].keys()
    for name in ours["frames"]:
        _assert_same_frame(ours["frames"][name], theirs["frames"][name], name)


def test_an_impossible_date_is_an_error_either_way(with_pyarrow: tuple[Path, dict]) -> None:
    """Arrow's strptime reads 31.02.2024 as 2 March; pandas refuses it, and so must we."""
    findings = with_pyarrow[1]["conversions"][2]["findings"]
    assert "error: log.csv, row 5, column 'time': unparseable timestamp '31.02.2024 06:00:30'" \
           " (expected format %d.%m.%Y %H:%M:%S)" in findings
    times = with_pyarrow[1]["conversions"][3]["frames"]["process_series"][1]["time"]
    assert [str(t) for t in times] == ["2024-03-01 06:00:00+00:00", "2024-03-01 06:00:10+00:00",
                                       "2024-03-02 06:00:20+00:00", "2024-03-15 06:00:30+00:00"]


@pytest.mark.slow
def test_the_import_gives_the_same_records(with_pyarrow: tuple[Path, dict],
                                           without_pyarrow: tuple[Path, dict]) -> None:
    from engine.storage import ProjectStore

    (ours_folder, ours), (theirs_folder, theirs) = with_pyarrow, without_pyarrow
    assert theirs["import"] == ours["import"]  # counts per file, warnings
    with ProjectStore.open(ours_folder / "p.formix") as a, ProjectStore.open(
            theirs_folder / "p.formix") as b:
        expected, got = a.frames(), b.frames()
    assert len(expected["process_series"]) == 29_529 + 36_000
    for name, frame in expected.items():
        if name == "imports":
            frame, got[name] = (f.drop(columns=["imported_at"]) for f in (frame, got[name]))
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
    pd.testing.assert_frame_equal(pd.read_csv(theirs_folder / "table.csv"),
                                  pd.read_csv(ours_folder / "table.csv"))


def test_the_same_errors_name_file_row_and_column(with_pyarrow: tuple[Path, dict],
                                                  without_pyarrow: tuple[Path, dict]) -> None:
    assert without_pyarrow[1]["errors"] == with_pyarrow[1]["errors"] == [
        # a blank line and a row of empty cells come first: these are file rows
        ["error: historian_de.csv, row 30004, column 'Zeit': unparseable timestamp "
         "'31.02.2024 02:50:00' (expected format %d.%m.%Y %H:%M:%S)",
         "error: historian_de.csv, row 20004, column 'Wert': text 'zwölf' in a numeric column "
         "(value)"],
        ["error: ragged.csv, row 964: row has 5 fields but the header has 4 (delimiter ';'); "
         "a stray delimiter or an unquoted text?"],
    ]


def test_parquet_export_says_it_needs_pyarrow(with_pyarrow: tuple[Path, dict],
                                              without_pyarrow: tuple[Path, dict]) -> None:
    folder, facts = without_pyarrow
    assert facts["parquet"] == f"{folder / 'out' / 't.parquet'}: {PARQUET_MESSAGE}"
    assert facts["parquet_folder"] == []  # no temporary file left behind
    code, stderr, written = facts["cli_parquet"]
    assert (code, written) == (1, False)
    assert stderr == f"formix: {folder / 'cli.parquet'}: {PARQUET_MESSAGE}"
    # with pyarrow, Parquet is written
    ours_folder, ours = with_pyarrow
    assert ours["parquet"] == "written" and ours["cli_parquet"][::2] == (0, True)
    assert pd.read_parquet(ours_folder / "out" / "t.parquet")["b"].tolist() == ["x"]


def test_parquet_refusal_comes_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PYARROW_MODULES:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(FormixError, match=PARQUET_MESSAGE.replace(".", r"\.")):
        services.write_frame_atomic(pd.DataFrame({"a": [1.0]}), tmp_path / "new" / "t.parquet")
    assert not (tmp_path / "new").exists()


def test_the_link_benchmark_files_are_the_same(with_pyarrow: tuple[Path, dict],
                                               without_pyarrow: tuple[Path, dict]) -> None:
    ours = pd.read_csv(with_pyarrow[0] / "bench_series.csv")
    pd.testing.assert_frame_equal(pd.read_csv(without_pyarrow[0] / "bench_series.csv"), ours)
    assert ours.columns.tolist() == ["tag", "time", "value", "unit"] and len(ours) == 3


def test_fast_helpers_step_aside_without_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each helper of engine.ingest._fast returns None (or pandas' answer) without pyarrow."""
    from engine.ingest import _fast

    text = pd.Series(["1,5", "2", None, "2"], dtype=pd.StringDtype("python", na_value=np.nan))
    for name in PYARROW_MODULES:
        monkeypatch.setitem(sys.modules, name, None)
    assert _fast.to_float(text, ",") is None
    assert _fast.to_times(pd.Series(["2024-01-01"] * 2, dtype=text.dtype), None) is None
    assert _fast.to_times(pd.Series(["01.01.2024"] * 2, dtype=text.dtype), "%d.%m.%Y") is None
    codes, uniques = _fast.factorize(text)
    assert codes.tolist() == [0, 1, -1, 1] and uniques.tolist() == ["1,5", "2"]
    assert _fast.decimal_comma_to_point(text).tolist()[:2] == ["1.5", "2"]
