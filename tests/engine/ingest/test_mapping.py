"""Import profiles: validation, TOML save/load round trip, atomic writes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from engine.ingest.mapping import (
    ColumnMapping,
    ImportProfile,
    ReaderOptions,
    load_profile,
    save_profile,
)
from engine.schema import DatasetKind
from engine.toml_writer import dumps as to_toml


def _profile() -> ImportProfile:
    return ImportProfile(
        kind=DatasetKind.SAMPLES,
        columns=[
            ColumnMapping("Cement \"CEM I\" (kg/m3)", "component:cement", "kg/m3"),
            ColumnMapping("Age (day)", "test_age", "day"),
            ColumnMapping("Strength (28-day)(MPa)", "property:compressive_strength", "MPa",
                          28.0),
            ColumnMapping("No", "ignore"),
        ],
        reader_options=ReaderOptions(delimiter=";", decimal=",", encoding="cp1252", sheet=0),
        timezone="Europe/Madrid",
        time_format="%d/%m/%Y %H:%M",
        dayfirst=True,
        midnight_is_end_of_day=True,
        defaults={"unit": "kg/m3", "test_age_days": 28.0, "version": 2},
    )


def test_toml_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "plant-a.toml"
    profile = _profile()
    save_profile(profile, path)
    assert load_profile(path) == profile
    assert tomllib.loads(path.read_text("utf-8"))["kind"] == "samples"
    assert [p.name for p in tmp_path.iterdir()] == ["plant-a.toml"]  # no temporary left


def test_save_replaces_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.toml"
    save_profile(_profile(), path)
    before = path.read_bytes()

    def explode(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("engine.ingest.mapping.os.replace", explode)
    with pytest.raises(OSError, match="disk full"):
        save_profile(_profile().model_copy(update={"timezone": "UTC"}), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_json_profiles_load_too(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(_profile().model_dump_json(), "utf-8")
    assert load_profile(path) == _profile()


@pytest.mark.parametrize("field", ["component:", "cement", "tag", "property:strength",
                                   "setting:cure", "tag:TI-101", "ignore", "sample_id"])
def test_fields(field: str) -> None:
    if field in {"component:", "cement"}:
        with pytest.raises(ValidationError, match="unknown field"):
            ColumnMapping("x", field)
    else:
        assert ColumnMapping("x", field).field == field


def test_profiles_forbid_unknown_keys_and_zones() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        ImportProfile.model_validate({"kind": "recipes", "colums": []})
    with pytest.raises(ValidationError, match="unknown time zone"):
        ImportProfile(kind=DatasetKind.RECIPES, timezone="Mars/Olympus")
    with pytest.raises(ValidationError):
        ReaderOptions(decimal=";")


def test_the_toml_writer_escapes_strings() -> None:
    text = to_toml({"a": 'quote " and \\ and\nnewline', "n": [1, 2.5, True],
                    "t": {"x": 1}, "rows": [{"k": "v"}]})
    assert tomllib.loads(text) == {"a": 'quote " and \\ and\nnewline', "n": [1, 2.5, True],
                                   "t": {"x": 1}, "rows": [{"k": "v"}]}
    assert json.loads(json.dumps(tomllib.loads(text)))  # plain data
