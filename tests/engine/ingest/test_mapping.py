"""Import profiles: validation, TOML save/load round trip, atomic writes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from engine.errors import FormixError
from engine.ingest.mapping import (
    ColumnMapping,
    ImportProfile,
    ProfileError,
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


_COLUMNS = '[[columns]]\nsource = "Recipe"\nfield = "recipe_id"\n[[columns]]\n'


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        # the three mistakes a new user made editing a suggested profile by hand
        ('kind = "recipes"\n' + _COLUMNS + 'field = "component:zement"\n',
         "line 5, columns entry 2, key 'source'", "required key is missing"),
        ('kind = "recipes"\n' + _COLUMNS + 'source = "Zement [kg/m³]"\n'
         'field = "komponente:zement"\n',
         "line 7, columns entry 2 ('Zement [kg/m³]'), key 'field'",
         "unknown field 'komponente:zement'"),
        ('kind = "recipes"\ntimezone = "Europe/Berlin"\ndayfirst = ja\n',
         "line 3, column 12", "invalid TOML (Invalid value) in 'dayfirst = ja'"),
        ('kind = "recipes"\ndayfirst = "ja"\n', "line 2, key 'dayfirst'",
         "valid boolean"),
        ('kind = "recipes"\n[reader_options]\ndelimiter = ";"\ndezimal = ","\n',
         "line 4, key 'reader_options.dezimal'", "unknown key"),
    ],
)
def test_a_bad_profile_names_file_place_and_reason(tmp_path: Path, text: str, where: str,
                                                    reason: str) -> None:
    path = tmp_path / "rezepte.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    message = str(raised.value)
    assert isinstance(raised.value, FormixError)  # the CLI prints it without a traceback
    assert message.startswith(f"{path}: invalid import profile: {where}: ")
    assert reason in message


def test_every_problem_of_a_profile_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('kind = "rezepte"\nfarbe = 1\n' + _COLUMNS + 'source = "X"\n', "utf-8")
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    assert raised.value.issues == (
        "line 1, key 'kind': Input should be 'materials', 'recipes', 'batches', "
        "'process_series', 'lab_results' or 'samples' (got 'rezepte')",
        "line 6, columns entry 2 ('X'), key 'field': required key is missing",
        "line 2, key 'farbe': unknown key",
    )


def test_an_unreadable_profile_is_a_profile_error(tmp_path: Path) -> None:
    ansi = tmp_path / "ansi.toml"
    ansi.write_bytes('kind = "recipes"\n# Hüttensand\n'.encode("cp1252"))
    with pytest.raises(ProfileError, match="line 2: not UTF-8 text"):
        load_profile(ansi)
    with pytest.raises(ProfileError, match="cannot read it"):
        load_profile(tmp_path / "missing.toml")
    broken = tmp_path / "p.json"
    broken.write_text('{"kind": "recipes",', "utf-8")
    with pytest.raises(ProfileError, match=r"line 1, column 20: invalid JSON"):
        load_profile(broken)
