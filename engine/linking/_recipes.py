"""Batches ↔ recipe versions, and per-batch component amounts and recipe settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.linking._frames import source_labels
from engine.linking.report import MAX_EXAMPLES, LinkIssue, make_issue


@dataclass(frozen=True)
class RecipeLink:
    """Each batch's recipe version, as a row position in ``versions`` (−1: none found).

    Attributes:
        versions: the distinct (recipe_id, version) pairs of the recipe tables.
        batch_version: per batch row, the version it was made to (NaN when not found).
        batch_key: per batch row, the row of ``versions`` (−1 when not found).
    """

    versions: pd.DataFrame
    batch_version: pd.Series
    batch_key: np.ndarray


def link_recipes(batches: pd.DataFrame, recipe_frames: list[pd.DataFrame],
                 names: Mapping[object, str]) -> tuple[RecipeLink, list[LinkIssue]]:
    """Find each batch's recipe version: the one it names, else the recipe's latest.

    Versions are compared as numbers when every version is a number, else as text.

    Args:
        batches: canonical batches (recipe_id, recipe_version may be NaN).
        recipe_frames: the recipes, recipe_components and recipe_settings frames.
        names: import_id → file name for report examples.
    """
    pairs = [f[["recipe_id", "version"]] for f in recipe_frames if len(f)]
    known = (pd.concat(pairs, ignore_index=True) if pairs
             else pd.DataFrame({"recipe_id": pd.Series(dtype=object),
                                "version": pd.Series(dtype=float)}))
    numeric = _all_numeric([known["version"], batches["recipe_version"]])
    known = pd.DataFrame({"recipe_id": known["recipe_id"],
                          "version": _versions(known["version"], numeric)})
    versions = known.dropna(subset=["recipe_id"]).drop_duplicates(ignore_index=True)
    latest = versions.groupby("recipe_id", sort=False)["version"].max()

    wanted = _versions(batches["recipe_version"], numeric)
    wanted = wanted.where(wanted.notna(), batches["recipe_id"].map(latest))
    lookup = versions.assign(_key=np.arange(len(versions)))
    found = pd.DataFrame({"recipe_id": batches["recipe_id"].to_numpy(),
                          "version": wanted.to_numpy()}).merge(
        lookup, on=["recipe_id", "version"], how="left")["_key"]
    key = found.fillna(-1).to_numpy(np.int64)
    missing = key < 0
    batch_version = wanted.where(~missing)
    examples = _missing_examples(batches[missing], names)
    issues = make_issue("batches_missing_recipe",
                        "batches whose recipe (version) is not in the recipe tables",
                        int(missing.sum()), examples)
    return RecipeLink(versions, _integers_if_whole(batch_version.reset_index(drop=True)),
                      key), issues


def recipe_amounts(components: pd.DataFrame, link: RecipeLink) -> pd.DataFrame:
    """Amount of each material per recipe version (rows as ``link.versions``)."""
    keyed = _keyed(components, link)
    if keyed.empty:
        return pd.DataFrame(index=range(len(link.versions)))
    table = (keyed.assign(amount=pd.to_numeric(keyed["amount"], errors="coerce"))
             .groupby(["_key", "material"])["amount"].sum(min_count=1).unstack("material"))
    return table.reindex(range(len(link.versions)))


def weighed_amounts(batch_amounts: pd.DataFrame, batch_ids: pd.Index) -> pd.DataFrame:
    """Weighed amount of each material per batch (rows as ``batch_ids``)."""
    amounts = batch_amounts.assign(amount=pd.to_numeric(batch_amounts["amount"],
                                                        errors="coerce"))
    if amounts.empty:
        return pd.DataFrame(index=batch_ids)
    table = amounts.groupby(["batch_id", "material"])["amount"].sum(min_count=1)
    return table.unstack("material").reindex(batch_ids)


def actual_first(actual: pd.DataFrame, nominal: pd.DataFrame,
                 prefer_actual: bool) -> pd.DataFrame:
    """Per batch and column, the batch's actual value else its recipe's nominal one (or the
    other way round when ``prefer_actual`` is False). Both frames share their row index."""
    columns = list(dict.fromkeys([*nominal.columns, *actual.columns]))
    first, second = (actual, nominal) if prefer_actual else (nominal, actual)
    first, second = first.reindex(columns=columns), second.reindex(columns=columns)
    return first.where(first.notna(), second)


def recipe_settings(settings: pd.DataFrame, link: RecipeLink) -> tuple[pd.DataFrame,
                                                                       list[str]]:
    """Settings per recipe version: numeric settings as floats, others as categories.

    A setting is numeric when every row of it has ``value_num``; otherwise its text (or the
    number as text) is a category.

    Returns:
        The table (rows as ``link.versions``) and the names of its categorical columns.
    """
    keyed = _keyed(settings, link)
    if keyed.empty:
        return pd.DataFrame(index=range(len(link.versions))), []
    number = pd.to_numeric(keyed["value_num"], errors="coerce")
    numeric_setting = number.notna().groupby(keyed["setting"]).transform("all")
    columns: dict[str, pd.Series] = {}
    numeric = keyed[numeric_setting.to_numpy()].assign(value=number)
    if not numeric.empty:
        table = numeric.groupby(["_key", "setting"])["value"].mean().unstack("setting")
        columns.update({str(c): table[c] for c in table.columns})
    text = keyed[~numeric_setting.to_numpy()]
    categorical: list[str] = []
    if not text.empty:
        as_text = text["value_text"].where(text["value_text"].notna(),
                                           number[text.index].map(number_text))
        table = (text.assign(value=as_text.astype(object)).dropna(subset=["value"])
                 .groupby(["_key", "setting"])["value"].first().unstack("setting"))
        for c in table.columns:
            columns[str(c)] = table[c].astype("category")
            categorical.append(str(c))
    frame = pd.DataFrame(columns).reindex(range(len(link.versions)))
    return frame, categorical


def per_batch(table: pd.DataFrame, link: RecipeLink) -> pd.DataFrame:
    """Rows of a per-version table taken for each batch (all-NaN when it has no recipe)."""
    # −1 (no recipe) is no row label of the table: reindex gives NaN or a missing category.
    return table.reindex(link.batch_key).reset_index(drop=True)


def _keyed(frame: pd.DataFrame, link: RecipeLink) -> pd.DataFrame:
    """``frame`` with a ``_key`` column: its row in ``link.versions``; unknown rows dropped."""
    numeric = pd.api.types.is_numeric_dtype(link.versions["version"])
    keys = pd.DataFrame({"recipe_id": frame["recipe_id"].to_numpy(),
                         "version": _versions(frame["version"], numeric).to_numpy()})
    lookup = link.versions.assign(_key=np.arange(len(link.versions)))
    key = keys.merge(lookup, on=["recipe_id", "version"], how="left")["_key"].to_numpy()
    keep = ~np.isnan(key.astype(float))
    return frame[keep].assign(_key=key[keep].astype(np.int64))


def _integers_if_whole(versions: pd.Series) -> pd.Series:
    """Numeric versions as nullable integers when they all are whole numbers (1, 2 …)."""
    if not pd.api.types.is_float_dtype(versions):
        return versions
    whole = versions.dropna()
    return versions.astype("Int64") if (whole == whole.round()).all() else versions


def _all_numeric(columns: list[pd.Series]) -> bool:
    for column in columns:
        values = column.dropna()
        if len(values) and pd.to_numeric(values, errors="coerce").isna().any():
            return False
    return True


def _versions(values: pd.Series, numeric: bool) -> pd.Series:
    if numeric:
        return pd.to_numeric(values, errors="coerce").astype(np.float64)
    return values.astype(object).map(str).where(values.notna())


def number_text(value: float) -> object:
    if pd.isna(value):
        return np.nan
    return str(int(value)) if float(value).is_integer() else str(value)


def _missing_examples(batches: pd.DataFrame, names: Mapping[object, str]) -> list[str]:
    head = batches.head(MAX_EXAMPLES)
    labels = source_labels(head, names)
    examples = []
    for (_, row), wanted, label in zip(head.iterrows(), batches["recipe_version"].head(
            MAX_EXAMPLES), labels, strict=True):
        recipe = "no recipe id" if pd.isna(row["recipe_id"]) else f"recipe {row['recipe_id']}"
        version = "" if pd.isna(wanted) else f" version {wanted}"
        examples.append(f"batch {row['batch_id']} → {recipe}{version} ({label})")
    return examples
