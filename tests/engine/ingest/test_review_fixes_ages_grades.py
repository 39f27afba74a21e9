"""Review fixes: one property measured at several test ages imports at each age (guessed or by
hand), and a steel grade names the recipe only on a grade's composition or a heat list."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.errors import ImportRejected
from engine.ingest import ColumnMapping, ImportProfile
from engine.ingest.importer import ImportResult
from engine.ingest.reader import SourceTable
from engine.ingest.suggest import suggest_profile
from engine.schema import DatasetKind
from engine.storage import ProjectStore
from tests.engine.plant_files import write_text

RECIPES = ("Recipe,Cement (kg/m3),Water (kg/m3),Sand (kg/m3),Gravel (kg/m3)\n"
           "R1,350,175,800,1000\nR2,400,180,780,990\n")
BATCHES = ("Batch,Recipe,Start,Batch size (m3)\n"
           "B1,R1,2024-01-10 08:00,8\nB2,R2,2024-01-11 08:00,8\n")
PSI = 0.006894757  # MPa


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "plant.formix"
    services.create_project(path)
    return path


def _import(project: Path, tmp_path: Path, lab: str,
            profile: ImportProfile | None = None) -> ImportResult:
    files = [write_text(tmp_path / name, text)
             for name, text in (("recipes.csv", RECIPES), ("batches.csv", BATCHES))]
    services.import_files(project, files)
    return services.import_files(project, [write_text(tmp_path / "lab.csv", lab)],
                                 profile=profile)


def _strengths(project: Path) -> dict[tuple[str, float], float]:
    """(batch, test age) → compressive strength in MPa, with one lab result per key."""
    with ProjectStore.open(project) as store:
        lab = store.read("lab_results")
    assert set(lab["property"]) == {"compressive_strength"}
    assert (lab["replicate"] == 1).all()
    return {(b, a): v for b, a, v in lab[["batch_id", "test_age_days", "value"]].itertuples(
        index=False)}


@pytest.mark.parametrize(("headers", "unit"), [
    (("7-Day Compressive Strength (psi)", "28-Day Compressive Strength (psi)",
      "56-Day Compressive Strength (psi)"), PSI),
    (("Compressive strength (7 days) (MPa)", "Compressive strength (28 days) (MPa)",
      "Compressive strength (56 days) (MPa)"), 1.0),
])
def test_a_strength_column_per_test_age_imports_at_every_age(
    project: Path, tmp_path: Path, headers: tuple[str, str, str], unit: float,
) -> None:
    lab = f"Batch,{','.join(headers)}\nB1,3000,4500,5000\nB2,3200,4800,5300\n"
    result = _import(project, tmp_path, lab)
    assert not [w for w in result.warnings if w.column in headers]
    assert _strengths(project) == pytest.approx({
        ("B1", 7.0): 3000 * unit, ("B1", 28.0): 4500 * unit, ("B1", 56.0): 5000 * unit,
        ("B2", 7.0): 3200 * unit, ("B2", 28.0): 4800 * unit, ("B2", 56.0): 5300 * unit,
    })
    table, report = services.modelling_table(project)
    assert report.counts["lab_results_linked"] == 6
    rows = table.frame.set_index(["batch_id", "test_age_days"])["compressive_strength"]
    assert rows.to_dict() == pytest.approx({
        ("B1", 7.0): 3000 * unit, ("B1", 28.0): 4500 * unit, ("B1", 56.0): 5000 * unit,
        ("B2", 7.0): 3200 * unit, ("B2", 28.0): 4800 * unit, ("B2", 56.0): 5300 * unit,
    })


def test_the_same_property_twice_at_one_age_keeps_the_first_column(
    project: Path, tmp_path: Path,
) -> None:
    lab = ("Batch,7-Day Compressive Strength (psi),28-Day Compressive Strength (psi),"
           "Compressive strength (28 days) (MPa)\nB1,3000,4500,99\nB2,3200,4800,99\n")
    result = _import(project, tmp_path, lab)
    warned = [w for w in result.warnings if w.column == "Compressive strength (28 days) (MPa)"]
    assert len(warned) == 1
    assert "'28-Day Compressive Strength (psi)'" in warned[0].reason
    assert "at 28 d" in warned[0].reason and "ignored" in warned[0].reason
    assert _strengths(project) == pytest.approx({
        ("B1", 7.0): 3000 * PSI, ("B1", 28.0): 4500 * PSI,
        ("B2", 7.0): 3200 * PSI, ("B2", 28.0): 4800 * PSI,
    })


def _profile(*ages: float | None, names: tuple[str, ...] = ()) -> ImportProfile:
    names = names or ("compressive_strength",) * len(ages)
    return ImportProfile(kind=DatasetKind.LAB_RESULTS, columns=[
        ColumnMapping("Batch", "batch_id"),
        *(ColumnMapping(f"S{i}", f"property:{name}", "MPa", age)
          for i, (name, age) in enumerate(zip(names, ages, strict=True), start=1)),
    ])


def test_a_profile_maps_one_property_at_three_ages(project: Path, tmp_path: Path) -> None:
    lab = "Batch,S1,S2,S3\nB1,20,31,34\nB2,22,33,36\n"
    _import(project, tmp_path, lab, _profile(7, 28, 56))
    assert _strengths(project) == pytest.approx({
        ("B1", 7.0): 20, ("B1", 28.0): 31, ("B1", 56.0): 34,
        ("B2", 7.0): 22, ("B2", 28.0): 33, ("B2", 56.0): 36,
    })


@pytest.mark.parametrize(("ages", "names"), [
    ((28, 28), ("compressive_strength", "Compressive strength")),
    ((None, None), ("compressive_strength", "Compressive Strength")),
])
def test_a_profile_giving_a_property_twice_at_one_age_is_refused(
    project: Path, tmp_path: Path, ages: tuple[float | None, ...], names: tuple[str, ...],
) -> None:
    lab = "Batch,S1,S2\nB1,31,32\n"
    with pytest.raises(ImportRejected) as rejected:
        _import(project, tmp_path, lab, _profile(*ages, names=names))
    message = str(rejected.value)
    assert "(1 error):" in message
    assert "columns 'S1' and 'S2' both map to property:compressive_strength" in message
    with ProjectStore.open(project) as store:
        assert store.read("lab_results").empty


HISTORIAN = ("Time,Heat,Grade,Bath temperature (°C),Power (MW)\n"
             "2024-03-01 08:00,H101,S355,1580,42.1\n2024-03-01 08:01,H101,S355,1584,42.5\n"
             "2024-03-01 08:02,H101,S355,1590,41.8\n2024-03-01 09:00,H102,S235,1575,40.2\n"
             "2024-03-01 09:01,H102,S235,1581,40.9\n")
HEAT_CHEMISTRY = ("Schmelze;Güte;Datum;Menge [t];C [%];Mn [%];Si [%];Fe [%]\n"
                  "1001;S355;01.03.2024;120;0,18;1,40;0,25;98,17\n"
                  "1002;S355;02.03.2024;118;0,20;1,35;0,30;98,15\n"
                  "1003;S235;03.03.2024;121;0,12;0,80;0,20;98,88\n")


def test_a_historian_log_with_a_grade_imports_as_process_series(
    project: Path, tmp_path: Path,
) -> None:
    result = services.import_files(project, [write_text(tmp_path / "eaf.csv", HISTORIAN)])
    assert [f.kind for f in result.files] == ["process_series"]
    with ProjectStore.open(project) as store:
        series = store.read("process_series")
        assert store.read("batches").empty
    assert len(series) == 10  # 5 rows × 2 tags
    assert set(series["batch_id"]) == {"H101", "H102"}


def test_a_heat_chemistry_file_imports_as_samples_with_the_grade_as_family(
    project: Path, tmp_path: Path,
) -> None:
    files = [write_text(tmp_path / "schmelzen.csv", HEAT_CHEMISTRY)]
    result = services.import_files(project, files)
    assert [f.kind for f in result.files] == ["samples"]
    with ProjectStore.open(project) as store:
        recipes, batches = store.read("recipes"), store.read("batches")
        carbon = store.read("recipe_components").query("material == 'C'")
    assert sorted(batches["batch_id"]) == ["1001", "1002", "1003"]
    assert len(recipes) == 3  # one per heat: each heat has its own analysis
    assert sorted(recipes["family"]) == ["S235", "S355", "S355"]
    assert sorted(carbon["amount"]) == pytest.approx([0.12, 0.18, 0.20])


def test_a_heat_list_repeating_a_heat_keeps_the_grade_as_family() -> None:
    """Several rows per heat is a log, not a heat list: the grade names no recipe."""
    frame = pd.DataFrame({"Heat No.": ["H1", "H1", "H2"], "Grade": ["G1", "G1", "G2"],
                          "Melt Date": ["01/05/2023", "01/05/2023", "01/16/2023"]}, dtype=object)
    profile = suggest_profile(SourceTable("heats", frame, pd.RangeIndex(2, 5).to_numpy()))
    fields = {c.source: c.field for c in profile.columns}
    assert fields["Grade"] != "recipe_id"
    unique = frame.assign(**{"Heat No.": ["H1", "H2", "H3"]})
    fields = {c.source: c.field
              for c in suggest_profile(SourceTable("heats", unique,
                                                   pd.RangeIndex(2, 5).to_numpy())).columns}
    assert (fields["Heat No."], fields["Grade"]) == ("batch_id", "recipe_id")


def test_the_dry_run_shows_each_strength_column_s_age(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main

    lab = write_text(tmp_path / "lab.csv", "Batch,7-Day Compressive Strength (psi),"
                     "28-Day Compressive Strength (psi)\nB1,3000,4500\n")
    main(["import", str(project), str(lab), "--dry-run"])
    shown = capsys.readouterr().out
    assert "→ property:compressive_strength [psi] at 7 d" in shown
    assert "→ property:compressive_strength [psi] at 28 d" in shown
