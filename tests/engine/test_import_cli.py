"""``formix import`` as a plant user runs it: dotted dates, hand-edited profiles, dry runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.cli import main
from engine.storage import ProjectStore
from tests.engine.plant_files import sha256_of, write_text


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "plant.formix"
    services.create_project(path)
    return path

RECIPES = "Recipe;Cement [kg/m³];Water [kg/m³]\nR1;300,0;180,0\nR2;350,0;175,0\n"
# every day is 12 or less: only the separator says these are 10 January and 2 March
BATCHES = "Batch;Recipe;Start\nB1;R1;10.01.2024 08:00\nB2;R2;02.03.2024 09:30\n"
BROKEN = ("Batch;Recipe;Start;Cement [kg/m³]\nB1;R1;10.01.2024 08:00;n.b.\n"
          "B1;R2;02.03.2024 09:30;300\n")


def _import(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main(["import", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _start_times(project: Path, tmp_path: Path) -> dict[str, str]:
    """Batch start times as ``formix table`` writes them."""
    out = tmp_path / "table.csv"
    assert main(["table", str(project), "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype=str)
    return dict(zip(table["batch_id"], table["start_time"], strict=True))


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


def test_dotted_batch_dates_are_read_day_first_through_to_the_table(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipes = write_text(tmp_path / "r.csv", RECIPES)
    batches = write_text(tmp_path / "b.csv", BATCHES)
    assert _import(capsys, project, recipes, batches)[0] == 0
    assert _start_times(project, tmp_path) == {"B1": "2024-01-10T08:00:00+0000",
                                               "B2": "2024-03-02T09:30:00+0000"}


def test_a_hand_written_profile_without_dayfirst_reads_dotted_dates_day_first(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = write_text(tmp_path / "chargen.toml", 'kind = "batches"\ntimezone = "Europe/Berlin"\n'
                         + "".join(f'[[columns]]\nsource = "{source}"\nfield = "{field}"\n'
                                   for source, field in (("Batch", "batch_id"),
                                                         ("Recipe", "recipe_id"),
                                                         ("Start", "start_time"))))
    assert _import(capsys, project, write_text(tmp_path / "r.csv", RECIPES))[0] == 0
    assert _import(capsys, project, write_text(tmp_path / "b.csv", BATCHES),
                   "--profile", profile)[0] == 0
    assert _start_times(project, tmp_path) == {"B1": "2024-01-10T07:00:00+0000",  # CET
                                               "B2": "2024-03-02T08:30:00+0000"}


def test_a_historian_log_of_early_january_stays_in_january(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_text(tmp_path / "prozessdaten.csv", "Zeitstempel;Mischertemperatur [°C]\n"
                     "02.01.2023 05:30;12,0\n03.01.2023 05:30;11,8\n04.01.2023 19:59;13,1\n")
    assert _import(capsys, project, log)[0] == 0
    with ProjectStore.open(project) as store:
        times = store.read("process_series")["time"]
    assert [str(t) for t in times] == ["2023-01-02 05:30:00+00:00", "2023-01-03 05:30:00+00:00",
                                       "2023-01-04 19:59:00+00:00"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kind = "recipes"\ntimezone = "Europe/Berlin"\ndayfirst = ja\n',
         "line 3, column 12: invalid TOML (Invalid value) in 'dayfirst = ja'"),
        ('kind = "recipes"\n[[columns]]\nsource = "Recipe"\nfield = "recipe_id"\n'
         '[[columns]]\nsource = "Cement [kg/m³]"\nfield = "komponente:zement"\n',
         "line 7, columns entry 2 ('Cement [kg/m³]'), key 'field': unknown field "
         "'komponente:zement'"),
    ],
)
def test_a_bad_profile_is_reported_not_a_traceback(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
        message: str) -> None:
    profile = write_text(tmp_path / "rezepte.toml", text)
    code, out, err = _import(capsys, project, write_text(tmp_path / "r.csv", RECIPES),
                             "--profile", profile, "--dry-run")
    assert code == 1 and out == ""
    assert err.startswith(f"formix: {profile}: invalid import profile: {message}")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # errors in the file itself (a text amount, a duplicate batch id) and, in the same
        # run, against the project (recipes it does not hold)
        ("broken.csv", BROKEN, [
            "error: broken.csv, row 2, column 'Cement [kg/m³]': text 'n.b.' in a numeric "
            "column (amount)",
            "error: broken.csv, row 3, column 'Batch': duplicate batch id 'B1' (first at row 2)",
            *(f"error: broken.csv, row {row}, column 'Recipe': batch refers to recipe {recipe}, "
              "which is neither in the project nor in this import"
              for row, recipe in ((2, "R1"), (3, "R2"))),
        ]),
        # errors against the project: the batches name recipes it does not hold
        ("batches.csv", BATCHES, [
            f"error: batches.csv, row {row}, column 'Recipe': batch refers to recipe {recipe}, "
            "which is neither in the project nor in this import"
            for row, recipe in ((2, "R1"), (3, "R2"))
        ]),
    ],
)
def test_a_dry_run_reports_what_the_import_rejects_and_writes_nothing(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
        text: str, expected: list[str]) -> None:
    path = write_text(tmp_path / name, text)
    before = sha256_of(project)
    dry_code, dry_out, dry_err = _import(capsys, project, path, "--dry-run")
    assert sha256_of(project) == before
    code, _out, err = _import(capsys, project, path)
    assert (dry_code, code) == (1, 1)
    assert _errors(dry_err) == _errors(err)
    assert sorted(_errors(err)) == sorted(expected)
    assert f"{name}: batches" in dry_out  # the mapping is shown first
    assert sha256_of(project) == before


def test_a_dry_run_of_good_files_shows_the_import_and_writes_nothing(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [write_text(tmp_path / "r.csv", RECIPES), write_text(tmp_path / "b.csv", BATCHES)]
    before = sha256_of(project)
    code, out, _err = _import(capsys, project, *files, "--dry-run")
    assert code == 0
    assert sha256_of(project) == before
    assert services.project_summary(project).counts["imports"] == 0
    assert "b.csv: batches; dates read day first" in out
    assert "  'Start'" in out and "→ start_time" in out
    assert "would import b.csv as batches: 2 batches" in out
    assert out.rstrip().endswith("dry run: the import would succeed; nothing was written")
    code, real, _err = _import(capsys, project, *files)  # the dry run did not use them up
    assert code == 0
    assert "imported b.csv as batches (import 2): 2 batches" in real
    warnings = [line for line in real.splitlines() if line.startswith("warning:")]
    assert warnings  # materials added to the catalogue
    assert [line for line in out.splitlines() if line.startswith("warning:")] == warnings


def test_a_json_dry_run_prints_the_mapping_and_the_findings(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipes = write_text(tmp_path / "r.csv", RECIPES)
    code, out, _err = _import(capsys, project, recipes, "--kind", "recipes", "--dry-run",
                              "--json")
    shown = json.loads(out)
    assert code == 0 and shown["ok"] and shown["dry_run"]
    [mapping] = shown["mappings"]
    assert mapping["file"] == "r.csv" and mapping["kind"] == "recipes"
    assert [c["field"] for c in mapping["columns"]] == [
        "recipe_id", "component:cement", "component:water"]
    assert shown["files"][0]["counts"]["recipes"] == 2
    assert shown["files"][0]["import_id"] is None
    broken = write_text(tmp_path / "broken.csv", BROKEN)
    code, out, _err = _import(capsys, project, broken, "--dry-run", "--json")
    dry = json.loads(out)
    assert code == 1 and not dry["ok"]
    code, out, _err = _import(capsys, project, broken, "--json")
    assert code == 1
    assert dry["findings"] == json.loads(out)["findings"] != []
