"""A first study drawn from a project's own data, for projects without a study of their own.

A plant engineer who has just imported and trained should not face an empty study. The draft

* varies every recipe amount and process setting the model uses between the 2nd and 98th
  percentiles of the data (always including the baseline: the recipe made most often, or the
  most typical one);
* fixes the test age at 28 days (or the most common age);
* fills 1 m³ by absolute volume, or keeps a wt % composition with its balance element;
* keeps water/binder, binder content and SCM shares of concrete within the data's 2nd–98th
  percentiles;
* allows no token doses of materials the data sometimes leaves out;
* maximises the lower interval bound of the strength, kept at least at the data's lower
  quartile (other properties' predicted means too), and minimises cost and CO₂ (from the
  catalogue, which the user completes);
* keeps a predicted yield (or proof) strength at most the predicted tensile (ultimate)
  strength, when both are modelled and the data agree: independent models do not know it.

It is a starting point to edit, and says so in its description.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from engine.materials import BINDER_KINDS, SCM_KINDS, MaterialKind
from engine.recommendation.explain import feature_label, label_of, material_names
from engine.types import ModellingTable

LOW_PERCENTILE, HIGH_PERCENTILE = 2.0, 98.0
PER_CUBIC_METRE = "kg/m³"
TEST_AGE_DAYS = 28.0
MIN_DOSE_OF_MEDIAN = 0.1
AGGREGATE_KINDS = {MaterialKind.FINE_AGGREGATE.value, MaterialKind.COARSE_AGGREGATE.value}
# Property names as ingest headers make them ("Yield Strength (ksi)" → yield_strength).
YIELD_WORDS, YIELD_CODES = {"yield", "proof"}, {"ys", "rp", "rp02", "rp0_2"}
TENSILE_WORDS, TENSILE_CODES = {"tensile", "ultimate"}, {"uts", "ts", "rm"}
NOT_A_STRENGTH = {"elongation", "strain", "ratio", "modulus", "energy"}
ORDER_SHARE = 0.98  # of the rows measuring both that must agree with yield ≤ tensile
ORDER_MIN_ROWS = 5


def draft_study(table: ModellingTable, inputs: list[str], targets: list[str],
                catalogue: pd.DataFrame,
                derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                recipes: pd.DataFrame | None = None) -> dict[str, Any]:
    """A study (as a dict mirroring the TOML) for the model trained on ``table``.

    Args:
        table: the modelling table the model learned from.
        inputs: the model's inputs; derived ones (w/b, shares …) are left to ``derive``.
        targets: the model's properties; a strength (yield, compressive …), else the first
            by name, is maximised (its lower interval bound).
        catalogue: the project's materials (material, kind, price, CO₂ factor, density).
        derive: the project's deriver, to tell derived inputs from decided ones.
        recipes: ``table.frame`` with each batch's recipe amounts and settings instead of
            the weighed ones (same rows); the baseline is then the chosen recipe's own
            amounts, not its batch's.
    """
    frame = table.frame
    materials = set(catalogue["material"].astype(str)) if len(catalogue) else set()
    decided = _decided_inputs(frame, [c for c in inputs if c in frame.columns], materials, derive)
    primary = min(targets, key=_primary_rank)
    current, how = _baseline_recipe(table, decided)
    if recipes is not None:
        current = _own_recipe(recipes, current, [c for c in decided if c != table.age_column])
    variables = [_variable(frame, name, table, name in materials, current[name])
                 for name in decided]
    components = [v["name"] for v in variables if v.get("material") and v["type"] != "fixed"]
    listed = catalogue.set_index(catalogue["material"].astype(str)).reindex(components)
    names = material_names(catalogue)
    ratios, content = _binder_limits(frame, components, listed["kind"].astype(str), current,
                                     names)
    limited = "every amount and setting" + (", w/b, binder content and SCM shares" if content
                                            else "")
    study: dict[str, Any] = {
        "name": f"Draft: {feature_label(primary)} from the project's data",
        "description": (
            f"Drawn from {frame[table.group_column].nunique()} recipes: {limited} within the "
            "data's 2nd–98th percentiles, inside the applicability domain. Check "
            "the limits, add your specifications and prices before relying on it."),
        "variables": variables,
        "objectives": [{"target": primary, "statistic": "lower", "sense": "maximize"}],
        "domain": {"mode": "inside"},
        "algorithm": {"population": 100, "generations": 200, "seed": 0},
    }
    currencies = catalogue["currency"].dropna().astype(str).unique() if len(catalogue) else []
    if len(currencies) == 1:
        study["currency"] = currencies[0]
    mixture = (_volume_mixture(frame, variables, components, listed)
               or _mass_mixture(frame, variables))
    if mixture:
        study["mixture"] = [mixture]
    floors = [_useful_floor(table, target, variables, "lower" if target == primary else "mean")
              for target in [primary, *sorted(t for t in targets if t != primary)]]
    if any(floors):
        study["constraints"] = [floor for floor in floors if floor]
    relations = _strength_orders(table, targets)
    if relations:
        study["relation"] = [relation for relation, _ in relations]
        study["description"] += "".join(f" {note}" for _, note in relations)
    balance = mixture["balance"] if mixture else None
    if ratios:
        study["ratio"] = ratios
    if content:
        study["linear"] = [content]
    doses = _dose_limits(frame, [v for v in variables if v["name"] != balance], current, names)
    if doses:
        study["count"] = doses
    if components:  # what the plant pays and emits; unpriced materials are named at run time
        study["objectives"] += [{"kind": "cost"}, {"kind": "co2"}]
    values = {v["name"]: _plain(current[v["name"]], v["type"]) for v in variables
              if v["type"] != "fixed" and v["name"] != balance and not pd.isna(current[v["name"]])}
    adjusted = _balance_note(mixture, current, variables, names) if mixture else ""
    study["baseline"] = {"name": f"{current[table.group_column]} ({how}{adjusted})",
                         "values": values}
    return study


def _primary_rank(target: str) -> tuple[int, str]:
    """Strength first (yield, then compressive, then any), else alphabetical."""
    name = target.lower()
    rank = next((i for i, word in enumerate(("yield", "compressive", "strength")) if word in name),
                3)
    return rank, name


def _decided_inputs(frame: pd.DataFrame, inputs: list[str], materials: set[str],
                    derive: Callable[[pd.DataFrame], pd.DataFrame] | None) -> list[str]:
    """The inputs a recipe decides: those the project's deriver does not compute from the
    others (w/b, shares, atomic fractions are derived; a balance element is decided)."""
    if derive is None:
        return inputs
    sample = frame[inputs].head(5)
    amounts = [c for c in inputs if c in materials]
    derived = set(derive(sample[amounts]).columns) - set(amounts)
    for column in [c for c in inputs if c not in materials and c not in derived]:
        others = [c for c in inputs if c not in derived and c != column]
        if column in derive(sample[others]).columns:
            derived.add(column)
    return [c for c in inputs if c not in derived]


def _variable(frame: pd.DataFrame, name: str, table: ModellingTable, material: bool,
              current: Any) -> dict[str, Any]:
    values = frame[name].dropna()
    unit = table.units.get(name, "")
    if name in table.categorical_columns or not pd.api.types.is_numeric_dtype(values):
        choices = [str(v) for v in values.astype(str).value_counts().index]
        return {"name": name, "type": "categorical", "choices": choices}
    if name == table.age_column:
        ages = values.round(6)
        age = TEST_AGE_DAYS if (ages == TEST_AGE_DAYS).any() else float(ages.mode().iloc[0])
        return {"name": name, "type": "fixed", "value": age, "unit": unit or "d"}
    lower, upper = (float(v) for v in np.percentile(values, [LOW_PERCENTILE, HIGH_PERCENTILE]))
    lower, upper = _rounded(max(lower, 0.0) if material else lower), _rounded(upper)
    if not pd.isna(current):
        lower, upper = min(lower, float(current)), max(upper, float(current))
    variable: dict[str, Any] = {"name": name, "unit": unit, "material": material}
    if upper <= lower:
        return {**variable, "type": "fixed", "value": lower}
    integer = bool(np.all(values == np.round(values))) and not material
    return {**variable, "type": "integer" if integer else "continuous",
            "lower": lower, "upper": upper}


def readable_limits(study: dict[str, Any]) -> dict[str, Any]:
    """A copy of a draft (dict mirroring the TOML) with the limits it drew from the data at
    three significant figures, rounded outwards, in whatever units it is now written: a draft
    shown in lb/yd³ reads 235–601, not 235.977690977827–600.057557057902. Outwards (lower
    limits down, upper limits up), so every recipe the draft allowed, its baseline first,
    is still allowed."""
    out = copy.deepcopy(study)
    for variable in out.get("variables") or []:
        if variable.get("type", "continuous") == "continuous":
            _round_outwards(variable, "lower", math.floor)
            _round_outwards(variable, "upper", math.ceil)
    for limit in [*(out.get("linear") or []), *(out.get("constraints") or [])]:
        _round_outwards(limit, "min", math.floor)
        _round_outwards(limit, "max", math.ceil)
    for count in out.get("count") or []:
        _round_outwards(count, "min_amount", math.floor)
    return out


def _round_outwards(entry: dict[str, Any], key: str, rounding: Callable[[float], int]) -> None:
    """``entry[key]``, if a non-zero number, at three significant figures by ``rounding``
    (``math.floor`` for lower limits, ``math.ceil`` for upper ones)."""
    value = entry.get(key)
    if isinstance(value, int | float) and math.isfinite(value) and value != 0:
        digits = 2 - math.floor(math.log10(abs(value)))
        scale = 10.0 ** digits
        entry[key] = round(rounding(round(value * scale, 9)) / scale, max(digits, 0))


def _rounded(value: float) -> float:
    """Three significant figures: limits an engineer reads at a glance."""
    return float(f"{value:.3g}") if value else 0.0


def _volume_mixture(frame: pd.DataFrame, variables: list[dict[str, Any]], components: list[str],
                    listed: pd.DataFrame) -> dict[str, Any] | None:
    """1 m³ by absolute volume, when every amount is in kg/m³ and has a density (``listed``:
    the catalogue's rows of ``components``); the balance is the aggregate (else the component)
    with most room between its limits, ``air`` the data's median gap."""
    units = {v["name"]: v.get("unit") for v in variables}
    if len(components) < 2 or any(units[c] != PER_CUBIC_METRE for c in components):
        return None
    densities = listed["density_kg_m3"]
    if densities.isna().any() or (densities <= 0).any():
        return None
    filled = (frame[components] / densities.to_numpy()).sum(axis=1)
    air = round(float(1.0 - filled.median()), 3)
    if not 0.0 <= air < 0.2:
        return None
    room = {v["name"]: ((v["upper"] - v["lower"]) / densities[v["name"]],
                        listed.at[v["name"], "kind"] in AGGREGATE_KINDS)
            for v in variables if v["name"] in components}
    balance = max(room, key=lambda name: (room[name][1], room[name][0]))
    return {"name": "absolute volume (1 m³ or 1 yd³)", "basis": "volume",
            "components": components, "balance": balance, "total": 1.0, "air": air,
            # specific gravities read the same in kg/m³ and lb/yd³ studies
            "specific_gravities": {c: float(densities[c]) / 1000.0 for c in components}}


def _mass_mixture(frame: pd.DataFrame, variables: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Components in wt % that add up to 100 in every row: a composition with its balance
    element (the one with the highest median)."""
    components = [v["name"] for v in variables
                  if v.get("unit", "").replace(" ", "") == "wt%" and v["type"] != "fixed"]
    if len(components) < 2 or not np.allclose(frame[components].sum(axis=1), 100.0, atol=0.01):
        return None
    balance = str(frame[components].median().idxmax())
    return {"name": "composition", "components": components, "balance": balance,
            "total": 100.0}


def _useful_floor(table: ModellingTable, target: str, variables: list[dict[str, Any]],
                  statistic: str) -> dict[str, Any] | None:
    """``statistic`` (the strength's lower bound, other properties' mean) ≥ the lower quartile
    of what was measured (at the drafted test age), so the cheapest recipes on the front are
    still ones the plant would make: strong enough, and as workable or ductile as most."""
    frame = table.frame
    age = next((v["value"] for v in variables if v["name"] == table.age_column), None)
    measured = frame[target] if age is None else frame.loc[frame[table.age_column] == age,
                                                            target]
    measured = measured.dropna()
    if len(measured) < 10:
        return None
    floor = _rounded(float(np.percentile(measured, 25)))
    what = "lower bound" if statistic == "lower" else "predicted mean"
    # Names carry no figures: the study may be shown in other units than the data's.
    return {"name": f"useful {feature_label(target)}: {what} at least the data's lower "
                    "quartile",
            "target": target, "statistic": statistic, "min": floor}


def _strength_kind(target: str) -> str | None:
    """"yield" for a yield or proof strength, "tensile" for a tensile or ultimate one."""
    name = target.lower()
    words = set(name.split("_"))
    if words & NOT_A_STRENGTH:
        return None
    if name in YIELD_CODES or words & YIELD_WORDS:
        return "yield"
    if name in TENSILE_CODES or words & TENSILE_WORDS:
        return "tensile"
    return None


def _strength_orders(table: ModellingTable,
                     targets: list[str]) -> list[tuple[dict[str, Any], str]]:
    """A ``[[relation]]`` yield ≤ tensile for each modelled pair in the same unit whose
    measurements agree on (nearly) every row having both, with a sentence saying so."""
    kinds = {target: _strength_kind(target) for target in targets}
    out = []
    for lower in sorted(t for t, kind in kinds.items() if kind == "yield"):
        for upper in sorted(t for t, kind in kinds.items() if kind == "tensile"):
            if table.units.get(lower, "") != table.units.get(upper, ""):
                continue
            both = table.frame[[lower, upper]].dropna()
            agree = int((both[lower] <= both[upper]).sum())
            if len(both) < ORDER_MIN_ROWS or agree < ORDER_SHARE * len(both):
                continue
            low, high = feature_label(lower), feature_label(upper)
            relation = {"name": f"{low} at most {high}, as measured", "lower": lower,
                        "upper": upper}
            out.append((relation, f"The predicted {low} is kept at most the predicted "
                        f"{high}, as in {agree} of the {len(both)} rows measuring both."))
    return out


def _binder_limits(frame: pd.DataFrame, components: list[str], kinds: pd.Series,
                   current: pd.Series, names: dict[str, str],
                   ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Concrete's ratio limits from the data: water/binder, binder content and the share of
    each supplementary material (and of all of them) in the binder, each within the data's
    2nd–98th percentiles and widened to include the baseline recipe. ``kinds``: each
    component's material kind; ``names``: the catalogue's names, for the limits' names."""
    binder = [c for c in components if kinds[c] in BINDER_KINDS]
    scms = [c for c in binder if kinds[c] in SCM_KINDS]
    water = [c for c in components if kinds[c] == MaterialKind.WATER]
    if not binder:
        return [], None
    total = frame[binder].sum(axis=1)
    rows = total > 0
    ratios = []
    if water:
        ratios.append(_ratio_limit(feature_label("water_binder_ratio"), water, binder, frame[rows],
                                   current, both=True))
    for share in ([scms] if len(scms) > 1 else []) + [[c] for c in scms]:
        name = "SCM" if len(share) > 1 else label_of(share[0], names)
        ratios.append(_ratio_limit(f"{name} share of binder", share, binder, frame[rows],
                                   current, both=False))
    low, high = _data_range(total[rows], float(current[binder].sum()))
    content = {"name": "binder content", "coefficients": dict.fromkeys(binder, 1.0),
               "min": low, "max": high}
    return [r for r in ratios if r], content


def _ratio_limit(name: str, numerator: list[str], denominator: list[str], frame: pd.DataFrame,
                 current: pd.Series, both: bool) -> dict[str, Any] | None:
    values = frame[numerator].sum(axis=1) / frame[denominator].sum(axis=1)
    value = float(current[numerator].sum() / current[denominator].sum())
    low, high = _data_range(values, value)
    if high <= 0:
        return None
    ratio = {"name": name, "numerator": numerator, "denominator": denominator, "max": high}
    if both and low > 0:
        ratio["min"] = low
    return ratio


def _data_range(values: pd.Series, current: float) -> tuple[float, float]:
    """The 2nd and 98th percentiles (three significant figures), widened to ``current``."""
    low, high = (_rounded(float(v))
                 for v in np.percentile(values.dropna(), [LOW_PERCENTILE, HIGH_PERCENTILE]))
    if np.isfinite(current):
        low, high = min(low, current), max(high, current)
    return low, high


def _dose_limits(frame: pd.DataFrame, variables: list[dict[str, Any]],
                 current: pd.Series, names: dict[str, str]) -> list[dict[str, Any]]:
    """No token doses: a material the data sometimes leaves out is either 0 or at least the
    smallest dose the data uses (2nd percentile of its non-zero amounts), and never less than
    a tenth of its median dose (the data's own traces, 0.1 kg/m³ of slag, are not doses), nor
    more than the baseline recipe's own dose of it.
    Without this the optimiser can add a trace (0.02 kg/m³ of fly ash) just to land on the
    trees' "contains fly ash" branch."""
    limits = []
    for variable in variables:
        if not variable.get("material") or variable["type"] != "continuous" \
                or variable["lower"] != 0:
            continue
        values = frame[variable["name"]].dropna()
        used = values[values > 0]
        if not len(used) or not (values == 0).any():
            continue
        dose = _rounded(max(float(np.percentile(used, LOW_PERCENTILE)),
                            MIN_DOSE_OF_MEDIAN * float(used.median())))
        own = float(current[variable["name"]])
        if own > 0:
            dose = min(dose, own)
        if 0 < dose < variable["upper"]:
            label = label_of(variable["name"], names)
            limits.append({"name": f"{label}: none, or at least a usual dose",
                           "components": [variable["name"]], "max_nonzero": 1,
                           "min_amount": dose})
    return limits


def _baseline_recipe(table: ModellingTable, decided: list[str]) -> tuple[pd.Series, str]:
    """A row of the current production recipe and how it was chosen: the recipe made in most
    batches, or, when every recipe was made equally often, the one closest to the data's
    median of every numeric input (standardised)."""
    frame = table.frame
    made = (frame.groupby(table.group_column)["batch_id"].nunique() if "batch_id" in frame
            else frame[table.group_column].value_counts())
    most = made[made == made.max()].index
    if len(most) == 1:
        return frame[frame[table.group_column] == most[0]].iloc[-1], "made most often"
    candidates = frame[frame[table.group_column].isin(most)]
    numeric = [c for c in decided if pd.api.types.is_numeric_dtype(frame[c])
               and c != table.age_column]
    spread = frame[numeric].std().replace(0.0, 1.0)
    distance = ((candidates[numeric] - frame[numeric].median()) / spread).pow(2).sum(axis=1)
    return frame.loc[distance.idxmin()], "typical recipe: closest to the data's medians"


def _own_recipe(recipes: pd.DataFrame, row: pd.Series, decided: list[str]) -> pd.Series:
    """``row`` (a batch of the baseline recipe) with its recipe's own values of ``decided``
    (amounts and settings): those of the same batch in ``recipes``; ``row`` when it has none."""
    if "batch_id" not in recipes:
        return row
    same = recipes["batch_id"] == row["batch_id"]
    if not same.any():
        return row
    own = recipes[same].iloc[0]
    shared = [c for c in decided if c in own.index and not pd.isna(own[c])]
    return pd.concat([row.drop(shared), own[shared]])


def _balance_note(mixture: dict[str, Any], current: pd.Series,
                  variables: list[dict[str, Any]], names: dict[str, str]) -> str:
    """How the run changes the baseline's balance to close the mixture ("; sand 822.2 →
    836.5 kg/m³ to fill 1 m³ with 1.1 % air"), or "" when the recipe closes it already
    (within 0.1 % of its own balance amount)."""
    balance, total = mixture["balance"], float(mixture["total"])
    others = [c for c in mixture["components"] if c != balance]
    own = float(current[balance])
    if mixture.get("basis") == "volume":
        density = {c: 1000.0 * g for c, g in mixture["specific_gravities"].items()}
        room = total - float(mixture.get("air", 0.0))
        room -= sum(float(current[c]) / density[c] for c in others)
        needed = room * density[balance]
        why = f"to fill {total:g} m³ with {100 * float(mixture.get('air', 0.0)):.1f} % air"
    else:
        needed = total - sum(float(current[c]) for c in others)
        why = f"to make {total:g} in total"
    if pd.isna(own) or abs(needed - own) <= 1e-3 * max(abs(own), 1.0):
        return ""
    unit = next((v.get("unit", "") for v in variables if v["name"] == balance), "")
    label = label_of(balance, names)
    return f"; {label} {own:.1f} → {needed:.1f} {unit} {why}".replace("  ", " ")


def _plain(value: Any, kind: str) -> float | str:
    """A baseline value as the study writes it: categories by name, numbers as floats."""
    return str(value) if kind == "categorical" else float(value)
