"""A lab sheet that gives a property twice (``YS (ksi)`` and ``Yield Strength (psi)``): the
suggested mapping keeps the first column and says so; a profile mapping both is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import ImportRejected, Severity
from engine.ingest import ColumnMapping, ImportProfile
from engine.schema import DatasetKind
from engine.storage import ProjectStore
from tests.engine.plant_files import write_text

LAB = "Heat No.,YS (ksi),UTS (ksi),Yield Strength (psi)\nH1,100.0,120.0,100500\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "shop.formix"
    services.create_project(path)
    return path


def test_the_suggested_mapping_keeps_the_first_column(project: Path, tmp_path: Path) -> None:
    lab = write_text(tmp_path / "lab_abbrev.csv", LAB)
    result = services.import_files(project, [lab], kind="lab_results")
    warned = [w for w in result.warnings if w.column == "Yield Strength (psi)"]
    assert len(warned) == 1 and warned[0].severity is Severity.WARNING
    assert warned[0].file == "lab_abbrev.csv"  # the file as given, with its extension
    assert "'YS (ksi)'" in warned[0].reason and "ignored" in warned[0].reason
    with ProjectStore.open(project) as store:
        lab_results = store.read("lab_results")
    strength = lab_results.loc[lab_results["property"] == "yield_strength", "value"]
    assert strength.tolist() == pytest.approx([100.0 * 6.894757])  # from ksi, not the psi column


def test_a_profile_mapping_both_columns_is_one_error(project: Path, tmp_path: Path) -> None:
    lab = write_text(tmp_path / "lab_abbrev.csv", LAB)
    profile = ImportProfile(kind=DatasetKind.LAB_RESULTS, columns=[
        ColumnMapping("Heat No.", "batch_id"),
        ColumnMapping("YS (ksi)", "property:yield_strength", "ksi"),
        ColumnMapping("Yield Strength (psi)", "property:yield_strength", "psi"),
    ])
    with pytest.raises(ImportRejected) as rejected:
        services.import_files(project, [lab], profile=profile)
    message = str(rejected.value)
    assert "(1 error):" in message
    assert "columns 'YS (ksi)' and 'Yield Strength (psi)' both map to" in message
