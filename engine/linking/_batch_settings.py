"""A batch's own settings: the values a batches file gives per batch (its ``setting:`` columns).

The importer stores them (and any ``tag:`` columns of a batches file) as process samples at
the batch's start, named by batch id. They are not a historian log: the linker takes them
out of the process series and makes them setting columns named after the setting, like a
recipe's settings. Where a batch and its recipe both give a setting, the batch's value wins,
as weighed amounts win over the recipe's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.linking._recipes import actual_first, number_text
from engine.schema import DatasetKind


def split_own_settings(series: pd.DataFrame,
                       imports: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The process samples a batches file gave its batches, and the rest (the historian log).

    Args:
        series: canonical process_series (tag, time, value, unit, batch_id, import_id, …).
        imports: canonical imports (import_id, kind, …).
    """
    from_batches = imports.loc[imports["kind"] == DatasetKind.BATCHES.value, "import_id"]
    if series.empty or from_batches.empty or not {"import_id", "batch_id"} <= set(series):
        return series.iloc[:0], series
    own = (series["import_id"].isin(from_batches.tolist()).to_numpy()
           & series["batch_id"].notna().to_numpy())
    if not own.any():
        return series.iloc[:0], series
    return series[own], _without_unused_tags(series[~own])


def own_settings(samples: pd.DataFrame, batch_ids: pd.Index) -> tuple[pd.DataFrame,
                                                                     dict[str, str]]:
    """Each batch's own numeric settings (rows as ``batch_ids``, columns by setting) and units."""
    if samples.empty:
        return pd.DataFrame(index=range(len(batch_ids))), {}
    long = pd.DataFrame({"batch_id": samples["batch_id"].to_numpy(object),
                         "setting": samples["tag"].astype(str).to_numpy(object),
                         "value": pd.to_numeric(samples["value"], errors="coerce").to_numpy(),
                         "unit": samples["unit"].astype(object).to_numpy()})
    table = long.groupby(["batch_id", "setting"])["value"].mean().unstack("setting")
    table = table.reindex(batch_ids).reset_index(drop=True)
    table.columns = [str(c) for c in table.columns]
    first = long.dropna(subset=["unit"]).drop_duplicates(subset="setting")
    return table, dict(zip(first["setting"], first["unit"].astype(str), strict=True))


def with_own_settings(recipe: pd.DataFrame, categorical: list[str], own: pd.DataFrame,
                      prefer_own: bool) -> pd.DataFrame:
    """The recipe settings per batch with the batch's own settings laid over them.

    A batch's number for a setting its recipes give as text is taken as that text ("140").
    """
    if own.empty:
        return recipe
    own = own.copy()
    for column in set(own.columns) & set(categorical):
        own[column] = own[column].map(number_text).astype(object)
    combined = actual_first(own, recipe.astype({c: object for c in categorical
                                                if c in recipe}), prefer_own)
    return combined.astype({c: "category" if c in categorical else np.float64
                            for c in combined.columns})


def _without_unused_tags(series: pd.DataFrame) -> pd.DataFrame:
    """``series`` with categorical tags pruned, so no tag appears without samples."""
    if isinstance(series["tag"].dtype, pd.CategoricalDtype):
        return series.assign(tag=series["tag"].cat.remove_unused_categories())
    return series
