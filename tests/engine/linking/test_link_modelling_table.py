"""build_modelling_table on a small hand-made plant: linking rules and reporting."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from engine.errors import FormixError
from engine.linking import LinkOptions, build_modelling_table
from engine.progress import Cancelled, CancelToken

T0 = pd.Timestamp("2024-05-02 07:00", tz="UTC")


def at(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def plant() -> dict[str, pd.DataFrame]:
    """Two recipes (R1 in two versions), five batches, a short historian log, lab results."""
    components = [("R1", 1, "cement", 300.0), ("R1", 1, "water", 180.0),
                  ("R1", 1, "sand", 800.0),
                  ("R1", 2, "cement", 320.0), ("R1", 2, "fly_ash", 40.0),
                  ("R1", 2, "water", 170.0), ("R1", 2, "sand", 780.0),
                  ("R2", 1, "cement", 400.0), ("R2", 1, "water", 160.0),
                  ("R2", 1, "sand", 700.0)]
    settings = [("R1", 1, "curing", None, "steam"), ("R1", 1, "mixing_time", 90.0, None),
                ("R1", 2, "curing", None, "water"), ("R1", 2, "mixing_time", 120.0, None),
                ("R2", 1, "curing", None, "air"), ("R2", 1, "mixing_time", 60.0, None)]
    batches = [("B1", "R1", None, 0), ("B2", "R1", 1, 30), ("B3", "R2", None, 60),
               ("B4", "R9", None, 90), ("B5", "R1", 7, 120)]
    lab = [("B1", "compressive_strength", 28.0, 40.0), ("B1", "compressive_strength", 28.0, 42.0),
           ("B1", "compressive_strength", 7.0, 30.0), ("B1", "slump", None, 120.0),
           ("B2", "compressive_strength", 28.0, 35.0), ("B3", "compressive_strength", 28.0, 45.0),
           ("X9", "compressive_strength", 28.0, 50.0)]
    return {
        "materials": pd.DataFrame({
            "material": ["cement", "fly_ash", "water", "sand"],
            "kind": ["cement", "fly_ash", "water", "fine_aggregate"],
            "unit": "kg/m**3", "density_kg_m3": [3150.0, 2300.0, 1000.0, 2650.0]}),
        "recipes": pd.DataFrame({"recipe_id": ["R1", "R1", "R2"], "version": [1, 2, 1],
                                 "import_id": 1, "source_row": [2, 3, 4]}),
        "recipe_components": pd.DataFrame(components, columns=["recipe_id", "version",
                                                               "material", "amount"]).assign(
            unit="kg/m**3"),
        "recipe_settings": pd.DataFrame(settings, columns=["recipe_id", "version", "setting",
                                                           "value_num", "value_text"]).assign(
            unit=lambda f: np.where(f["setting"] == "mixing_time", "s", None)),
        "batches": pd.DataFrame({
            "batch_id": [b[0] for b in batches], "recipe_id": [b[1] for b in batches],
            "recipe_version": pd.array([b[2] for b in batches], dtype="Int64"),
            "plant": "North", "line": "L1",
            "start_time": pd.to_datetime([at(b[3]) for b in batches], utc=True),
            "end_time": pd.to_datetime([at(b[3] + 10) for b in batches], utc=True),
            "import_id": 2, "source_row": range(2, 7)}),
        "batch_amounts": pd.DataFrame({
            "batch_id": ["B3", "B3", "B4", "B4"], "material": ["cement", "water"] * 2,
            "amount": [410.0, 150.0, 350.0, 175.0], "unit": "kg/m**3"}),
        "process_series": pd.DataFrame({
            "tag": ["mixer_temp"] * 4, "time": pd.to_datetime([at(5), at(35), at(37), at(300)],
                                                              utc=True),
            "value": [20.0, 22.0, 24.0, 30.0], "unit": "degC", "batch_id": None,
            "import_id": 4, "source_row": [2, 3, 4, 5]}),
        "lab_results": pd.DataFrame(lab, columns=["batch_id", "property", "test_age_days",
                                                  "value"]).assign(
            unit=lambda f: np.where(f["property"] == "slump", "mm", "MPa"), replicate=1,
            import_id=3, source_row=range(2, 9)),
        "imports": pd.DataFrame({"import_id": [1, 2, 3, 4],
                                 "file_name": ["recipes.csv", "batches.csv", "lab.csv",
                                               "hist.csv"]}),
    }


def build(frames: dict[str, pd.DataFrame] | None = None, **options: object):
    return build_modelling_table(frames or plant(), LinkOptions(**options))  # type: ignore[arg-type]


def row(frame: pd.DataFrame, batch: str, age: float | None = None) -> pd.Series:
    rows = frame[frame["batch_id"] == batch]
    if age is not None:
        rows = rows[rows["test_age_days"] == age]
    assert len(rows) == 1
    return rows.iloc[0]


def test_one_row_per_batch_and_test_age_with_replicates_averaged() -> None:
    table, _ = build()
    frame = table.frame
    assert frame["batch_id"].tolist() == ["B1", "B1", "B2", "B3", "B4", "B5"]
    b1_28 = row(frame, "B1", 28.0)
    assert b1_28["compressive_strength"] == pytest.approx(41.0)
    assert b1_28["n_replicates__compressive_strength"] == 2
    assert row(frame, "B1", 7.0)["compressive_strength"] == pytest.approx(30.0)
    # slump has no test age: it belongs to every age row of its batch
    assert b1_28["slump"] == 120.0 and row(frame, "B1", 7.0)["slump"] == 120.0
    assert b1_28["source_lab"] == "lab.csv:2;lab.csv:3;lab.csv:5"
    assert b1_28["source_batch"] == "batches.csv:2"


def test_latest_recipe_version_is_used_unless_the_batch_names_one() -> None:
    frame = build()[0].frame
    b1 = row(frame, "B1", 28.0)
    assert b1["recipe_version"] == 2 and b1["fly_ash"] == 40.0 and b1["cement"] == 320.0
    b2 = row(frame, "B2")
    assert b2["recipe_version"] == 1 and b2["fly_ash"] == 0.0 and b2["cement"] == 300.0
    assert b2["curing"] == "steam" and b2["mixing_time"] == 90.0


def test_weighed_amounts_are_preferred_per_material() -> None:
    b3 = row(build()[0].frame, "B3")
    assert (b3["cement"], b3["water"], b3["sand"]) == (410.0, 150.0, 700.0)
    assert b3["water_cement_ratio"] == pytest.approx(150 / 410)
    recipe_first = row(build(prefer_weighed_amounts=False)[0].frame, "B3")
    assert (recipe_first["cement"], recipe_first["water"]) == (400.0, 160.0)


def test_missing_recipes_and_lab_rows_without_batch_are_reported_not_dropped() -> None:
    table, report = build()
    missing = report.issue("batches_missing_recipe")
    assert missing is not None and missing.count == 2
    assert "batch B4 → recipe R9 (batches.csv:5)" in missing.examples
    assert "batch B5 → recipe R1 version 7 (batches.csv:6)" in missing.examples
    b4 = row(table.frame, "B4")
    assert pd.isna(b4["recipe_version"]) and b4["cement"] == 350.0  # weighed amounts kept
    orphan = report.issue("lab_missing_batch")
    assert orphan is not None and orphan.count == 1
    assert "X9" in orphan.examples[0] and "lab.csv:8" in orphan.examples[0]
    without_lab = report.issue("batches_without_lab")
    assert without_lab is not None and without_lab.examples == ("B4", "B5")
    assert report.counts["lab_results"] == 7 and report.counts["lab_results_linked"] == 6
    b5 = row(table.frame, "B5")
    assert np.isnan(b5["cement"]) and np.isnan(b5["compressive_strength"])
    assert report.issue("batches_without_amounts").examples == ("B5",)  # type: ignore[union-attr]


def test_process_features_join_by_window_and_unlinked_rows_are_counted() -> None:
    table, report = build(lag=timedelta(minutes=0), features=("mean", "count"))
    frame = table.frame
    assert row(frame, "B1", 28.0)["mixer_temp__mean"] == 20.0
    assert row(frame, "B2")["mixer_temp__mean"] == pytest.approx(23.0)
    assert row(frame, "B3")["mixer_temp__count"] == 0
    assert report.counts["series_unlinked"] == 1
    assert report.issue("series_unlinked") is not None
    assert table.units["mixer_temp__mean"] == "degC"


def test_table_metadata_names_ids_inputs_targets_and_units() -> None:
    table, _ = build()
    assert table.group_column == "recipe_id"
    assert table.age_column == "test_age_days" and table.time_column == "start_time"
    assert table.id_columns == ("batch_id", "recipe_id", "recipe_version", "plant", "line",
                                "start_time", "test_age_days")
    assert table.target_columns == ("compressive_strength", "slump")
    assert table.categorical_columns == ("curing",)
    assert isinstance(table.frame["curing"].dtype, pd.CategoricalDtype)
    for expected in ("cement", "fly_ash", "water", "sand", "mixing_time", "curing",
                     "water_cement_ratio", "water_binder_ratio", "scm_share",
                     "fly_ash_share", "paste_volume_m3"):
        assert expected in table.input_columns
    assert not set(table.input_columns) & set(table.id_columns + table.target_columns)
    assert {"source_batch", "source_lab"} <= set(table.provenance_columns)
    assert table.units["compressive_strength"] == "MPa" and table.units["slump"] == "mm"
    assert table.units["cement"] == "kg/m**3" and table.units["mixing_time"] == "s"
    assert list(table.frame.columns) == [*table.id_columns, *table.input_columns,
                                         *table.target_columns, *table.provenance_columns]


def test_report_is_json_ready_and_readable() -> None:
    _, report = build()
    data = json.loads(json.dumps(report.to_dict()))
    codes = [issue["code"] for issue in data["issues"]]
    assert codes.index("batches_missing_recipe") < codes.index("lab_missing_batch")
    text = report.summary()
    assert "lab result rows whose batch is not in the batches table" in text
    assert "e.g. batch X9" in text


def test_duplicate_batch_ids_keep_the_first_and_are_reported() -> None:
    frames = plant()
    frames["batches"] = pd.concat([frames["batches"], frames["batches"].iloc[[0]]],
                                  ignore_index=True)
    table, report = build(frames)
    assert (table.frame["batch_id"] == "B1").sum() == 2  # two test ages, one batch
    duplicate = report.issue("batches_duplicate_id")
    assert duplicate is not None and duplicate.count == 1


def test_alloys_without_test_ages_have_no_age_column() -> None:
    frames = {
        "recipe_components": pd.DataFrame({
            "recipe_id": ["S1", "S1", "S2", "S2"], "version": [1, 1, 1, 1],
            "material": ["Cr", "Ni", "Cr", "Mo"], "amount": [18.0, 8.0, 12.0, 2.0],
            "unit": "percent"}),
        "batches": pd.DataFrame({"batch_id": ["H1", "H2"], "recipe_id": ["S1", "S2"],
                                 "start_time": pd.to_datetime([at(0), at(60)], utc=True)}),
        "lab_results": pd.DataFrame({"batch_id": ["H1", "H2"],
                                     "property": "yield_strength", "test_age_days": np.nan,
                                     "value": [250.0, 300.0], "unit": "MPa"}),
    }
    table, report = build(frames)
    assert table.age_column is None and "test_age_days" not in table.frame
    h1 = row(table.frame, "H1")
    assert h1["Fe"] == pytest.approx(74.0) and h1["Mo"] == 0.0
    assert h1["Fe_at_frac"] == pytest.approx(0.73308, abs=1e-5)
    assert "water_cement_ratio" not in table.frame
    assert table.units["Fe"] == "percent"
    assert any("Fe is the balance element" in note for note in report.notes)


def test_missing_required_column_is_a_formix_error() -> None:
    frames = plant()
    frames["batches"] = frames["batches"].drop(columns=["start_time"])
    with pytest.raises(FormixError, match="start_time"):
        build(frames)


def test_empty_process_series_and_lab_still_give_a_table() -> None:
    frames = {k: v for k, v in plant().items() if k not in ("process_series", "lab_results")}
    table, report = build(frames)
    assert len(table.frame) == 5 and table.target_columns == ()
    assert table.age_column is None
    assert report.issue("batches_without_lab").count == 5  # type: ignore[union-attr]


def test_progress_rises_to_one_and_cancel_stops_the_build() -> None:
    seen: list[float] = []
    build_modelling_table(plant(), LinkOptions(), progress=lambda f, m: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        build_modelling_table(plant(), LinkOptions(), cancel=token)


def with_batch_settings(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The plant with a batches file (import 2) giving B1–B3 an aging temperature and B3 its
    own mixing time, stored as the importer stores them: samples at the batch start."""
    own = pd.DataFrame({
        "tag": ["aging_temp", "aging_temp", "aging_temp", "mixing_time"],
        "time": pd.to_datetime([at(0), at(30), at(60), at(60)], utc=True),
        "value": [480.0, 500.0, 520.0, 75.0], "unit": ["°C", "°C", "°C", "s"],
        "batch_id": ["B1", "B2", "B3", "B3"], "import_id": 2, "source_row": [2, 3, 4, 4]})
    frames["process_series"] = pd.concat([frames["process_series"], own], ignore_index=True)
    frames["imports"] = frames["imports"].assign(
        kind=["recipes", "batches", "lab_results", "process_series"])
    return frames


def test_settings_a_batches_file_gives_are_setting_inputs_not_process_features() -> None:
    table, report = build(with_batch_settings(plant()), features=("mean", "count"))
    frame = table.frame
    assert row(frame, "B1", 28.0)["aging_temp"] == 480.0
    assert row(frame, "B3")["aging_temp"] == 520.0
    assert np.isnan(row(frame, "B4")["aging_temp"])
    assert "aging_temp" in table.input_columns and table.units["aging_temp"] == "°C"
    assert not [c for c in frame.columns if c.startswith(("aging_temp__", "mixing_time__"))]
    assert row(frame, "B2")["mixer_temp__mean"] == pytest.approx(23.0)  # the historian log
    assert report.counts["series_rows"] == 4
    assert any("aging_temp" in note for note in report.notes)


def test_a_batch_setting_wins_over_its_recipe_setting_as_weighed_amounts_do() -> None:
    frame = build(with_batch_settings(plant()))[0].frame
    assert row(frame, "B3")["mixing_time"] == 75.0  # the batch's own, not recipe R2's 60
    assert row(frame, "B2")["mixing_time"] == 90.0  # no own value: the recipe's
    assert row(frame, "B3")["curing"] == "air"
    nominal = build(with_batch_settings(plant()), prefer_weighed_amounts=False)[0].frame
    assert row(nominal, "B3")["mixing_time"] == 60.0


def test_a_batch_number_for_a_text_setting_is_taken_as_its_label() -> None:
    frames = with_batch_settings(plant())
    series = frames["process_series"]
    series.loc[series["tag"] == "mixing_time", "tag"] = "curing"  # B3's 75: a curing label
    table = build(frames)[0]
    assert row(table.frame, "B3")["curing"] == "75"
    assert row(table.frame, "B2")["curing"] == "steam"
    assert "curing" in table.categorical_columns
