"""Derived concrete and alloy features against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.linking import (
    complete_alloy_balance,
    derived_features,
    material_densities,
    material_kinds,
)
from engine.materials import MaterialKind

CATALOGUE = pd.DataFrame({
    "material": ["cement", "fly_ash", "slag", "water", "superplasticizer", "sand", "gravel"],
    "kind": ["cement", "fly_ash", "slag", "water", "admixture", "fine_aggregate",
             "coarse_aggregate"],
    # slag and superplasticizer have no density: the defaults (2900, 1070) apply
    "density_kg_m3": [3150.0, 2300.0, np.nan, 1000.0, None, 2650.0, 2700.0],
})


def derive(amounts: pd.DataFrame, materials: pd.DataFrame = CATALOGUE) -> pd.DataFrame:
    kinds = material_kinds(materials, amounts.columns)
    features, _ = derived_features(amounts, kinds, material_densities(materials, kinds))
    return features


def test_concrete_ratios_shares_and_paste_volume_match_hand_computation() -> None:
    amounts = pd.DataFrame({"cement": [300.0], "fly_ash": [60.0], "slag": [40.0],
                            "water": [180.0], "superplasticizer": [4.0], "sand": [800.0],
                            "gravel": [1000.0]})
    row = derive(amounts).iloc[0]
    assert row["water_cement_ratio"] == pytest.approx(180 / 300)          # 0.6
    assert row["water_binder_ratio"] == pytest.approx(180 / 400)          # 0.45
    assert row["binder_content_kg_m3"] == pytest.approx(400.0)
    assert row["scm_share"] == pytest.approx(100 / 400)                   # 0.25
    assert row["fly_ash_share"] == pytest.approx(0.15)
    assert row["slag_share"] == pytest.approx(0.10)
    # 300/3150 + 60/2300 + 40/2900 + 180/1000 + 4/1070
    # = 0.095238 + 0.026087 + 0.013793 + 0.180000 + 0.003738 = 0.318856 m³
    assert row["paste_volume_m3"] == pytest.approx(0.318856, abs=1e-6)
    assert row["total_mass_kg_m3"] == pytest.approx(2384.0)


def test_paste_volume_is_a_volume_fraction_the_same_in_us_units() -> None:
    """m³ of paste per m³ of concrete is yd³ per yd³: shown without a unit, not as "m³"."""
    amounts = pd.DataFrame({"cement": [300.0], "water": [180.0], "sand": [800.0]})
    kinds = material_kinds(CATALOGUE, amounts.columns)
    _, units = derived_features(amounts, kinds, material_densities(CATALOGUE, kinds))
    assert units["paste_volume_m3"] == "dimensionless"


def test_features_appear_only_when_their_inputs_exist() -> None:
    plain = pd.DataFrame({"cement": [350.0], "water": [175.0], "sand": [800.0]})
    features = derive(plain)
    assert "water_cement_ratio" in features and "water_binder_ratio" in features
    for absent in ("scm_share", "fly_ash_share", "slag_share", "silica_fume_share"):
        assert absent not in features
    dry = derive(pd.DataFrame({"cement": [350.0], "sand": [800.0]}))
    assert "water_cement_ratio" not in dry and "paste_volume_m3" not in dry


def test_division_by_zero_gives_nan_not_inf() -> None:
    amounts = pd.DataFrame({"cement": [0.0, 300.0], "fly_ash": [0.0, 0.0],
                            "water": [180.0, 150.0]})
    features = derive(amounts)
    assert np.isnan(features.loc[0, "water_cement_ratio"])
    assert np.isnan(features.loc[0, "water_binder_ratio"])
    assert np.isnan(features.loc[0, "scm_share"])
    assert features.loc[1, "water_cement_ratio"] == pytest.approx(0.5)
    assert np.isfinite(features.select_dtypes("number").to_numpy()[1]).all()


def test_kinds_are_guessed_when_the_catalogue_lacks_a_material() -> None:
    kinds = material_kinds(pd.DataFrame(columns=["material", "kind"]),
                           ["Fly Ash", "cement", "Ni"])
    assert kinds == {"Fly Ash": MaterialKind.FLY_ASH, "cement": MaterialKind.CEMENT,
                     "Ni": MaterialKind.ELEMENT}


def alloy(rows: dict[str, list[float]], balance: str | None = None) -> tuple[
        pd.DataFrame, pd.DataFrame, object]:
    amounts = pd.DataFrame(rows, dtype=float)
    kinds = material_kinds(pd.DataFrame(columns=["material", "kind"]), amounts.columns)
    completed, result = complete_alloy_balance(amounts, kinds, balance)
    kinds[result.element] = MaterialKind.ELEMENT
    features, _ = derived_features(completed, kinds, material_densities(
        pd.DataFrame(), kinds))
    return completed, features, result


def test_stainless_18_8_gets_iron_balance_and_atomic_fractions() -> None:
    completed, features, result = alloy({"Cr": [18.0], "Ni": [8.0]})
    assert result.element == "Fe" and result.rows_filled == 1
    assert completed.loc[0, "Fe"] == pytest.approx(74.0)
    # mol per 100 g: Fe 74/55.845 = 1.32510, Cr 18/51.9961 = 0.34618, Ni 8/58.6934 = 0.13630;
    # sum 1.80758 → at. fractions Fe 0.73308, Cr 0.19152, Ni 0.07541
    assert features.loc[0, "Fe_at_frac"] == pytest.approx(0.73308, abs=1e-5)
    assert features.loc[0, "Cr_at_frac"] == pytest.approx(0.19152, abs=1e-5)
    assert features.loc[0, "Ni_at_frac"] == pytest.approx(0.07541, abs=1e-5)
    assert "water_cement_ratio" not in features and "binder_content_kg_m3" not in features


def test_atomic_fractions_match_the_matbench_steels_composition() -> None:
    # matbench_steels row 0: wt % from matminer steel_strength (Fe balance) and the published
    # atomic composition Fe0.620 Ni0.192 Co0.146 Ti0.0185 Mo0.0176 Al0.00318 C0.000953
    wt = {"C": 0.02, "Mn": 0.05, "Si": 0.05, "Cr": 0.01, "Ni": 19.7, "Mo": 2.95, "V": 0.01,
          "N": 0.0, "Nb": 0.01, "Co": 15.0, "W": 0.0, "Al": 0.15, "Ti": 1.55}
    _, features, _ = alloy({k: [v] for k, v in wt.items()})
    published = {"Fe": 0.620, "Ni": 0.192, "Co": 0.146, "Ti": 0.0185, "Mo": 0.0176,
                 "Al": 0.00318, "C": 0.000953}
    for element, fraction in published.items():
        assert features.loc[0, f"{element}_at_frac"] == pytest.approx(fraction, rel=5e-3)


def test_aluminium_alloy_listing_iron_as_impurity_gets_aluminium_balance() -> None:
    completed, _, result = alloy({"Si": [7.0], "Mg": [0.3], "Fe": [0.15]})
    assert result.element == "Al"
    assert completed.loc[0, "Al"] == pytest.approx(92.55)


def test_given_balance_is_kept_and_missing_one_filled() -> None:
    completed, _, result = alloy({"Fe": [70.0, np.nan], "Cr": [18.0, 18.0],
                                  "Ni": [8.0, 10.0]})
    assert result.element == "Fe" and result.rows_filled == 1
    assert completed["Fe"].tolist() == pytest.approx([70.0, 72.0])


def test_balance_element_can_be_forced_and_over_100_is_flagged() -> None:
    completed, _, result = alloy({"Al": [5.0, 60.0], "V": [4.0, 50.0]}, balance="Ti")
    assert result.element == "Ti"
    assert completed.loc[0, "Ti"] == pytest.approx(91.0)
    assert np.isnan(completed.loc[1, "Ti"])
    assert result.rows_over_100 == (1,)
