"""``formix predict`` on an alloy project reads a composition as the import does: the balance
element (Fe) is 100 − Σ of the others when the file leaves it out, atomic fractions come from
the amounts, and a missing element is named with a header in wt %."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import services
from engine.errors import FormixError

GRADES = 60


@pytest.fixture(scope="module")
def steel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 maraging-like grades (Ni, Co, Mo, Fe as the balance); yield strength from Co, Mo."""
    folder = tmp_path_factory.mktemp("steel")
    rng = np.random.default_rng(3)
    ni, co, mo = (rng.uniform(lo, hi, GRADES).round(2) for lo, hi in ((15, 20), (0, 12), (2, 6)))
    pd.DataFrame({
        "Grade": [f"GR-{i:03d}" for i in range(GRADES)], "Ni (wt%)": ni, "Co (wt%)": co,
        "Mo (wt%)": mo, "Fe (wt%)": (100 - ni - co - mo).round(2),
        "Yield Strength (ksi)": (150 + 8 * co + 12 * mo + rng.normal(0, 3, GRADES)).round(1),
    }).to_csv(folder / "grades.csv", index=False)
    project = folder / "steel.formix"
    services.create_project(project)
    services.import_files(project, [folder / "grades.csv"], kind="samples")
    services.train_models(project, cv_folds=3)
    return project


NEW = pd.DataFrame({"Grade": ["18Ni-300", "18Ni-250"], "Ni (wt%)": [18.5, 18.0],
                    "Co (wt%)": [9.0, 7.5], "Mo (wt%)": [4.8, 4.9]})


def test_fe_left_out_is_the_balance_as_on_import(steel: Path, tmp_path: Path) -> None:
    from engine.cli import main

    inputs = services.load_model_set(steel).inputs
    assert {"Fe", "Fe_at_frac", "Ni_at_frac"} <= set(inputs)
    source, out = tmp_path / "predict_nofe.csv", tmp_path / "predicted.csv"
    NEW.to_csv(source, index=False)
    assert main(["predict", str(steel), "--in", str(source), "--out", str(out)]) == 0
    without_fe = pd.read_csv(out)
    with_fe = services.predict(steel, NEW.assign(**{"Fe (wt%)": [67.7, 69.6]}))
    np.testing.assert_allclose(without_fe["yield_strength [ksi]"],
                               with_fe["yield_strength [ksi]"], rtol=1e-12)
    assert "Fe (wt%)" not in without_fe  # the output keeps the user's columns as given


def test_a_missing_alloying_element_is_named_in_wt_percent_not_as_a_derived_input(
        steel: Path) -> None:
    with pytest.raises(FormixError) as error:
        services.predict(steel, NEW.drop(columns="Mo (wt%)"), source="grades.csv")
    message = str(error.value)
    assert message.startswith("grades.csv: no column for the model input(s) 'Mo'; add columns "
                              "named like the imported files, e.g. 'Mo (wt%)'. Columns read: ")
    assert "at_frac" not in message and "'Fe'" not in message


def test_a_composition_over_100_without_fe_is_refused_naming_the_row(steel: Path) -> None:
    over = NEW.assign(**{"Ni (wt%)": [18.5, 89.0]})  # 89 + 7.5 + 4.9 = 101.4 wt %
    with pytest.raises(FormixError, match=r"grades\.csv, row 3: the composition sums to "
                                          r"101\.4 wt % \(more than 100\)"):
        services.predict(steel, over, source="grades.csv")


def test_an_age_for_a_model_without_ages_is_refused(steel: Path) -> None:
    with pytest.raises(FormixError, match=r"grades\.csv: the model has no test-age input, so "
                                          r"it cannot predict at 28 days"):
        services.predict(steel, NEW, source="grades.csv", age=28.0)
