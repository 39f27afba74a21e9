"""The project store: create, open, migrate, transactions, model versions."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from engine.storage import PendingFile, ProjectError, ProjectStore


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pending(frames: dict[str, pd.DataFrame], name: str = "f.csv") -> PendingFile:
    return PendingFile("recipes", name, f"/data/{name}", "0" * 64, 1, "{}", "[]", frames)


def _recipe_frames(recipe_id: str = "R1") -> dict[str, pd.DataFrame]:
    return {
        "recipes": pd.DataFrame({"recipe_id": [recipe_id], "version": [1], "name": [None],
                                 "family": ["concrete"], "source_row": [2]}),
        "recipe_components": pd.DataFrame({"recipe_id": [recipe_id] * 2, "version": [1, 1],
                                           "material": ["cement", "water"],
                                           "amount": [350.0, 175.0], "unit": ["kg/m³"] * 2}),
    }


def test_create_makes_wal_sqlite_at_head_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "p.formix"
    with ProjectStore.create(path) as store:
        assert store.revision() is not None
        assert all(count == 0 for count in store.counts().values())
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    with pytest.raises(ProjectError, match="already exists"):
        ProjectStore.create(path)


def test_open_refuses_missing_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no such project"):
        ProjectStore.open(tmp_path / "missing.formix")
    junk = tmp_path / "junk.formix"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ProjectError, match="not a Formix project"):
        ProjectStore.open(junk)


def test_open_refuses_a_project_from_a_newer_formix(tmp_path: Path) -> None:
    path = tmp_path / "p.formix"
    ProjectStore.create(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num='9999_future'")
    with pytest.raises(ProjectError, match="newer Formix"):
        ProjectStore.open(path)


def test_a_0001_project_with_samples_is_upgraded_after_a_backup(tmp_path: Path) -> None:
    """Revision 0002 moved samples into columnar chunks: old samples must survive it."""
    from alembic import command

    from engine.storage.project_store import _make_engine, _migrations_config, database_url

    path = tmp_path / "old.formix"
    engine = _make_engine(database_url(path))
    with engine.begin() as connection:
        command.upgrade(_migrations_config(connection), "0001")
        connection.exec_driver_sql(
            "INSERT INTO imports VALUES (1, 1, 'process_series', 'log.csv', '/x/log.csv', 'ab', "
            "0, 3, '{}', '[]')")
        connection.exec_driver_sql("INSERT INTO process_tags VALUES (1, 'temp', '°C')")
        connection.exec_driver_sql(
            "INSERT INTO process_series (tag_id, time_us, value, batch_id, import_id, source_row)"
            " VALUES (1, 1000000, 20.5, NULL, 1, 2), (1, 2000000, 21.0, 'B7', 1, 3)")
    engine.dispose()
    with ProjectStore.open(path) as store:
        assert store.revision() != "0001"
        samples = store.read("process_series")
        assert store.counts()["process_series"] == 2
    assert samples["value"].tolist() == [20.5, 21.0]
    assert samples["source_row"].tolist() == [2, 3]
    assert samples["batch_id"].iloc[1] == "B7"
    assert list((tmp_path).glob("old.formix.before-*.bak"))


def test_write_import_round_trips_and_traces_rows(tmp_path: Path) -> None:
    with ProjectStore.create(tmp_path / "p.formix") as store:
        [import_id] = store.write_import([_pending(_recipe_frames())])
        recipes = store.read("recipes")
        components = store.read("recipe_components")
        imports = store.read("imports")
    assert recipes.loc[0, "recipe_id"] == "R1"
    assert recipes.loc[0, "import_id"] == import_id
    assert recipes.loc[0, "source_row"] == 2
    assert sorted(components["material"]) == ["cement", "water"]
    assert components.set_index("material").loc["cement", "amount"] == 350.0
    assert imports.loc[0, "file_name"] == "f.csv"


def test_a_failing_write_leaves_the_database_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "p.formix"
    with ProjectStore.create(path) as store:
        store.write_import([_pending(_recipe_frames("R1"))])
    before = _sha(path)
    with ProjectStore.open(path) as store:
        # The second file repeats R1 v1: the unique constraint fails mid-transaction.
        with pytest.raises(Exception, match="UNIQUE"):
            store.write_import([_pending(_recipe_frames("R2"), "a.csv"),
                                _pending(_recipe_frames("R1"), "b.csv")])
        assert store.counts()["recipes"] == 1
        assert store.counts()["imports"] == 1
    assert _sha(path) == before


def test_process_series_bulk_path_round_trips_times_and_tags(tmp_path: Path) -> None:
    times = pd.date_range("2024-03-31 00:00", periods=6, freq="30min", tz="Europe/Berlin")
    series = pd.DataFrame({
        "tag": ["t1", "t2"] * 3,
        "time": times,
        "value": [1.0, float("nan"), 3.0, 4.0, 5.0, 6.0],
        "unit": ["degC", "rpm"] * 3,
        "batch_id": [None, "B1", None, None, "B2", None],
        "source_row": range(2, 8),
    })
    with ProjectStore.create(tmp_path / "p.formix") as store:
        store.write_import([_pending({"process_series": series})])
        back = store.read("process_series").sort_values("source_row", ignore_index=True)
        window = store.series_between(times[1], times[3], tags=["t2"])
    assert list(back["tag"].astype(str)) == ["t1", "t2"] * 3
    assert (back["time"] == times.tz_convert("UTC")).all()
    assert back["value"].isna().tolist() == [False, True, False, False, False, False]
    assert back["batch_id"].isna().tolist() == [True, False, True, True, False, True]
    assert back["batch_id"].iloc[[1, 4]].tolist() == ["B1", "B2"]
    assert list(back["unit"].astype(str)) == ["degC", "rpm"] * 3
    assert window["time"].tolist() == [times[1], times[3]]
    assert window["value"].isna().tolist() == [True, False]


def test_model_versions_are_kept_and_listed(tmp_path: Path) -> None:
    with ProjectStore.create(tmp_path / "p.formix") as store:
        v1 = store.save_model_version("strength", {"a.txt": b"1"}, {"target": "s"}, "x" * 64)
        v2 = store.save_model_version("strength", {"a.txt": b"2"}, {"target": "s"}, "y" * 64)
        assert (v1, v2) == (1, 2)
        assert store.load_model_files("strength") == (2, {"a.txt": b"2"})
        assert store.load_model_files("strength", 1) == (1, {"a.txt": b"1"})
        listing = store.model_versions()
    assert listing["version"].tolist() == [1, 2]


def test_settings_round_trip(tmp_path: Path) -> None:
    with ProjectStore.create(tmp_path / "p.formix") as store:
        store.set_setting("link_options", {"lead_seconds": 60})
        store.set_setting("link_options", {"lead_seconds": 120})
        assert store.get_setting("link_options") == {"lead_seconds": 120}
        assert store.get_setting("absent", "default") == "default"
