"""Batch totals (kg or lb per batch) with the batch volume become amounts per m³.

A batching controller exports what went into each batch and its volume; an 8 m³ batch with
4312 kg of cement is 539 kg/m³. Without the volume such amounts are refused, not stored as
if they were per m³.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import Finding, ImportRejected, Severity
from engine.ingest import ColumnMapping, ImportProfile, NormalisedImport, normalise
from engine.schema import DatasetKind
from engine.storage import ProjectStore
from plugins.tabular.csv_reader import DelimitedTextReader
from tests.engine.plant_files import sha256_of, write_text

METRIC = ("Chargen-Nr.;Rezeptnr.;Menge [m³];Zement [kg];Wasser [kg];Sand [kg]\n"
          "CH1;R1;8,0;4312,0;1298,0;5410,0\n"
          "CH2;R1;2,5;875,0;437,5;2000,0\n")
# the same two batches in pounds and cubic yards (8 m³ = 10.4636 yd³, 4312 kg = 9506.3 lb)
US = ("Batch;Recipe;Volume (yd3);Cement (lb);Water (lb);Sand (lb)\n"
      "CH1;R1;10.46360;9506.33;2861.60;11927.01\n"
      "CH2;R1;3.269877;1929.04;964.52;4409.25\n")
PER_M3 = {"CH1": {"zement": 539.0, "wasser": 162.25, "sand": 676.25},
          "CH2": {"zement": 350.0, "wasser": 175.0, "sand": 800.0}}


def _profile(text: str, volume: str | None = "batch_volume",
             amount_unit: str | None = None) -> ImportProfile:
    header = text.splitlines()[0].split(";")
    fields = ["batch_id", "recipe_id", volume or "ignore"]
    fields += [f"component:{name.split()[0].lower()}" for name in header[3:]]
    columns = [ColumnMapping(source, field, amount_unit if field.startswith("component") else None)
               for source, field in zip(header, fields, strict=True)]
    return ImportProfile(kind=DatasetKind.BATCHES, columns=columns)


def _normalise(tmp_path: Path, text: str, profile: ImportProfile) -> NormalisedImport:
    path = write_text(tmp_path / "chargen.csv", text)
    table = DelimitedTextReader().read(path).tables[0]
    return normalise(table, profile, path.name)


def _errors(result: NormalisedImport) -> list[Finding]:
    return [f for f in result.findings if f.severity is Severity.ERROR]


def _amounts(result: NormalisedImport) -> dict[str, dict[str, float]]:
    frame = result.frames["batch_amounts"]
    assert set(frame["unit"]) == {"kg/m³"}
    return {batch: dict(zip(group["material"], group["amount"], strict=True))
            for batch, group in frame.groupby("batch_id")}


def test_kg_per_batch_and_the_batch_volume_give_kg_per_m3(tmp_path: Path) -> None:
    result = _normalise(tmp_path, METRIC, _profile(METRIC))
    assert result.ok, result.findings
    amounts = _amounts(result)
    for batch, expected in PER_M3.items():
        assert amounts[batch] == pytest.approx(expected)


def test_lb_per_batch_and_cubic_yards_give_the_same_kg_per_m3(tmp_path: Path) -> None:
    result = _normalise(tmp_path, US, _profile(US))
    assert result.ok, result.findings
    amounts = _amounts(result)
    for batch, expected in PER_M3.items():
        renamed = {{"zement": "cement", "wasser": "water"}.get(k, k): v
                   for k, v in expected.items()}
        assert amounts[batch] == pytest.approx(renamed, rel=1e-5)


def test_amounts_already_per_m3_are_not_divided_by_the_volume(tmp_path: Path) -> None:
    text = METRIC.replace("[kg]", "[kg/m³]").replace("4312,0", "539,0")
    result = _normalise(tmp_path, text, _profile(text))
    assert result.ok, result.findings
    assert _amounts(result)["CH1"]["zement"] == pytest.approx(539.0)


def test_kg_per_batch_without_a_volume_is_refused_naming_the_volume_column(
        tmp_path: Path) -> None:
    [error] = _errors(_normalise(tmp_path, METRIC, _profile(METRIC, volume=None)))
    assert (error.file, error.row, error.column) == ("chargen.csv", 1, "Zement [kg]")
    assert "'Wasser [kg]'" in error.reason and "'Sand [kg]'" in error.reason
    assert "map the column 'Menge [m³]' to batch_volume" in error.reason


def test_a_file_without_a_volume_column_is_told_what_to_add(tmp_path: Path) -> None:
    text = "Batch;Recipe;Cement;Water\nB1;R1;2400;1400\n"
    profile = ImportProfile(kind=DatasetKind.BATCHES, columns=[
        ColumnMapping("Batch", "batch_id"), ColumnMapping("Recipe", "recipe_id"),
        ColumnMapping("Cement", "component:cement", "lb"),
        ColumnMapping("Water", "component:water", "lb")])
    [error] = _errors(_normalise(tmp_path, text, profile))
    assert error.column == "Cement"
    assert "amounts in lb are per batch" in error.reason
    assert "add the batch volume column" in error.reason and "'Volume (yd3)'" in error.reason


def test_alloy_charge_weights_are_not_concrete_amounts(tmp_path: Path) -> None:
    text = "Heat;Grade;FeCr;Scrap\nH1;316L;850;6000\n"
    profile = ImportProfile(kind=DatasetKind.BATCHES, columns=[
        ColumnMapping("Heat", "batch_id"), ColumnMapping("Grade", "recipe_id"),
        ColumnMapping("FeCr", "component:FeCr", "kg"),
        ColumnMapping("Scrap", "component:Scrap", "kg")])
    assert _normalise(tmp_path, text, profile).ok


@pytest.mark.parametrize(
    ("volume", "unit", "row", "reason"),
    [
        ("0", "m³", 2, "batch volume 0 m³ must be more than 0"),
        ("", "m³", 2, "no batch volume for this batch's amounts"),
        ("8", None, 1, "the batch volume has no unit"),
        ("8", "kg", 1, "is in 'kg', which is not a volume; use m³ or yd³"),
    ],
)
def test_a_bad_batch_volume_is_named(tmp_path: Path, volume: str, unit: str | None, row: int,
                                     reason: str) -> None:
    text = f"Batch;Recipe;Size;Cement [kg]\nB1;R1;{volume};2400\n"
    profile = ImportProfile(kind=DatasetKind.BATCHES, columns=[
        ColumnMapping("Batch", "batch_id"), ColumnMapping("Recipe", "recipe_id"),
        ColumnMapping("Size", "batch_volume", unit),
        ColumnMapping("Cement [kg]", "component:cement")])
    errors = _errors(_normalise(tmp_path, text, profile))
    assert [(e.row, e.column) for e in errors] == [(row, "Size")]
    assert reason in errors[0].reason


def test_the_import_stores_per_m3_or_nothing(tmp_path: Path) -> None:
    project = tmp_path / "plant.formix"
    services.create_project(project)
    services.import_files(project, [write_text(
        tmp_path / "rezepte.csv", "recipe_id,Zement (kg/m3),Wasser (kg/m3),Sand (kg/m3)\n"
                                  "R1,350,175,800\n")], kind="recipes")
    batches = write_text(tmp_path / "chargen.csv", METRIC)
    before = sha256_of(project)
    with pytest.raises(ImportRejected):
        services.import_files(project, [batches], profile=_profile(METRIC, volume=None))
    assert sha256_of(project) == before
    services.import_files(project, [batches], profile=_profile(METRIC))
    with ProjectStore.open(project) as store:
        stored = store.read("batch_amounts")
    ch2 = stored[stored["batch_id"] == "CH2"].set_index("material")
    assert ch2["amount"].to_dict() == pytest.approx(PER_M3["CH2"])
    assert set(ch2["unit"]) == {"kg/m³"}


@pytest.mark.parametrize("text", [METRIC, US])
def test_the_batch_volume_column_is_guessed_and_the_amounts_become_per_m3(
        tmp_path: Path, text: str) -> None:
    project = tmp_path / "plant.formix"
    services.create_project(project)
    services.import_files(project, [write_text(
        tmp_path / "rezepte.csv", "recipe_id,Zement (kg/m3),Wasser (kg/m3),Sand (kg/m3)\n"
                                  "R1,350,175,800\n")], kind="recipes")
    batches = write_text(tmp_path / "chargen.csv", text.replace("Cement", "Zement")
                         .replace("Water", "Wasser"))
    services.import_files(project, [batches], kind="batches")  # no profile
    with ProjectStore.open(project) as store:
        stored = store.read("batch_amounts")
    ch1 = stored[stored["batch_id"] == "CH1"].set_index("material")["amount"].to_dict()
    assert ch1 == pytest.approx(PER_M3["CH1"], rel=1e-5)


def test_a_volume_in_a_historian_log_stays_a_tag(tmp_path: Path) -> None:
    from engine.ingest.suggest import suggest_profile

    path = write_text(tmp_path / "log.csv", "Timestamp,Volume [m3],Temp [C]\n"
                                            "2023-01-02 06:00,3,12\n2023-01-02 06:01,3,13\n")
    profile = suggest_profile(DelimitedTextReader().read(path).tables[0])
    assert profile.kind is DatasetKind.PROCESS_SERIES
    assert {c.source: c.field for c in profile.columns}["Volume [m3]"] == "tag:Volume"
