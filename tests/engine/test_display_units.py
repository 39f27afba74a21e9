"""Display units: a US plant sees lb/yd³, psi, °F, in and oz/cwt; nothing stored changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import services
from engine.display_units import DisplayUnits, unit_system_of
from engine.errors import FormixError

US = DisplayUnits("US")
# Exact by definition: 1 lb = 0.45359237 kg, 1 yd = 0.9144 m, 1 psi = 1 lbf/in².
M3_PER_YD3 = 0.9144 ** 3
PCY_PER_KG_M3 = M3_PER_YD3 / 0.45359237  # lb/yd³ per kg/m³
PSI_PER_MPA = 1e6 / (0.45359237 * 9.80665 / 0.0254 ** 2)


def test_us_units_convert_the_quantities_a_concrete_plant_reads() -> None:
    assert US.unit("kg/m³") == "lb/yd³"
    assert US.value(300.0, "kg/m³") == pytest.approx(300 * PCY_PER_KG_M3, rel=1e-5)
    assert US.unit("MPa", typical=40.0) == "psi"
    assert US.value(40.0, "MPa", 40.0) == pytest.approx(40 * PSI_PER_MPA, rel=1e-5)
    assert US.value(25.4, "mm") == pytest.approx(1.0) and US.unit("mm") == "in"
    assert US.value(20.0, "°C") == pytest.approx(68.0) and US.unit("°C") == "°F"
    assert US.change(10.0, "°C") == pytest.approx(18.0)  # a difference has no offset
    assert US.unit("mL/kg") == "oz/cwt"
    # 1 fl oz per 100 lb = 29.5735 mL / 45.3592 kg
    assert US.value(29.5735 / 45.3592, "mL/kg") == pytest.approx(1.0, rel=1e-4)
    for unitless in ("", "%", "wt%", "d", "h"):
        assert US.unit(unitless) == unitless and US.value(3.5, unitless) == 3.5
    np.testing.assert_allclose(US.value(np.array([1.0, 2.0]), "MPa", 1.0),
                               [PSI_PER_MPA, 2 * PSI_PER_MPA], rtol=1e-5)


def test_alloy_strengths_show_in_ksi_and_si_shows_what_is_stored() -> None:
    assert US.unit("MPa", typical=1500.0) == "ksi"
    assert US.value(1500.0, "MPa", 1500.0) == pytest.approx(1500 * PSI_PER_MPA / 1000, rel=1e-5)
    si = DisplayUnits("SI")
    assert si.unit("MPa", 40.0) == "MPa" and si.value(40.0, "MPa") == 40.0
    assert si.per_basis(55.0, "m³") == 55.0 and si.co2_unit("m³") == "kg CO₂e/m³"


def test_cost_and_co2_per_cubic_yard() -> None:
    assert US.basis("m³") == "yd³"
    assert US.per_basis(100.0, "m³") == pytest.approx(100 * M3_PER_YD3, rel=1e-5)
    assert US.co2(300.0, "m³") == pytest.approx(300 * PCY_PER_KG_M3, rel=1e-5)
    assert US.co2_unit("m³") == "lb CO₂e/yd³"
    assert US.co2(2.0, "kg") == 2.0 and US.co2_unit("kg") == "kg CO₂e/kg"  # a ratio


def test_a_file_s_units_tell_its_system() -> None:
    assert unit_system_of(["lb/yd3", "psi", "in", "days"]) == "US"
    assert unit_system_of(["kg/m3", "MPa", "mm", "lb/yd3"]) == "SI"
    assert unit_system_of(["%", "wt%", "", "days"]) is None


RECIPES_US = ("recipe_id,Cement (lb/yd3),Water (lb/yd3),Fly ash (lb/yd3)\n"
              "R1,600,290,100\nR2,520,300,150\n")
RECIPES_SI = "recipe_id,Cement (kg/m3),Water (kg/m3)\nR1,350,175\n"


def test_importing_files_in_us_units_shows_the_project_in_us_units(tmp_path: Path) -> None:
    project = tmp_path / "us.formix"
    services.create_project(project)
    assert services.display_units(project).system == "SI"
    (tmp_path / "r.csv").write_text(RECIPES_US, encoding="utf-8")
    services.import_files(project, [tmp_path / "r.csv"], kind="recipes")
    assert services.display_units(project).system == "US"
    assert services.project_summary(project).units == "US"
    stored = sorted(r["cement"] for r in services.project_recipes(project))  # kg/m³
    assert stored == pytest.approx([520 / PCY_PER_KG_M3, 600 / PCY_PER_KG_M3], rel=1e-9)


def test_a_chosen_unit_system_is_kept_by_later_imports(tmp_path: Path) -> None:
    project = tmp_path / "p.formix"
    services.create_project(project)
    (tmp_path / "si.csv").write_text(RECIPES_SI, encoding="utf-8")
    services.import_files(project, [tmp_path / "si.csv"], kind="recipes")
    assert services.display_units(project).system == "SI"  # metric files choose SI
    services.set_display_units(project, "us")
    (tmp_path / "more.csv").write_text(RECIPES_SI.replace("R1", "R9"), encoding="utf-8")
    services.import_files(project, [tmp_path / "more.csv"], kind="recipes")
    assert services.display_units(project).system == "US"
    with pytest.raises(FormixError, match="unknown unit system 'imperial'"):
        services.set_display_units(project, "imperial")


def test_a_study_written_in_us_units_is_converted_to_the_stored_units() -> None:
    from importlib.resources import files

    from engine.optimisation.study import StudySpec, StudySpecError
    from engine.optimisation_services import study_in_units

    path = files("engine.optimisation.examples") / "concrete_study.toml"
    spec = StudySpec.from_toml(Path(str(path)))
    stored = {v.name: "kg/m³" for v in spec.variables if v.unit == "kg/m³"}
    assert study_in_units(spec, stored) == spec.model_dump(mode="json",
                                                                    exclude_none=True)
    spec.variables[0].unit = "lb/yd3"  # a US engineer's bounds: 200–450 lb/yd³
    cement = study_in_units(spec, stored)["variables"][0]
    assert cement["unit"] == "kg/m³"
    assert (cement["lower"], cement["upper"]) == pytest.approx(
        (200 / PCY_PER_KG_M3, 450 / PCY_PER_KG_M3), rel=1e-9)
    spec.variables[0].unit = "wt%"
    with pytest.raises(StudySpecError) as error:
        study_in_units(spec, stored)
    (where, reason), = error.value.issues
    assert where == "variables[0].unit" and "cannot convert wt% to kg/m³" in reason
