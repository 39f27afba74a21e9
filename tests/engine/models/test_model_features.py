"""Feature encoding: derived features, category labels, monotone propagation, table reading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import FormixError
from engine.models.dataset import read_flat_table, recipe_groups
from engine.models.features import DerivedFeature, FeatureEncoder, parse_columns_expression, ratio


def test_ratio_of_sums_and_log_with_undefined_values_missing():
    frame = pd.DataFrame({"w": [150.0, 160.0, 1.0], "c": [300.0, 0.0, 0.0], "s": [100.0, 0.0, 0.0]})
    encoder = FeatureEncoder(
        ("w", "c", "s"),
        derived=(ratio("w/b", ["w"], ["c", "s"]), DerivedFeature("log c", "log", ("c",))),
    ).fit(frame)
    matrix = encoder.transform(frame)
    assert encoder.feature_names == ["w", "c", "s", "w/b", "log c"]
    assert matrix[0, 3] == pytest.approx(150 / 400)
    assert np.isnan(matrix[1, 3]) and np.isnan(matrix[1, 4])  # x/0 and log(0) are missing
    assert matrix[0, 4] == pytest.approx(np.log(300))


def test_encoder_round_trips_through_json_form():
    frame = pd.DataFrame({"a": [1.0, 2.0], "route": ["x", "y"]})
    encoder = FeatureEncoder(("a", "route"), ("route",), (ratio("r", ["a"], ["a"]),)).fit(frame)
    again = FeatureEncoder.from_dict(encoder.to_dict())
    np.testing.assert_array_equal(again.transform(frame), encoder.transform(frame))


def test_numeric_category_labels_are_stable_across_dtypes():
    train = pd.DataFrame({"plant": [1, 2, 3]})
    encoder = FeatureEncoder(("plant",), ("plant",)).fit(train)
    as_float = pd.DataFrame({"plant": [3.0, np.nan, 1.0]})
    as_text = pd.DataFrame({"plant": [" 3", None, "1 "]})
    np.testing.assert_array_equal(encoder.transform(as_float), encoder.transform(as_text))
    assert encoder.transform(as_float)[0, 0] == 2.0


def test_monotone_constraints_carry_into_derived_features():
    encoder = FeatureEncoder(
        ("w", "c", "age"),
        derived=(ratio("w/c", ["w"], ["c"]), DerivedFeature("log age", "log", ("age",))),
    )
    assert encoder.monotone_vector({"c": 1, "age": 1}) == [0, 1, 1, -1, 1]
    with pytest.raises(FormixError, match="opposite"):
        encoder.monotone_vector({"c": 1, "w": 1})
    with pytest.raises(FormixError, match="not a numeric input"):
        encoder.monotone_vector({"nope": 1})


def test_bad_derived_features_are_refused():
    with pytest.raises(FormixError, match="denominator"):
        DerivedFeature("x", "ratio", ("a",))
    with pytest.raises(FormixError, match="not numeric inputs"):
        FeatureEncoder(("a",), derived=(ratio("x", ["a"], ["b"]),))


def test_column_expressions_prefer_exact_names():
    columns = ["Cement", "Slag", "Fly ash+other"]
    assert parse_columns_expression("Cement+Slag", columns) == ("Cement", "Slag")
    assert parse_columns_expression("Fly ash+other", columns) == ("Fly ash+other",)
    with pytest.raises(FormixError, match="unknown"):
        parse_columns_expression("Cement+Water", columns)


def test_read_flat_table_sniffs_delimiter_and_strips_headers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(" a ;b \n1;2\n3;4\n", encoding="utf-8")
    frame = read_flat_table(path)
    assert list(frame.columns) == ["a", "b"]
    assert frame["b"].tolist() == [2, 4]
    german = tmp_path / "rezepte.csv"
    german.write_text("Zement;Wasser;Route\n300,5;150;A\n280,0;;B\n", encoding="cp1252")
    frame = read_flat_table(german)
    assert frame["Zement"].tolist() == [300.5, 280.0]  # decimal comma, as an import reads it
    assert frame["Wasser"].iloc[0] == 150.0 and np.isnan(frame["Wasser"].iloc[1])
    assert frame["Route"].tolist() == ["A", "B"]
    with pytest.raises(FormixError, match="no such file"):
        read_flat_table(tmp_path / "missing.csv")


def test_recipe_groups_ignore_only_the_age_column():
    frame = pd.DataFrame({"c": [1, 1, 1, 2], "w": [5, 5, 6, 5], "age": [3, 28, 3, 3]})
    groups = recipe_groups(frame, ["c", "w", "age"], "age")
    assert groups[0] == groups[1] and len(set(groups)) == 3
