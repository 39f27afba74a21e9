"""Importing through the service API: project checks, versions, all-or-nothing, traceability."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import ImportRejected, Severity
from engine.storage import ProjectStore
from tests.engine.plant_files import sha256_of, write_text


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "plant.formix"
    services.create_project(path)
    return path


RECIPES = "recipe_id,Cement (kg/m3),Water (kg/m3),Fly ash (kg/m3)\nR1,350,175,50\nR2,300,180,100\n"
BATCHES = (
    "batch_id,recipe_id,start_time,end_time,Cement (kg/m3),Water (kg/m3),Fly ash (kg/m3)\n"
    "B1,R1,2024-05-01T08:00:00Z,2024-05-01T08:03:00Z,351,174,50\n"
    "B2,R2,2024-05-01T09:00:00Z,2024-05-01T09:03:00Z,299,181,101\n"
)


def test_recipes_then_batches_import_and_trace_to_their_rows(project: Path, tmp_path: Path) -> None:
    services.import_files(project, [write_text(tmp_path / "recipes.csv", RECIPES)], kind="recipes")
    result = services.import_files(project, [write_text(tmp_path / "batches.csv", BATCHES)],
                                   kind="batches")
    assert [f.kind for f in result.files] == ["batches"]
    with ProjectStore.open(project) as store:
        batches = store.read("batches")
        amounts = store.read("batch_amounts")
        imports = store.read("imports")
        materials = store.read("materials")
    assert batches["batch_id"].tolist() == ["B1", "B2"]
    assert batches["source_row"].tolist() == [2, 3]
    b1 = amounts[amounts["batch_id"] == "B1"].set_index("material")["amount"]
    assert b1.to_dict() == pytest.approx({"cement": 351.0, "water": 174.0, "fly_ash": 50.0})
    assert set(imports["file_name"]) == {"recipes.csv", "batches.csv"}
    kinds = materials.set_index("material")["kind"].to_dict()
    assert kinds == {"cement": "cement", "water": "water", "fly_ash": "fly_ash"}


def test_a_batch_naming_a_missing_recipe_rejects_everything(project: Path, tmp_path: Path) -> None:
    recipes = write_text(
        tmp_path / "recipes.csv", "recipe_id,Cement (kg/m3),Water (kg/m3)\nR1,350,175\n"
    )
    batches = write_text(tmp_path / "batches.csv", BATCHES)  # B2 names R2, which is nowhere
    before = sha256_of(project)
    with pytest.raises(ImportRejected) as rejected:
        services.import_sources(project, [
            services.ImportSource(recipes, services.DatasetKind.RECIPES),
            services.ImportSource(batches, services.DatasetKind.BATCHES),
        ])
    [finding] = [f for f in rejected.value.findings if f.severity is Severity.ERROR]
    assert (finding.file, finding.row, finding.column) == ("batches.csv", 3, "recipe_id")
    assert "R2" in finding.reason
    assert sha256_of(project) == before
    assert services.project_summary(project).counts["recipes"] == 0


def test_the_same_file_twice_is_refused(project: Path, tmp_path: Path) -> None:
    recipes = write_text(tmp_path / "recipes.csv", RECIPES)
    services.import_files(project, [recipes], kind="recipes")
    before = sha256_of(project)
    with pytest.raises(ImportRejected, match="already imported"):
        services.import_files(project, [recipes], kind="recipes")
    assert sha256_of(project) == before


def test_a_duplicate_batch_id_across_imports_is_refused(project: Path, tmp_path: Path) -> None:
    services.import_files(project, [write_text(tmp_path / "recipes.csv", RECIPES)], kind="recipes")
    services.import_files(project, [write_text(tmp_path / "b1.csv", BATCHES)], kind="batches")
    again = write_text(tmp_path / "b2.csv", BATCHES.replace("2024-05-01", "2024-06-01"))
    with pytest.raises(ImportRejected) as rejected:
        services.import_files(project, [again], kind="batches")
    rows = sorted((f.row, f.column) for f in rejected.value.findings)
    assert rows == [(2, "batch_id"), (3, "batch_id")]


def test_changed_recipes_become_new_versions_and_identical_ones_are_reused(
    project: Path, tmp_path: Path
) -> None:
    services.import_files(project, [write_text(tmp_path / "v1.csv", RECIPES)], kind="recipes")
    changed = RECIPES.replace("R1,350,175,50", "R1,360,175,40")
    result = services.import_files(project, [write_text(tmp_path / "v2.csv", changed)],
                                   kind="recipes")
    assert any("version 2" in w.reason for w in result.warnings)
    with ProjectStore.open(project) as store:
        recipes = store.read("recipes")
        components = store.read("recipe_components")
    assert sorted(zip(recipes["recipe_id"], recipes["version"], strict=True)) == [
        ("R1", 1), ("R1", 2), ("R2", 1)]
    r1v2 = components[(components["recipe_id"] == "R1") & (components["version"] == 2)]
    assert r1v2.set_index("material")["amount"].to_dict() == pytest.approx(
        {"cement": 360.0, "water": 175.0, "fly_ash": 40.0})


def test_historian_values_in_percent_may_exceed_100(project: Path, tmp_path: Path) -> None:
    log = write_text(tmp_path / "log.csv", "tag,time,value,unit\nmixer_load,2024-05-01T08:00:00Z,"
                     "104.5,%\nmixer_load,2024-05-01T08:00:10Z,98,%\n")
    services.import_files(project, [log], kind="process_series")
    with ProjectStore.open(project) as store:
        assert store.read("process_series")["value"].tolist() == [104.5, 98.0]


def test_a_flat_mix_table_can_be_imported_in_two_parts(project: Path, tmp_path: Path) -> None:
    header = "Cement (kg/m3),Water (kg/m3),Age (days),Strength (MPa)\n"
    first = write_text(tmp_path / "a.csv", header + "350,175,7,30.1\n350,175,28,41.0\n")
    second = write_text(tmp_path / "b.csv", header + "350,175,90,47.5\n300,180,28,35.2\n")
    services.import_files(project, [first], kind="samples")
    services.import_files(project, [second], kind="samples")
    with ProjectStore.open(project) as store:
        assert len(store.read("recipes")) == 2
        assert len(store.read("batches")) == 2
        assert len(store.read("lab_results")) == 4


def test_a_price_list_keeps_the_catalogue_s_densities_and_kinds(project: Path,
                                                                 tmp_path: Path) -> None:
    """Blank cells and missing columns keep what the catalogue holds: importing prices must not
    wipe densities (which 1 m³ studies need) or kinds corrected before."""
    services.import_files(project, [write_text(tmp_path / "recipes.csv", RECIPES)], kind="recipes")
    kinds = write_text(tmp_path / "kinds.csv", "material,kind,density (kg/m3)\nfly_ash,slag,2500\n")
    services.import_files(project, [kinds], kind="materials")
    prices = write_text(tmp_path / "prices.csv",
                        "material,price_per_unit,currency,unit\ncement,0.11,USD,kg\n"
                        "fly_ash,0.05,USD,kg\nwater,,USD,kg\n")
    services.import_files(project, [prices], kind="materials")
    with ProjectStore.open(project) as store:
        catalogue = store.read("materials").set_index("material")
    assert catalogue.loc["cement", "price_per_unit"] == pytest.approx(0.11)
    assert catalogue.loc["cement", "density_kg_m3"] == pytest.approx(3150.0)  # kind default
    assert catalogue.loc["fly_ash", "kind"] == "slag"  # as corrected, not guessed again
    assert catalogue.loc["fly_ash", "density_kg_m3"] == pytest.approx(2500.0)
    assert catalogue.loc["fly_ash", "source"].startswith("prices.csv; kinds.csv")
    assert catalogue.loc["water", "density_kg_m3"] == pytest.approx(1000.0)
