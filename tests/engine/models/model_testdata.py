"""Synthetic recipe data with known noise for the property-model tests (helpers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"

# Small models keep the whole suite fast; tests assert properties, not tuned accuracy.
FAST = {"num_boost_round": 60, "spread_boost_round": 30, "calibration_folds": 5}


def make_recipes(
    n_recipes: int = 120,
    ages: tuple[int, ...] = (3, 7, 28),
    noise: float = 1.0,
    seed: int = 0,
    routes: tuple[str, ...] = ("air", "steam", "water"),
) -> pd.DataFrame:
    """Recipes tested at several ages; strength rises with cement and age, falls with water.

    The noise standard deviation is ``noise`` × (1 + 2·[slag > 100]): known and
    heteroscedastic, so adaptive intervals can be narrower than constant ones.
    """
    rng = np.random.default_rng(seed)
    recipe = pd.DataFrame(
        {
            "cement": rng.uniform(200, 450, n_recipes),
            "slag": rng.uniform(0, 200, n_recipes),
            "water": rng.uniform(140, 210, n_recipes),
            "route": rng.choice(routes, n_recipes),
        }
    )
    recipe["recipe"] = [f"R{i:04d}" for i in range(n_recipes)]
    frame = recipe.loc[recipe.index.repeat(len(ages))].reset_index(drop=True)
    frame["age"] = np.tile(np.asarray(ages, dtype=float), n_recipes)
    route_effect = frame["route"].map({"air": 0.0, "steam": 4.0, "water": 2.0}).fillna(0.0)
    mean = (
        0.09 * frame["cement"]
        + 0.03 * frame["slag"]
        - 0.12 * frame["water"]
        + 6.0 * np.log(frame["age"])
        + route_effect
    )
    sd = noise * (1.0 + 2.0 * (frame["slag"] > 100))
    frame["strength"] = mean + rng.normal(0, 1, len(frame)) * sd
    frame["slump"] = 0.3 * frame["water"] - 0.02 * frame["cement"] + rng.normal(0, 0.5, len(frame))
    return frame


INPUTS = ["cement", "slag", "water", "route", "age"]
