"""The historian and LIMS readers: what they recognise, what they hand to Formix, and that they
leave other CSV files to the generic reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import ReaderError
from engine.ingest import normalise, suggest_mapping
from engine.ingest.registry import ReaderRegistry
from engine.progress import no_progress
from engine.schema import DatasetKind
from plugins.historian.quality import quality_labels
from tests.plugins.conftest import DATA

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad_inputs"


@pytest.fixture(scope="module")
def registry() -> ReaderRegistry:
    return ReaderRegistry()


def _read(registry: ReaderRegistry, path: Path) -> tuple[str, object]:
    reader = registry.reader_for(path)
    return type(reader).__name__, reader.read(path, no_progress).tables[0]


def test_pi_export_quality_and_system_states(registry: ReaderRegistry) -> None:
    name, table = _read(registry, DATA / "pi_long.csv")
    assert name == "HistorianLongReader" and table.produces is DatasetKind.PROCESS_SERIES
    assert list(table.frame.columns) == ["Tag", "Timestamp", "Value", "quality"]
    assert list(table.row_numbers) == [2, 4, 5, 6, 7]  # "I/O Timeout", "Shutdown" left out
    assert [(n.row, n.column, n.severity.value) for n in table.notes] == [
        (3, "Value", "warning"), (8, "Value", "warning")]
    assert "'I/O Timeout'" in table.notes[0].reason and "left out" in table.notes[0].reason
    assert list(table.frame["quality"]) == ["Good", "Uncertain (Questionable)", "Good",
                                            "Good", "Good"]
    suggestion = suggest_mapping(table)
    result = normalise(table, suggestion.profile, "pi_long.csv")
    assert result.ok
    series = result.frames["process_series"]
    assert sorted(series["source_row"]) == [2, 5, 6, 7]
    assert any("bad or uncertain quality" in f.reason for f in result.findings)


def test_wonderware_opc_quality(registry: ReaderRegistry) -> None:
    _, table = _read(registry, DATA / "wonderware_long.csv")
    assert list(table.frame["quality"])[:3] == ["Good", "Good", "Bad (0)"]
    assert table.frame["quality"].iloc[4] == "Uncertain (64)"
    assert list(table.frame.columns[:3]) == ["DateTime", "TagName", "Value"]


def test_quality_codes() -> None:
    import pandas as pd

    opc = quality_labels(pd.Series(["192", "216", "0", "68", ""]), "OPCQuality")
    assert list(opc) == ["Good", "Good (216)", "Bad (0)", "Uncertain (68)", None]
    small = quality_labels(pd.Series(["0", "1", "0"]), "Quality")
    assert list(small) == ["Good", "Bad (1)", "Good"]
    words = quality_labels(pd.Series(["GOOD", "Bad Input", "Substituted", "odd"]), "Status")
    assert list(words) == ["Good", "Bad (Bad Input)", "Uncertain (Substituted)", "odd"]


def test_ignition_wide_export(registry: ReaderRegistry) -> None:
    name, table = _read(registry, DATA / "ignition_wide.csv")
    assert name == "HistorianWideReader"
    assert table.frame.iloc[1, 1] == ""  # "Shutdown" is no sample
    assert [(n.row, n.column) for n in table.notes] == [(3, "[default]Mixer/Temp (degC)")]
    assert "'Shutdown'" in table.notes[0].reason
    assert table.declared_units["[default]Mixer/Temp (degC)"] == "°C"
    result = normalise(table, suggest_mapping(table).profile, "ignition_wide.csv")
    assert result.ok and len(result.frames["process_series"]) == 10


def test_a_hist_csv_name_marks_a_wide_export(registry: ReaderRegistry) -> None:
    name, table = _read(registry, DATA / "plant_log.hist.csv")
    assert name == "HistorianWideReader" and table.decimal == ","
    result = normalise(table, suggest_mapping(table).profile.model_copy(
        update={"dayfirst": True}), "plant_log.hist.csv")
    assert result.ok and len(result.frames["process_series"]) == 6


def test_utf16_historian_export(registry: ReaderRegistry, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text((DATA / "pi_long.csv").read_text(), encoding="utf-16")
    name, table = _read(registry, path)
    assert name == "HistorianLongReader" and len(table.frame) == 5


@pytest.mark.parametrize(
    ("text", "reader"),
    [
        ("date,Usage_kWh,CO2(tCO2),NSM\n01/01/2018 00:15,3.17,0,900\n", "DelimitedTextReader"),
        ("Recipe,Cement (kg/m3),Water (kg/m3)\nR1,350,175\n", "DelimitedTextReader"),
        ("batch_id,property,test_age,value,unit\nB1,strength,28,41.2,MPa\n",
         "DelimitedTextReader"),
        ("Date,Cement,Water,Strength\n2024-01-02,350,175,41\n", "DelimitedTextReader"),
        ("time,TI-101 (degC),PI-202 (bar)\n2024-05-01 08:00,20.5,1.2\n", "HistorianWideReader"),
        ("tag,time,value,unit\nT1,2024-05-01 08:00,20.5,degC\n", "HistorianLongReader"),
    ],
)
def test_sniffing_takes_only_historian_exports(registry: ReaderRegistry, tmp_path: Path,
                                               text: str, reader: str) -> None:
    path = tmp_path / "file.csv"
    path.write_text(text)
    assert type(registry.reader_for(path)).__name__ == reader


def test_the_bad_input_corpus_keeps_its_columns(registry: ReaderRegistry) -> None:
    for name in ("unparseable_timestamp.csv", "wide_text_cell.csv", "out_of_order_timestamps.csv"):
        path = CORPUS / name
        generic = ReaderRegistry([p for p in _entry_points() if p.name == "tabular"])
        ours = registry.reader_for(path).read(path, no_progress).tables[0]
        theirs = generic.reader_for(path).read(path, no_progress).tables[0]
        assert list(ours.frame.columns) == list(theirs.frame.columns), name
        assert list(ours.row_numbers) == list(theirs.row_numbers), name
    with pytest.raises(ReaderError, match="duplicate column header 'TI-101'"):
        registry.reader_for(CORPUS / "wide_duplicate_tag.csv").read(
            CORPUS / "wide_duplicate_tag.csv", no_progress)


def _entry_points() -> list:
    from engine.ingest.registry import _iter_entry_points

    return list(_iter_entry_points())


def test_lims_export_skips_the_report_lines(registry: ReaderRegistry) -> None:
    name, table = _read(registry, DATA / "lims_labware.csv")
    assert name == "LimsResultsReader" and table.produces is DatasetKind.LAB_RESULTS
    assert table.header_row == 6
    assert list(table.row_numbers) == [7, 8, 9, 11, 12]  # rejected (10), pending (13) left out
    assert [(n.row, n.column) for n in table.notes] == [(10, "Status"), (13, "Status")]
    assert "'Rejected'" in table.notes[0].reason and "'Pending'" in table.notes[1].reason
    assert "property" in table.frame.columns and "Status" not in table.frame.columns
    mapping = {m.source: m.field for m in suggest_mapping(table).profile.columns}
    assert mapping["Batch"] == "batch_id" and mapping["Age (d)"] == "test_age"
    assert mapping["Result"] == "value" and mapping["Units"] == "unit"
    result = normalise(table, suggest_mapping(table).profile, "lims_labware.csv")
    assert result.ok, result.errors
    lab = result.frames["lab_results"]
    assert list(lab["test_age_days"])[:3] == [7.0, 7.0, 28.0]
    assert list(lab["replicate"])[:2] == [1, 2]


def test_lims_censored_results_are_refused_clearly(registry: ReaderRegistry) -> None:
    path = DATA / "lims_censored.csv"
    with pytest.raises(ReaderError) as caught:
        registry.reader_for(path).read(path, no_progress)
    finding = caught.value.finding
    assert (finding.file, finding.row, finding.column) == ("lims_censored.csv", 3,
                                                           "Formatted Entry")
    assert "2 censored result(s)" in finding.reason and "'<0.01'" in finding.reason
    assert "(row 5)" in finding.reason


def test_lims_renames_fields_formix_does_not_know(registry: ReaderRegistry,
                                                  tmp_path: Path) -> None:
    path = tmp_path / "starlims.csv"
    path.write_text("Exported from STARLIMS;2024-06-03\n\nSAMPLE_NUMBER;Test;Age;"
                    "Formatted Entry;Units\nS1;Slump;0,1;120;mm\nS2;Slump;0,1;135;mm\n")
    _, table = _read(registry, path)
    assert list(table.frame.columns) == ["sample_id", "Test", "Age", "value", "Units"]
    assert table.decimal == "," and list(table.row_numbers) == [4, 5]


def test_historian_and_lims_files_import_end_to_end(tmp_path: Path) -> None:
    project = tmp_path / "plant.formix"
    services.create_project(project)
    result = services.import_files(project, [DATA / "pi_long.csv", DATA / "ignition_wide.csv",
                                             DATA / "lims_labware.csv"])
    counts = {f.file: (f.kind, f.counts) for f in result.files}
    assert counts["pi_long.csv"] == ("process_series", {"process_series": 4})
    assert counts["ignition_wide.csv"][1] == {"process_series": 10}
    assert counts["lims_labware.csv"] == ("lab_results", {"lab_results": 5})
    left_out = {(w.file, w.row) for w in result.warnings
                if "left out" in w.reason and w.row is not None}
    assert left_out == {("pi_long.csv", 3), ("pi_long.csv", 8), ("ignition_wide.csv", 3),
                        ("lims_labware.csv", 10), ("lims_labware.csv", 13)}
