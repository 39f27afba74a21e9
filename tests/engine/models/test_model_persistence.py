"""Persistence: LightGBM text + JSON, bit-exact round trip, tampering refused, no pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from model_testdata import INPUTS, make_recipes

from engine.errors import FormixError
from engine.models.model_set import ModelSet
from engine.models.persistence import (
    ModelFileError,
    dump_model_files,
    load_model_dir,
    load_model_files,
    save_model_dir,
)


@pytest.fixture(scope="module")
def model_set(fitted_model):
    model, frame = fitted_model
    return ModelSet(model, units={"cement": "kg/m³", "strength": "MPa"}, training_rows=len(frame))


def _probe() -> pd.DataFrame:
    probe = make_recipes(n_recipes=40, seed=11)
    probe.loc[:4, "route"] = "unseen"  # unknown category path too
    probe.loc[5:8, "cement"] = np.nan
    return probe[INPUTS]


def test_round_trip_is_bit_exact(model_set):
    files = dump_model_files(model_set)
    loaded = load_model_files(files)
    with pytest.warns(UserWarning):
        before = model_set.model.predict_table(_probe())
    with pytest.warns(UserWarning):
        after = loaded.model.predict_table(_probe())
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    assert dump_model_files(loaded) == files  # and it serialises to the same bytes
    assert loaded.units == model_set.units


def test_files_are_lightgbm_text_and_json_only(model_set):
    files = dump_model_files(model_set)
    assert set(files) >= {"manifest.json", "model.json"}
    for name, data in files.items():
        if name.endswith(".json"):
            json.loads(data)
        else:
            assert name.endswith(".txt") and data.startswith(b"tree\n")
    meta = json.loads(files["model.json"])
    assert {"library_versions", "created_utc", "training_fingerprint", "domain"} <= set(meta)
    assert meta["inputs"][0] == {
        "name": "cement",
        "unit": "kg/m³",
        "categorical": False,
        "categories": None,
    }
    assert [t["unit"] for t in meta["targets"]] == ["MPa", ""]


def test_tampered_booster_is_refused(model_set):
    files = dump_model_files(model_set)
    name = next(n for n in files if n.endswith("-point.txt"))
    files[name] = files[name].replace(b"leaf_value=", b"leaf_value=1", 1)
    with pytest.raises(ModelFileError, match="checksum") as caught:
        load_model_files(files)
    assert isinstance(caught.value, FormixError)


def test_tampered_metadata_and_missing_files_are_refused(model_set):
    files = dump_model_files(model_set)
    meta = json.loads(files["model.json"])
    meta["targets"][0]["calibration"]["quantile"] *= 0.5  # narrower intervals, silently?
    with pytest.raises(ModelFileError, match=r"model\.json"):
        load_model_files({**files, "model.json": json.dumps(meta).encode()})
    partial = {k: v for k, v in files.items() if not k.endswith("-spread.txt")}
    with pytest.raises(ModelFileError, match="missing"):
        load_model_files(partial)
    with pytest.raises(ModelFileError, match="manifest"):
        load_model_files({"model.json": files["model.json"]})


def test_directory_round_trip_is_atomic_and_bit_exact(model_set, tmp_path: Path):
    target = tmp_path / "model"
    save_model_dir(model_set, target)
    save_model_dir(model_set, target)  # overwrite in place
    assert not list(target.glob(".*.tmp"))  # no temporary files left behind
    loaded = load_model_dir(target)
    probe = make_recipes(n_recipes=20, seed=12)[INPUTS]
    pd.testing.assert_frame_equal(
        model_set.model.predict_table(probe), loaded.model.predict_table(probe), check_exact=True
    )
    booster = next(target.glob("*-point.txt"))
    booster.write_bytes(booster.read_bytes() + b"\n")
    with pytest.raises(ModelFileError, match="checksum"):
        load_model_dir(target)
    with pytest.raises(ModelFileError, match="not a Formix model directory"):
        load_model_dir(tmp_path)


def test_engine_models_never_use_pickle():
    root = Path(__file__).resolve().parents[3] / "engine"
    for folder in ("models", "uncertainty"):
        for source in (root / folder).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            assert "import pickle" not in text and "joblib" not in text, source
