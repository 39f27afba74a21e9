"""Study spec: loading, round trip through TOML, and errors that name the key path."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.errors import FormixError
from engine.optimisation.examples import EXAMPLES, example_path
from engine.optimisation.study import StudySpec, StudySpecError


def _concrete() -> dict[str, Any]:
    return tomllib.loads(example_path("concrete_study.toml").read_text("utf-8"))


def _issues(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(StudySpecError) as caught:
        StudySpec.from_dict(data)
    assert isinstance(caught.value, FormixError)
    return list(caught.value.issues)


def _paths(data: dict[str, Any]) -> list[str]:
    return [path for path, _ in _issues(data)]


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_load_and_round_trip_through_toml(name: str) -> None:
    spec = StudySpec.from_toml(example_path(name))
    text = spec.to_toml()
    again = StudySpec.from_dict(tomllib.loads(text))
    assert again.model_dump() == spec.model_dump()
    assert again.to_toml() == text


def test_ratio_lists_and_weights_both_read(tmp_path: Path) -> None:
    data = _concrete()
    data["ratio"][0]["denominator"] = {"cement": 1.0, "fly_ash": 0.4, "slag": 1.0}
    spec = StudySpec.from_dict(data)
    assert spec.ratio[0].denominator["fly_ash"] == 0.4
    assert spec.ratio[1].numerator == {"fly_ash": 1.0, "slag": 1.0}
    assert 'numerator = ["fly_ash", "slag"]' in spec.to_toml()


def test_unknown_key_is_named_with_its_path() -> None:
    data = _concrete()
    data["variables"][3]["max_stepp"] = 1.0
    [(path, reason)] = _issues(data)
    assert path == "variables[3].max_stepp"
    assert "unknown key" in reason and "'water'" in reason


def test_wrong_type_is_named_with_its_path() -> None:
    data = _concrete()
    data["algorithm"]["population"] = "many"
    [(path, reason)] = _issues(data)
    assert path == "algorithm.population"
    assert "integer" in reason


def test_missing_required_key() -> None:
    data = _concrete()
    del data["objectives"]
    assert _paths(data) == ["objectives"]


def test_semantic_errors_name_their_paths() -> None:
    data = _concrete()
    data["variables"][0]["upper"] = 100.0  # cement upper below lower
    data["mixture"][0]["components"][1] = "flyash"
    data["ratio"][0]["min"] = 0.6  # min above max 0.5
    data["count"][0]["max_nonzero"] = -1
    data["objectives"][0]["sense"] = None
    del data["objectives"][0]["sense"]
    data["constraints"][1]["min"] = 250.0
    data["algorithm"]["seed_recipes"] = ["nope"]
    data["baseline"]["values"]["curing"] = "microwave"
    paths = _paths(data)
    for expected in (
        "variables[0].upper",
        "mixture[0].components[1]",
        "ratio[0].max",
        "count[0].max_nonzero",
        "objectives[0].sense",
        "constraints[1].max",
        "algorithm.seed_recipes[0]",
        "baseline.values.curing",
    ):
        assert expected in paths, (expected, paths)


def test_a_resolution_must_be_a_positive_amount_of_a_numeric_variable() -> None:
    data = _concrete()
    kinds = {v["name"]: i for i, v in enumerate(data["variables"])}
    data["variables"][0]["resolution"] = 0.0
    data["variables"][kinds["curing"]]["resolution"] = 1.0
    issues = dict(_issues(data))
    assert "positive" in issues["variables[0].resolution"]
    assert "not used by type = 'categorical'" in issues[f"variables[{kinds['curing']}].resolution"]
    data = _concrete()
    data["variables"][0]["resolution"] = 1.0
    written = tomllib.loads(StudySpec.from_dict(data).to_toml())
    assert StudySpec.from_dict(written).variables[0].resolution == 1.0


def _raw_meal() -> dict[str, Any]:
    return tomllib.loads(example_path("raw_meal_study.toml").read_text("utf-8"))


def test_oxide_contents_give_the_moduli_weights_computed_by_hand() -> None:
    from engine.optimisation.constraints import LinearSystem
    from engine.optimisation.encoding import DesignSpace

    by_oxides = StudySpec.from_dict(_raw_meal())
    by_hand = _raw_meal()  # LSF = CaO / (2.8 SiO2 + 1.2 Al2O3 + 0.65 Fe2O3), per material:
    by_hand["ratio"][0].update(
        numerator={"limestone": 52.0, "clay": 3.0, "sand": 0.5, "iron_ore": 1.0},
        denominator={"limestone": 2.8 * 4.0 + 1.2 * 1.0 + 0.65 * 0.5,
                     "clay": 2.8 * 60.0 + 1.2 * 17.0 + 0.65 * 7.0,
                     "sand": 2.8 * 92.0 + 1.2 * 3.0 + 0.65 * 1.0,
                     "iron_ore": 2.8 * 10.0 + 1.2 * 3.0 + 0.65 * 80.0})
    by_hand["ratio"][1].update(
        numerator={"limestone": 4.0, "clay": 60.0, "sand": 92.0, "iron_ore": 10.0},
        denominator={"limestone": 1.5, "clay": 24.0, "sand": 4.0, "iron_ore": 83.0})
    by_hand["ratio"][2].update(
        numerator={"limestone": 1.0, "clay": 17.0, "sand": 3.0, "iron_ore": 3.0},
        denominator={"limestone": 0.5, "clay": 7.0, "sand": 1.0, "iron_ore": 80.0})
    hand = StudySpec.from_dict(by_hand)
    systems = [LinearSystem.from_spec(spec, DesignSpace.from_spec(spec))
               for spec in (by_oxides, hand)]
    np.testing.assert_allclose(systems[0].ineq_matrix, systems[1].ineq_matrix, rtol=1e-12)
    assert systems[0].ineq_labels == systems[1].ineq_labels


def test_a_content_every_material_must_declare_and_names_it_cannot_take() -> None:
    data = _raw_meal()
    del data["materials"]["sand"]["content"]["Fe2O3"]
    data["ratio"][2]["denominator"] = ["Fe2O3", "Mn2O3"]
    data["materials"]["clay"]["content"]["sand"] = 1.0
    issues = dict(_issues(data))
    assert "'Fe2O3'" in issues["materials.sand.content"] and "0 if none" in \
        issues["materials.sand.content"]
    assert "not a study variable or a material content" in issues["ratio[2].denominator.Mn2O3"]
    assert "also a variable" in issues["materials.clay.content.sand"]


def test_unreachable_mixture_total_is_reported() -> None:
    data = _concrete()
    data["mixture"][0]["air"] = 0.5  # the components cannot fill only half a m³ within bounds
    issues = _issues(data)
    assert any(path == "mixture[0].total" and "cannot be reached" in reason
               for path, reason in issues)


def test_volume_basis_needs_every_density() -> None:
    data = _concrete()
    del data["mixture"][0]["specific_gravities"]["slag"]
    issues = _issues(data)
    assert ("mixture[0].specific_gravities",
            "no density (kg/m³) or specific gravity for 'slag'") in issues
    data["mixture"][0]["densities"] = data["mixture"][0].pop("specific_gravities")
    assert ("mixture[0].densities", "no density (kg/m³) or specific gravity for 'slag'") \
        in _issues(data)


def test_balance_must_be_continuous_and_count_members_continuous() -> None:
    data = tomllib.loads(example_path("alloy_study.toml").read_text("utf-8"))
    data["count"][0]["components"].append("Fe")
    data["variables"][0]["type"] = "integer"  # C as integer: allowed by itself
    paths = _paths(data)
    assert "count[0].components[2]" in paths


def test_too_many_always_present_count_members() -> None:
    data = _concrete()
    data["variables"][1]["lower"] = 10.0
    data["variables"][2]["lower"] = 10.0
    assert any(path == "count[0].max_nonzero" for path, _ in _issues(data))


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("name = \n", encoding="utf-8")
    with pytest.raises(StudySpecError) as caught:
        StudySpec.from_toml(path)
    assert "broken.toml" in str(caught.value) and "invalid TOML" in str(caught.value)


def test_seed_csv_path_is_checked_relative_to_the_study(tmp_path: Path) -> None:
    data = _concrete()
    data["algorithm"]["seed_recipes"] = ["history.csv"]
    path = tmp_path / "study.toml"
    path.write_text(StudySpec.from_dict(_concrete()).to_toml(), encoding="utf-8")
    text = path.read_text("utf-8").replace("seed = 42", 'seed = 42\nseed_recipes = "history.csv"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StudySpecError, match="file not found"):
        StudySpec.from_toml(path)
    (tmp_path / "history.csv").write_text("cement\n300\n", encoding="utf-8")
    assert StudySpec.from_toml(path).algorithm.seed_recipes == ["history.csv"]


def test_quantile_and_explore_options() -> None:
    data = _concrete()
    data["objectives"][0] = {"target": "compressive_strength", "quantile": 0.05,
                             "sense": "maximize"}
    data["domain"] = {"explore": True}
    spec = StudySpec.from_dict(data)
    assert spec.domain.effective_mode == "explore"
    bad = copy.deepcopy(data)
    bad["objectives"][0]["statistic"] = "upper"
    assert "objectives[0].statistic" in _paths(bad)
